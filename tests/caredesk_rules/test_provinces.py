"""The 34 provinces and where the 63 former ones went (Resolution 202/2025/QH15), pinned down
unit by unit so a slip in the one list shows here."""

from __future__ import annotations

from caredesk_rules.provinces import FORMER_PROVINCES, OTHER_NAMES, PROVINCES

# Each merged province and the former ones it is made of (the resolution's article 1).
MERGED = {
    "Tỉnh Tuyên Quang": {"Tuyên Quang", "Hà Giang"},
    "Tỉnh Lào Cai": {"Lào Cai", "Yên Bái"},
    "Tỉnh Thái Nguyên": {"Thái Nguyên", "Bắc Kạn"},
    "Tỉnh Phú Thọ": {"Phú Thọ", "Vĩnh Phúc", "Hòa Bình"},
    "Tỉnh Bắc Ninh": {"Bắc Ninh", "Bắc Giang"},
    "Tỉnh Hưng Yên": {"Hưng Yên", "Thái Bình"},
    "Thành phố Hải Phòng": {"Hải Phòng", "Hải Dương"},
    "Tỉnh Ninh Bình": {"Ninh Bình", "Hà Nam", "Nam Định"},
    "Tỉnh Quảng Trị": {"Quảng Trị", "Quảng Bình"},
    "Thành phố Đà Nẵng": {"Đà Nẵng", "Quảng Nam"},
    "Tỉnh Quảng Ngãi": {"Quảng Ngãi", "Kon Tum"},
    "Tỉnh Gia Lai": {"Gia Lai", "Bình Định"},
    "Tỉnh Khánh Hòa": {"Khánh Hòa", "Ninh Thuận"},
    "Tỉnh Lâm Đồng": {"Lâm Đồng", "Đắk Nông", "Bình Thuận"},
    "Tỉnh Đắk Lắk": {"Đắk Lắk", "Phú Yên"},
    "Thành phố Hồ Chí Minh": {"Hồ Chí Minh", "Bình Dương", "Bà Rịa - Vũng Tàu"},
    "Tỉnh Đồng Nai": {"Đồng Nai", "Bình Phước"},
    "Tỉnh Tây Ninh": {"Tây Ninh", "Long An"},
    "Thành phố Cần Thơ": {"Cần Thơ", "Sóc Trăng", "Hậu Giang"},
    "Tỉnh Vĩnh Long": {"Vĩnh Long", "Bến Tre", "Trà Vinh"},
    "Tỉnh Đồng Tháp": {"Đồng Tháp", "Tiền Giang"},
    "Tỉnh Cà Mau": {"Cà Mau", "Bạc Liêu"},
    "Tỉnh An Giang": {"An Giang", "Kiên Giang"},
}
UNCHANGED = {
    "Thành phố Hà Nội": "Hà Nội",
    "Thành phố Huế": "Thừa Thiên Huế",
    "Tỉnh Lai Châu": "Lai Châu",
    "Tỉnh Điện Biên": "Điện Biên",
    "Tỉnh Sơn La": "Sơn La",
    "Tỉnh Lạng Sơn": "Lạng Sơn",
    "Tỉnh Quảng Ninh": "Quảng Ninh",
    "Tỉnh Thanh Hóa": "Thanh Hóa",
    "Tỉnh Nghệ An": "Nghệ An",
    "Tỉnh Hà Tĩnh": "Hà Tĩnh",
    "Tỉnh Cao Bằng": "Cao Bằng",
}


def test_there_are_34_provinces_six_of_them_centrally_run_cities() -> None:
    assert len(PROVINCES) == len(set(PROVINCES)) == 34
    cities = {p for p in PROVINCES if p.startswith("Thành phố ")}
    assert cities == {
        "Thành phố Hà Nội",
        "Thành phố Huế",
        "Thành phố Hải Phòng",
        "Thành phố Đà Nẵng",
        "Thành phố Hồ Chí Minh",
        "Thành phố Cần Thơ",
    }
    assert all(p.startswith("Tỉnh ") for p in set(PROVINCES) - cities)


def test_the_63_former_provinces_each_went_where_the_resolution_says() -> None:
    assert len(FORMER_PROVINCES) == 63
    assert set(MERGED) | set(UNCHANGED) == set(PROVINCES)
    went = {}
    for province, former in MERGED.items():
        went.update(dict.fromkeys(former, province))
    went.update({former: province for province, former in UNCHANGED.items()})
    assert went == FORMER_PROVINCES


def test_other_names_point_at_todays_provinces() -> None:
    assert set(OTHER_NAMES.values()) <= set(PROVINCES)
    assert OTHER_NAMES["HCM"] == OTHER_NAMES["Sài Gòn"] == "Thành phố Hồ Chí Minh"
    assert OTHER_NAMES["HN"] == "Thành phố Hà Nội"
