"""Receipts for messages sent to customers: the channel says the customer's chat has them.

The socket.io channel calls this for the caredesk widget, which confirms every agent message
and hand-off notice it shows (services/outbox.py). A receipt names the conversation the
widget's socket owns; keys of another conversation are ignored.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter

from backoffice.api.deps import SessionDep
from backoffice.api.schemas import ErrorResponse
from backoffice.core.unit_of_work import utcnow, writing
from backoffice.helpdesk.api.deps import NotifierDep
from backoffice.helpdesk.schemas import DeliveryReceipts, DeliveryReceiptsOut
from backoffice.helpdesk.services.outbox import confirm_receipts, delivery_pushed

router = APIRouter(prefix="/deliveries", tags=["deliveries"])
logger = logging.getLogger(__name__)


@router.post(
    "/receipts",
    response_model=DeliveryReceiptsOut,
    responses={
        401: {"model": ErrorResponse, "description": "Missing or wrong X-API-Key"},
        422: {"model": ErrorResponse, "description": "Invalid input"},
    },
    summary="The customer's chat received these messages (idempotent)",
)
def receipts(
    body: DeliveryReceipts, session: SessionDep, notifier: NotifierDep
) -> DeliveryReceiptsOut:
    with writing(session):
        confirmed = confirm_receipts(session, body.conversation_id, body.delivery_ids, utcnow())
        for event in confirmed:
            pushed = delivery_pushed(session, event)
            if pushed is not None:  # the consoles show the message as delivered
                notifier.push(*pushed)
    notifier.flush()
    if confirmed:
        logger.info("conversation %s confirmed %d message(s)", body.conversation_id, len(confirmed))
    return DeliveryReceiptsOut(confirmed=len(confirmed))
