"""FastAPI dependencies of the order routers (rules, the order service, the proven contact)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Path, Request

from backoffice.api.deps import SessionDep
from backoffice.core.errors import InvalidInputError
from backoffice.orders.policies import Knowledge
from backoffice.orders.services.customers import CustomerService
from backoffice.orders.services.orders import OrderService
from caredesk_rules.contacts import MAX_EMAIL_LENGTH, canonical_contact
from caredesk_rules.ids import ORDER_ID_MAX_LENGTH, ORDER_ID_PATTERN


def get_knowledge(request: Request) -> Knowledge:
    knowledge: Knowledge = request.app.state.knowledge
    return knowledge


KnowledgeDep = Annotated[Knowledge, Depends(get_knowledge)]


def get_order_service(session: SessionDep, knowledge: KnowledgeDep) -> OrderService:
    return OrderService(session, knowledge.policies, shop_tz=knowledge.tz())


def get_customer_service(session: SessionDep, knowledge: KnowledgeDep) -> CustomerService:
    return CustomerService(session, knowledge.policies)


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


def proven_contact(
    x_customer_contact: Annotated[
        str,
        Header(
            alias="X-Customer-Contact",
            min_length=3,
            max_length=MAX_EMAIL_LENGTH,
            description="The customer's email or phone, proven by the caller (a signed-in "
            "customer, or the contact on an order they verified).",
        ),
    ],
) -> str:
    if canonical_contact(x_customer_contact) is None:
        raise InvalidInputError(
            "X-Customer-Contact must be an email address or a Vietnamese mobile number",
            code="invalid_contact",
        )
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
CustomerServiceDep = Annotated[CustomerService, Depends(get_customer_service)]
ProvenContactDep = Annotated[str, Depends(proven_contact)]
ContactDep = Annotated[str | None, Depends(customer_contact)]
OrderIdDep = Annotated[str, Depends(order_id_path)]
