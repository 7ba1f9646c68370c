"""FastAPI dependencies of the order routers (rules, the order service, the proven contact)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Path, Request

from backoffice.api.deps import SessionDep
from backoffice.orders.policies import Knowledge
from backoffice.orders.services.orders import OrderService
from caredesk_rules.ids import ORDER_ID_MAX_LENGTH, ORDER_ID_PATTERN


def get_knowledge(request: Request) -> Knowledge:
    knowledge: Knowledge = request.app.state.knowledge
    return knowledge


KnowledgeDep = Annotated[Knowledge, Depends(get_knowledge)]


def get_order_service(session: SessionDep, knowledge: KnowledgeDep) -> OrderService:
    return OrderService(session, knowledge.policies, shop_tz=knowledge.tz())


def customer_contact(
    x_customer_contact: Annotated[
        str | None,
        Header(
            alias="X-Customer-Contact",
            description="Email or phone on the order; proves the caller is that customer.",
        ),
    ] = None,
) -> str | None:
    # No length or format checks here on purpose: any unusable contact must produce exactly
    # the same answer as an unknown order, which the service guarantees.
    return x_customer_contact


def order_id_path(
    order_id: Annotated[
        str,
        Path(
            pattern=ORDER_ID_PATTERN,
            max_length=ORDER_ID_MAX_LENGTH,
            description="ORD- and digits",
        ),
    ],
) -> str:
    return order_id


OrderServiceDep = Annotated[OrderService, Depends(get_order_service)]
ContactDep = Annotated[str | None, Depends(customer_contact)]
OrderIdDep = Annotated[str, Depends(order_id_path)]
