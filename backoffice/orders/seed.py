"""Demo data: the five orders of docs/contract.md exactly, plus realistic ones to look like a shop.

Dates are relative to the seeding time so the demo rules (return window, warranty) hold on
the day it is seeded. Invoice tokens are random; everything else is deterministic.

    python -m backoffice.orders.seed            # seed when the database has no orders
    python -m backoffice.orders.seed --reset    # wipe every back-office table, then seed

`python -m backoffice migrate` seeds the same way before the app starts when
CAREDESK_SEED_DEMO=true (backoffice/prestart.py). Both bring the schema to the head revision
first.
"""

from __future__ import annotations

import argparse
import logging
import random
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from backoffice.orders.models import (
    Customer,
    Invoice,
    Order,
    OrderItem,
    Refund,
    ReturnItem,
    ReturnRequest,
    Shipment,
    ShippingAddress,
    TrackingEvent,
)
from backoffice.orders.policies import Knowledge, Policies
from backoffice.orders.services.orders import add_working_days

logger = logging.getLogger(__name__)

VAT_RATE_PERCENT = 10
BIG_CITIES = ("Thành phố Hà Nội", "Thành phố Hồ Chí Minh")
WAREHOUSE = "Kho Tân Bình, Thành phố Hồ Chí Minh"

PRODUCTS: dict[str, tuple[str, int]] = {
    "SONY-WHCH520": ("Tai nghe Bluetooth Sony WH-CH520", 1_190_000),
    "ANKER-A2633": ("Củ sạc nhanh Anker PowerPort III 20W", 350_000),
    "XIAOMI-RN13": ("Điện thoại Xiaomi Redmi Note 13 8GB/128GB", 4_890_000),
    "LOGI-MX3S": ("Chuột không dây Logitech MX Master 3S", 2_490_000),
    "JBL-FLIP6": ("Loa Bluetooth JBL Flip 6", 2_690_000),
    "XM-AP4L": ("Máy lọc không khí Xiaomi Smart Air Purifier 4 Lite", 3_290_000),
    "SS-T7-1TB": ("Ổ cứng di động Samsung T7 1TB", 2_590_000),
    "KINDLE-PW5": ("Máy đọc sách Kindle Paperwhite 5 16GB", 3_590_000),
    "APPLE-USBC20": ("Củ sạc Apple USB-C 20W", 490_000),
    "BASEUS-PB10K": ("Pin sạc dự phòng Baseus 10000mAh 20W", 420_000),
    "LOCK-1L": ("Bình giữ nhiệt Lock&Lock 1L", 390_000),
    "PHILIPS-HD9252": ("Nồi chiên không dầu Philips HD9252 4.1L", 2_190_000),
    "SUNHOUSE-K18": ("Ấm siêu tốc Sunhouse 1.8L", 259_000),
    "TPLINK-AX23": ("Router Wi-Fi 6 TP-Link Archer AX23", 1_090_000),
    "UGREEN-C2C1M": ("Cáp sạc USB-C Ugreen 1m", 129_000),
    "CASIO-MTPV002": ("Đồng hồ nam Casio MTP-V002L", 890_000),
    "RD-LED26": ("Đèn bàn LED Rạng Đông RD-RL-26", 329_000),
    "XM-BAND8": ("Vòng đeo tay Xiaomi Smart Band 8", 790_000),
}


@dataclass(frozen=True)
class DemoCustomer:
    """A customer and their delivery address in the two-level form (since 1 July 2025)."""

    name: str
    email: str
    phone: str
    line1: str
    ward: str
    province: str  # one of caredesk_rules.provinces.PROVINCES


HCMC, HANOI = "Thành phố Hồ Chí Minh", "Thành phố Hà Nội"

# Real wards of the 2025 merger: Bến Thành, Bàn Cờ (Quận 3's old wards 1, 2, 3 and 5), Vũng Tàu
# (Bà Rịa - Vũng Tàu is part of Thành phố Hồ Chí Minh now), Quy Nhơn (Bình Định is part of Gia
# Lai), a commune (Bát Tràng) and a special zone (Phú Quốc, now in An Giang).
CUSTOMERS: dict[str, DemoCustomer] = {
    "an": DemoCustomer("Nguyễn Văn An", "an.nguyen@example.com", "+84912345678",
                       "18 Ngõ 12 Láng Hạ", "Phường Giảng Võ", HANOI),
    "binh": DemoCustomer("Trần Thị Bình", "binh.tran@example.com", "+84903111222",
                         "45 Nguyễn Thị Minh Khai", "Phường Bến Thành", HCMC),
    "chi": DemoCustomer("Lê Minh Chi", "chi.le@example.com", "+84987654321",
                        "102 Nguyễn Văn Linh", "Phường Hải Châu", "Thành phố Đà Nẵng"),
    "dung": DemoCustomer("Phạm Quốc Dũng", "dung.pham@example.com", "+84936000555",
                         "56 Đường 30 Tháng 4", "Phường Ninh Kiều", "Thành phố Cần Thơ"),
    "em": DemoCustomer("Hoàng Thị Em", "em.hoang@example.com", "+84977123456",
                       "27 Lạch Tray", "Phường Gia Viên", "Thành phố Hải Phòng"),
    "giang": DemoCustomer("Vũ Đức Giang", "giang.vu@example.com", "+84388456789",
                          "112 Trần Duy Hưng", "Phường Yên Hòa", HANOI),
    "ha": DemoCustomer("Đặng Thu Hà", "ha.dang@example.com", "+84868234567",
                       "208 Võ Văn Tần", "Phường Bàn Cờ", HCMC),
    "huy": DemoCustomer("Bùi Quang Huy", "huy.bui@example.com", "+84359876543",
                        "15 Lê Lợi", "Phường Thuận Hóa", "Thành phố Huế"),
    "khanh": DemoCustomer("Đỗ Ngọc Khánh", "khanh.do@example.com", "+84705123987",
                          "68 Trần Hưng Đạo", "Đặc khu Phú Quốc", "Tỉnh An Giang"),
    "lan": DemoCustomer("Hồ Thị Lan", "lan.ho@example.com", "+84818765432",
                        "34 Phạm Văn Thuận", "Phường Tam Hiệp", "Tỉnh Đồng Nai"),
    "long": DemoCustomer("Ngô Minh Long", "long.ngo@example.com", "+84922334455",
                         "9 Nguyễn Văn Bảo", "Phường Hạnh Thông", HCMC),
    "mai": DemoCustomer("Dương Thùy Mai", "mai.duong@example.com", "+84934567890",
                        "76 Hoàng Quốc Việt", "Phường Nghĩa Đô", HANOI),
    "nam": DemoCustomer("Lý Văn Nam", "nam.ly@example.com", "+84961222333",
                        "21 Thùy Vân", "Phường Vũng Tàu", HCMC),
    "oanh": DemoCustomer("Phan Thị Oanh", "oanh.phan@example.com", "+84899111000",
                         "45 Xuân Diệu", "Phường Quy Nhơn", "Tỉnh Gia Lai"),
    "phuc": DemoCustomer("Trịnh Công Phúc", "phuc.trinh@example.com", "+84945678123",
                         "Thôn 3", "Xã Bát Tràng", HANOI),
    "quang": DemoCustomer("Mai Thanh Quang", "quang.mai@example.com", "+84372555666",
                          "150 Lê Văn Sỹ", "Phường Phú Nhuận", HCMC),
}  # fmt: skip


@dataclass(frozen=True)
class DemoOrder:
    """One order's story, in days before the seeding time."""

    id: str
    customer: str
    status: str
    payment: str
    items: tuple[tuple[str, int], ...]
    placed_days_ago: float
    carrier: str | None = None
    tracking: str | None = None
    shipped_days_ago: float | None = None
    delivered_days_ago: float | None = None
    out_for_delivery: bool = False
    cancelled_days_ago: float | None = None
    refund_status: str | None = None
    return_reason: str | None = None


ORDERS: tuple[DemoOrder, ...] = (
    # --- docs/contract.md demo orders: do not change ids, contacts or statuses ---
    DemoOrder("ORD-10001", "an", "shipped", "momo", (("SONY-WHCH520", 1), ("ANKER-A2633", 1)),
              placed_days_ago=3, carrier="GHN", tracking="GHN123456789VN", shipped_days_ago=2),
    DemoOrder("ORD-10002", "binh", "processing", "zalopay",
              (("PHILIPS-HD9252", 1), ("LOCK-1L", 2)), placed_days_ago=0.5),
    DemoOrder("ORD-10003", "chi", "delivered", "card", (("JBL-FLIP6", 1), ("UGREEN-C2C1M", 2)),
              placed_days_ago=9, carrier="GHTK", tracking="GHTK2418765309", shipped_days_ago=8,
              delivered_days_ago=5),
    DemoOrder("ORD-10004", "an", "cancelled", "card", (("LOGI-MX3S", 1),), placed_days_ago=3,
              cancelled_days_ago=2, refund_status="processing"),
    DemoOrder("ORD-10005", "dung", "delivered", "cod", (("XM-AP4L", 1),), placed_days_ago=94,
              carrier="Viettel Post", tracking="VTP1873645201", shipped_days_ago=93,
              delivered_days_ago=90),
    # --- the rest of the shop ---
    DemoOrder("ORD-10006", "em", "pending", "bank_transfer", (("KINDLE-PW5", 1),),
              placed_days_ago=0.1),
    DemoOrder("ORD-10007", "giang", "pending", "cod", (("BASEUS-PB10K", 1), ("UGREEN-C2C1M", 1)),
              placed_days_ago=0.02),
    DemoOrder("ORD-10008", "ha", "processing", "vnpay", (("XM-BAND8", 1),), placed_days_ago=1),
    DemoOrder("ORD-10009", "huy", "processing", "cod", (("CASIO-MTPV002", 1),),
              placed_days_ago=0.8),
    DemoOrder("ORD-10010", "khanh", "processing", "card", (("LOGI-MX3S", 1), ("ANKER-A2633", 1)),
              placed_days_ago=1.2),
    DemoOrder("ORD-10011", "lan", "shipped", "cod", (("SS-T7-1TB", 1),), placed_days_ago=4,
              carrier="GHTK", tracking="GHTK2419032117", shipped_days_ago=3,
              out_for_delivery=True),
    DemoOrder("ORD-10012", "long", "shipped", "momo", (("JBL-FLIP6", 1),), placed_days_ago=2,
              carrier="J&T Express", tracking="JT0865432190", shipped_days_ago=1),
    DemoOrder("ORD-10013", "mai", "shipped", "card", (("SS-T7-1TB", 1), ("APPLE-USBC20", 1)),
              placed_days_ago=3, carrier="Viettel Post", tracking="VTP1874410377",
              shipped_days_ago=2),
    DemoOrder("ORD-10014", "nam", "delivered", "zalopay", (("TPLINK-AX23", 1),),
              placed_days_ago=16, carrier="GHN", tracking="GHN552019843VN", shipped_days_ago=15,
              delivered_days_ago=12, return_reason="Router mất kết nối Wi-Fi liên tục."),
    DemoOrder("ORD-10015", "oanh", "delivered", "card", (("XM-BAND8", 1),), placed_days_ago=33,
              carrier="GHN", tracking="GHN550873311VN", shipped_days_ago=32,
              delivered_days_ago=29),
    DemoOrder("ORD-10016", "phuc", "delivered", "cod", (("SUNHOUSE-K18", 1), ("LOCK-1L", 1)),
              placed_days_ago=35, carrier="J&T Express", tracking="JT0861209934",
              shipped_days_ago=34, delivered_days_ago=31),
    DemoOrder("ORD-10017", "quang", "delivered", "momo", (("XIAOMI-RN13", 1),),
              placed_days_ago=48, carrier="GHN", tracking="GHN548812706VN", shipped_days_ago=47,
              delivered_days_ago=45),
    DemoOrder("ORD-10018", "giang", "delivered", "card", (("SONY-WHCH520", 1),),
              placed_days_ago=404, carrier="GHTK", tracking="GHTK2301184562",
              shipped_days_ago=403, delivered_days_ago=400),
    DemoOrder("ORD-10019", "ha", "cancelled", "cod", (("RD-LED26", 2),), placed_days_ago=10,
              cancelled_days_ago=9.5),
    DemoOrder("ORD-10020", "mai", "cancelled", "vnpay", (("KINDLE-PW5", 1),), placed_days_ago=20,
              cancelled_days_ago=19.8, refund_status="refunded"),
    # The demo shop's signed-in customer (An) has a history to pick from.
    DemoOrder("ORD-10021", "an", "delivered", "card", (("KINDLE-PW5", 1), ("UGREEN-C2C1M", 1)),
              placed_days_ago=42, carrier="GHN", tracking="GHN547310862VN", shipped_days_ago=41,
              delivered_days_ago=39),
    DemoOrder("ORD-10022", "an", "delivered", "momo", (("XIAOMI-RN13", 1),),
              placed_days_ago=130, carrier="J&T Express", tracking="JT0852217743",
              shipped_days_ago=129, delivered_days_ago=127),
)  # fmt: skip

# Loyalty programme standing (knowledge/store.yml `loyalty_tiers`): tier, points, spend over the
# last 12 months; each tier's spend lies between its own threshold and the next one's.
LOYALTY: dict[str, tuple[str, int, int]] = {
    "an": ("gold", 1_240, 18_400_000),
    "binh": ("silver", 530, 7_150_000),
    "chi": ("member", 186, 1_860_000),
    "dung": ("diamond", 3_980, 46_200_000),
    "em": ("member", 120, 3_590_000),
    "giang": ("silver", 410, 5_400_000),
    "ha": ("member", 79, 790_000),
    "huy": ("member", 89, 890_000),
    "khanh": ("silver", 720, 9_800_000),
    "lan": ("member", 259, 2_590_000),
    "long": ("gold", 1_050, 16_300_000),
    "mai": ("silver", 300, 6_240_000),
    "nam": ("member", 109, 1_090_000),
    "oanh": ("member", 0, 790_000),
    "phuc": ("member", 64, 649_000),
    "quang": ("gold", 1_870, 21_500_000),
}

# Where the parcel is seen on its way, per destination province.
HUBS = {
    "Thành phố Hà Nội": "Bưu cục Hoàng Mai, Thành phố Hà Nội",
    "Thành phố Hồ Chí Minh": "Bưu cục Bình Tân, Thành phố Hồ Chí Minh",
}


def _shipping_fee(province: str, subtotal: int, policies: Policies) -> int:
    if policies.free_shipping_threshold_vnd and subtotal >= policies.free_shipping_threshold_vnd:
        return 0
    if province in BIG_CITIES:
        return policies.shipping_fee_city_vnd
    return policies.shipping_fee_province_vnd


def _refund_due(method: str, requested: datetime, policies: Policies, tz: tzinfo) -> date:
    day = requested.astimezone(tz).date()
    if method in ("momo", "zalopay", "vnpay"):
        return day + timedelta(days=policies.refund_days_wallet)
    days = policies.refund_days_card if method == "card" else policies.refund_days_bank
    return add_working_days(day, days)


def _events(
    spec: DemoOrder, customer: DemoCustomer, shipped: datetime, now: datetime
) -> list[TrackingEvent]:
    hub = HUBS.get(customer.province, f"Bưu cục trung tâm, {customer.province}")
    destination = f"{customer.ward}, {customer.province}"
    timeline = [
        (shipped, WAREHOUSE, "Parcel picked up by the carrier", "Đơn vị vận chuyển đã lấy hàng"),
        (shipped + timedelta(hours=6), "Trung tâm khai thác Tân Bình, Thành phố Hồ Chí Minh",
         "Arrived at the sorting centre", "Đã đến trung tâm phân loại"),
        (shipped + timedelta(hours=20), hub, f"In transit to {customer.province}",
         f"Đang trung chuyển đến {customer.province}"),
    ]  # fmt: skip
    if spec.delivered_days_ago is not None:
        delivered = now - timedelta(days=spec.delivered_days_ago)
        timeline += [
            (delivered - timedelta(hours=4), destination, "Out for delivery", "Đang giao hàng"),
            (delivered, destination, "Delivered", "Giao hàng thành công"),
        ]
    elif spec.out_for_delivery:
        timeline.append((now - timedelta(hours=2), destination, "Out for delivery",
                         "Đang giao hàng"))  # fmt: skip
    return [
        TrackingEvent(at=at, location=loc, description_en=en, description_vi=vi)
        for at, loc, en, vi in timeline
        if at <= now
    ]


def _build_order(
    spec: DemoOrder,
    customer_row: Customer,
    customer: DemoCustomer,
    policies: Policies,
    tz: tzinfo,
    now: datetime,
) -> Order:
    placed = now - timedelta(days=spec.placed_days_ago)
    items = [
        OrderItem(sku=sku, name=PRODUCTS[sku][0], quantity=qty, unit_price_vnd=PRODUCTS[sku][1])
        for sku, qty in spec.items
    ]
    subtotal = sum(i.quantity * i.unit_price_vnd for i in items)
    fee = _shipping_fee(customer.province, subtotal, policies)
    delivered = (
        now - timedelta(days=spec.delivered_days_ago)
        if spec.delivered_days_ago is not None
        else None
    )
    online = spec.payment != "cod"
    awaiting_payment = spec.status == "pending" and spec.payment == "bank_transfer"
    paid_at = placed + timedelta(minutes=2) if online and not awaiting_payment else delivered
    order = Order(
        id=spec.id,
        customer=customer_row,
        status=spec.status,
        placed_at=placed,
        updated_at=placed,
        payment_method=spec.payment,
        paid_at=paid_at,
        subtotal_vnd=subtotal,
        shipping_fee_vnd=fee,
        total_vnd=subtotal + fee,
        items=items,
        shipping_address=ShippingAddress(
            recipient=customer.name,
            phone=customer.phone,
            line1=customer.line1,
            ward=customer.ward,
            province=customer.province,
            updated_at=placed,
        ),
    )
    if spec.shipped_days_ago is not None and spec.carrier and spec.tracking:
        shipped = now - timedelta(days=spec.shipped_days_ago)
        if delivered is not None:
            status, expected = "delivered", delivered.astimezone(tz).date()
        else:
            status = "out_for_delivery" if spec.out_for_delivery else "in_transit"
            days_left = 0 if spec.out_for_delivery else 1
            expected = (now + timedelta(days=days_left)).astimezone(tz).date()
        order.shipment = Shipment(
            carrier=spec.carrier,
            tracking_number=spec.tracking,
            status=status,
            expected_delivery=expected,
            shipped_at=shipped,
            delivered_at=delivered,
            events=_events(spec, customer, shipped, now),
        )
        order.updated_at = delivered or shipped
    if spec.status not in ("pending", "cancelled"):
        number = int(spec.id.split("-")[1])
        issued = placed + timedelta(minutes=30)
        total = order.total_vnd
        order.invoice = Invoice(
            invoice_number=f"INV-{issued.year}-{number:06d}",
            issued_at=issued,
            total_vnd=total,
            vat_vnd=round(total * VAT_RATE_PERCENT / (100 + VAT_RATE_PERCENT)),
            token=secrets.token_urlsafe(32),
        )
    if spec.cancelled_days_ago is not None:
        cancelled = now - timedelta(days=spec.cancelled_days_ago)
        order.cancelled_at = cancelled
        order.cancel_reason = "Khách đổi ý / changed my mind"
        order.updated_at = cancelled
        if spec.refund_status and paid_at is not None:
            method = "bank_transfer" if spec.payment == "cod" else spec.payment
            order.refund = Refund(
                status=spec.refund_status,
                amount_vnd=max(order.total_vnd - policies.cancellation_fee_vnd, 0),
                method=method,
                reason="cancellation",
                requested_at=cancelled,
                expected_by=_refund_due(method, cancelled, policies, tz),
                refunded_at=cancelled + timedelta(days=1)
                if spec.refund_status == "refunded"
                else None,
            )
    if spec.return_reason and delivered is not None:
        requested = delivered + timedelta(days=2)
        method = "bank_transfer" if spec.payment == "cod" else spec.payment
        refund = Refund(
            status="requested",
            amount_vnd=subtotal,
            method=method,
            reason="return",
            requested_at=requested,
            expected_by=_refund_due(method, requested, policies, tz),
        )
        order.refund = refund
        order.return_request = ReturnRequest(
            status="requested",
            reason=spec.return_reason,
            created_at=requested,
            refund=refund,
            items=[
                ReturnItem(
                    sku=i.sku, name=i.name, quantity=i.quantity, unit_price_vnd=i.unit_price_vnd
                )
                for i in items
            ],
        )
    return order


def seed_demo_data(
    session: Session, knowledge: Knowledge, now: datetime | None = None
) -> list[str]:
    """Insert customers and orders in one transaction; return the order ids."""
    now = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    policies, tz = knowledge.policies, knowledge.tz()
    rng = random.Random(20240601)  # demo sign-up dates, not secrets
    customers: dict[str, Customer] = {}
    for key, demo in CUSTOMERS.items():
        tier, points, spend = LOYALTY[key]
        customers[key] = Customer(
            name=demo.name,
            email=demo.email,
            phone=demo.phone,
            created_at=now - timedelta(days=rng.randint(420, 900)),
            loyalty_tier=tier,
            loyalty_points=points,
            loyalty_spend_vnd=spend,
        )
    session.add_all(customers.values())
    orders = [
        _build_order(spec, customers[spec.customer], CUSTOMERS[spec.customer], policies, tz, now)
        for spec in ORDERS
    ]
    session.add_all(orders)
    session.commit()
    return [o.id for o in orders]


def seed_if_empty(session_factory: sessionmaker, knowledge: Knowledge) -> bool:
    """Seed on first start only: a database that has orders belongs to someone."""
    with session_factory() as session:
        count = session.execute(select(func.count()).select_from(Order)).scalar_one()
        if count:
            return False
        ids = seed_demo_data(session, knowledge)
    logger.info("seeded %d demo orders", len(ids))
    return True


def main(argv: list[str] | None = None) -> int:
    from backoffice.core import schema
    from backoffice.core.config import load_settings
    from backoffice.core.db import make_engine, make_session_factory
    from backoffice.models import clear_database
    from backoffice.orders.policies import load_knowledge

    parser = argparse.ArgumentParser(prog="python -m backoffice.orders.seed", description=__doc__)
    parser.add_argument("--reset", action="store_true", help="delete all data first")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    engine = make_engine(settings.database_url)
    schema.upgrade(engine)
    if args.reset:
        clear_database(engine)
    seeded = seed_if_empty(make_session_factory(engine), load_knowledge(settings.knowledge_file))
    print("seeded demo data" if seeded else "database already has orders; nothing to do")
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
