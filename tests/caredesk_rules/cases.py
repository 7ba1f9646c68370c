"""The candidates both halves of each cross-process test check: the Rasa side (actions, NLU)
in tests/caredesk_rules/, the back office's in tests/backoffice/test_shared_rules.py (its own
venv). Each half compares a process with caredesk_rules, so together they say the processes
agree. Plain data: both venvs import it."""

ORDER_CANDIDATES = [f"ORD-{'1' * n}" for n in range(13)] + ["ORD-10001", "ORD-0912345678"]
TICKET_CANDIDATES = [f"TCK-{'1' * n}" for n in range(13)] + ["TCK-000042", "TCK-0000000042"]
CONTACTS = [
    "An.Nguyen@Example.com",
    "an.nguyễn@example.com",  # not ASCII: the order system cannot compare it
    "a..b@example.com",
    "0912 345 678",
    "+84 912 345 678",
    "84903111222",
    "0084 912 345 678",
    "0212345678",  # a landline
    "' OR 1=1 --",
]

# Addresses as customers type them: the assistant reads them (caredesk_rules.addresses) and the
# order system must store exactly what it read.
ADDRESSES = [
    "12 Lê Lợi, Phường Sài Gòn, Thành phố Hồ Chí Minh",
    "12 Le Loi, P. Ben Nghe, Q.1, TP HCM",
    "21 Thùy Vân, Phường Thắng Tam, TP. Vũng Tàu, Bà Rịa - Vũng Tàu",
    "Thôn 3, Xã Bát Tràng, HN",
    "68 Trần Hưng Đạo, đặc khu phú quốc, Kiên Giang",
    "45 Xuan Dieu, Phuong Quy Nhon, Binh Dinh",
    "12 le loi p ben nghe q1 hcm",
]
