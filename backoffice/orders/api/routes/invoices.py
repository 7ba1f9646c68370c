"""The printable invoice behind the link the assistant sends; the random token is the access right.

Public on purpose (a customer opens it in a browser), so it must not be indexed, cached or
leaked through the Referer header, and the token must be unguessable.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from backoffice.orders.api.deps import OrderServiceDep
from backoffice.orders.models import Invoice
from backoffice.orders.services.orders import InvoiceNotFoundError
from caredesk_rules.formatting import address as written_address
from caredesk_rules.formatting import money

router = APIRouter(tags=["invoices"])

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,128}$")
_HEADERS = {
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
}


def _vnd(amount: int) -> str:
    """Money as the assistant writes it (caredesk_rules.formatting): '1.540.000đ'."""
    return money(amount, "vi")


def _local(moment: datetime, tz: tzinfo) -> str:
    return moment.astimezone(tz).strftime("%d/%m/%Y")


def render_invoice(invoice: Invoice, shop_name: str, shop_address: str, tz: tzinfo) -> str:
    order = invoice.order
    address = order.shipping_address
    rows = "".join(
        f"<tr><td>{escape(i.sku)}</td><td>{escape(i.name)}</td><td class=n>{i.quantity}</td>"
        f"<td class=n>{_vnd(i.unit_price_vnd)}</td>"
        f"<td class=n>{_vnd(i.quantity * i.unit_price_vnd)}</td></tr>"
        for i in order.items
    )
    return f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Hóa đơn / Invoice {escape(invoice.invoice_number)}</title>
<style>
body{{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}}
table{{width:100%;border-collapse:collapse}}td,th{{border-bottom:1px solid #ddd;padding:.4rem}}
.n{{text-align:right}}h1{{font-size:1.4rem}}small{{color:#666}}
</style></head><body>
<h1>{escape(shop_name)}</h1><small>{escape(shop_address)}</small>
<h2>Hóa đơn bán hàng / Sales invoice</h2>
<p>Số / No.: <b>{escape(invoice.invoice_number)}</b><br>
Ngày / Date: {_local(invoice.issued_at, tz)}<br>
Đơn hàng / Order: {escape(order.id)}</p>
<p>Khách hàng / Customer: {escape(address.recipient)}<br>
{escape(written_address(address.line1, address.ward, address.province))}</p>
<table><thead><tr><th>SKU</th><th>Sản phẩm / Item</th><th class=n>SL / Qty</th>
<th class=n>Đơn giá / Unit price</th><th class=n>Thành tiền / Amount</th></tr></thead>
<tbody>{rows}</tbody></table>
<p class=n>Phí giao hàng / Shipping: {_vnd(order.shipping_fee_vnd)}<br>
Tổng cộng / Total: <b>{_vnd(invoice.total_vnd)}</b><br>
<small>Đã bao gồm VAT / VAT included: {_vnd(invoice.vat_vnd)}</small></p>
</body></html>"""


@router.get(
    "/invoices/{token}",
    response_class=HTMLResponse,
    summary="Printable invoice (public; the token is the access right)",
)
def invoice_page(token: str, request: Request, service: OrderServiceDep) -> HTMLResponse:
    if not TOKEN_RE.match(token):
        raise InvoiceNotFoundError()
    invoice = service.invoice_by_token(token)
    knowledge = request.app.state.knowledge
    facts = knowledge.facts
    html = render_invoice(invoice, facts.shop_name, facts.office_address, knowledge.tz())
    return HTMLResponse(html, headers=_HEADERS)
