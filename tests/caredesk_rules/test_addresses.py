"""Reading a delivery address as customers type it, into today's two-level form."""

from __future__ import annotations

import pytest

from caredesk_rules.addresses import (
    PROVINCE,
    STREET,
    WARD,
    AddressProblem,
    TwoLevelAddress,
    is_district,
    parse_address,
    province_name,
    ward_name,
)
from caredesk_rules.provinces import FORMER_PROVINCES, OTHER_NAMES, PROVINCES

HCMC = "Thành phố Hồ Chí Minh"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        # today's two-level form
        (
            "12 Lê Lợi, Phường Sài Gòn, Thành phố Hồ Chí Minh",
            TwoLevelAddress("12 Lê Lợi", "Phường Sài Gòn", HCMC),
        ),
        (
            "Thôn 3, Xã Bát Tràng, Hà Nội, Việt Nam",
            TwoLevelAddress("Thôn 3", "Xã Bát Tràng", "Thành phố Hà Nội"),
        ),
        (
            "68 Trần Hưng Đạo, Đặc khu Phú Quốc, An Giang",
            TwoLevelAddress("68 Trần Hưng Đạo", "Đặc khu Phú Quốc", "Tỉnh An Giang"),
        ),
        (
            "Căn 12A, Tòa S1, 88 Lê Lai, P. Bến Thành, TP.HCM",
            TwoLevelAddress("Căn 12A, Tòa S1, 88 Lê Lai", "Phường Bến Thành", HCMC),
        ),
        # the old three-level form: the district is dropped
        (
            "12 Lê Lợi, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh",
            TwoLevelAddress("12 Lê Lợi", "Phường Bến Nghé", HCMC, ("Quận 1",)),
        ),
        (
            "5 Tỉnh lộ 8, Xã Tân Thạnh Đông, Huyện Củ Chi, Thành phố Hồ Chí Minh",
            TwoLevelAddress("5 Tỉnh lộ 8", "Xã Tân Thạnh Đông", HCMC, ("Huyện Củ Chi",)),
        ),
        (
            "8 Lý Thái Tổ, Phường Suối Hoa, TP. Bắc Ninh, Bắc Ninh",
            TwoLevelAddress("8 Lý Thái Tổ", "Phường Suối Hoa", "Tỉnh Bắc Ninh", ("TP. Bắc Ninh",)),
        ),
        # without diacritics, abbreviated
        (
            "45 Tran Hung Dao, Phuong 2, Quan 5, TP Ho Chi Minh",
            TwoLevelAddress("45 Tran Hung Dao", "Phường 2", HCMC, ("Quan 5",)),
        ),
        (
            "12 Le Loi, P. Ben Nghe, Q.1, HCM",
            TwoLevelAddress("12 Le Loi", "Phường Ben Nghe", HCMC, ("Q.1",)),
        ),
        (
            "12 le loi, f2, q3, sai gon",
            TwoLevelAddress("12 le loi", "Phường 2", HCMC, ("q3",)),
        ),
        (
            "76 Hoang Quoc Viet, P. Nghia Do, Q. Cau Giay, HN",
            TwoLevelAddress(
                "76 Hoang Quoc Viet", "Phường Nghia Do", "Thành phố Hà Nội", ("Q. Cau Giay",)
            ),
        ),
        # no commas, or other separators
        (
            "12 Lê Lợi P.Bến Nghé Q.1 TP.HCM",
            TwoLevelAddress("12 Lê Lợi", "Phường Bến Nghé", HCMC, ("Q.1",)),
        ),
        (
            "12 le loi p ben nghe q1 hcm",
            TwoLevelAddress("12 le loi", "Phường Ben Nghe", HCMC, ("q1",)),
        ),
        (
            "12 Lê Lợi - P. Bến Nghé - Q.1 - TP.HCM",
            TwoLevelAddress("12 Lê Lợi", "Phường Bến Nghé", HCMC, ("Q.1",)),
        ),
        # English
        (
            "12 Le Loi, Ben Nghe Ward, District 1, Ho Chi Minh City",
            TwoLevelAddress("12 Le Loi", "Phường Ben Nghe", HCMC, ("District 1",)),
        ),
        # former provinces merged in 2025
        (
            "21 Thùy Vân, Phường Thắng Tam, TP. Vũng Tàu, Bà Rịa - Vũng Tàu",
            TwoLevelAddress("21 Thùy Vân", "Phường Thắng Tam", HCMC, ("TP. Vũng Tàu",)),
        ),
        (
            "5 Đại lộ Bình Dương, P. Phú Hòa, TP Thủ Dầu Một, Bình Dương",
            TwoLevelAddress("5 Đại lộ Bình Dương", "Phường Phú Hòa", HCMC, ("TP Thủ Dầu Một",)),
        ),
        (
            "45 Xuan Dieu, Phuong Quy Nhon, Binh Dinh",
            TwoLevelAddress("45 Xuan Dieu", "Phường Quy Nhon", "Tỉnh Gia Lai"),
        ),
        # a street named like a district word is a street ("Quán Thánh"), tone marks typed apart
        (
            "12 Quán Thánh, Phường Ba Đình, Hà Nội",
            TwoLevelAddress("12 Quán Thánh", "Phường Ba Đình", "Thành phố Hà Nội"),
        ),
        (
            "12 Le\u0302 Lo\u031b\u0323i, Phu\u031bo\u031b\u0300ng Sa\u0300i Go\u0300n, HCM",
            TwoLevelAddress("12 Lê Lợi", "Phường Sài Gòn", HCMC),
        ),
    ],
)
def test_addresses_as_typed_are_read_in_the_two_level_form(
    typed: str, expected: TwoLevelAddress
) -> None:
    assert parse_address(typed) == expected


@pytest.mark.parametrize(
    ("typed", "field"),
    [
        ("", STREET),
        ("   ", STREET),
        ("x" * 301, STREET),
        ("somewhere", PROVINCE),
        ("12 Lê Lợi, Phường Bến Nghé", PROVINCE),
        ("12 Lê Lợi, Phường Bến Nghé, Quận 1", PROVINCE),
        ("12 Lê Lợi, Phường 1, Atlantis", PROVINCE),
        ("12 Lê Lợi, Quận 1, TP HCM", WARD),
        ("12 Lê Lợi, TP HCM", WARD),
        ("Phường Bến Nghé, TP HCM", STREET),
        ("Phường, TP HCM", WARD),
        ("12 Lê Lợi, Phường, TP HCM", WARD),
        ("x" * 201 + ", Phường 1, HCM", STREET),
    ],
)
def test_what_is_missing_or_unreadable_is_named(typed: str, field: str) -> None:
    with pytest.raises(AddressProblem) as caught:
        parse_address(typed)
    assert caught.value.field == field


def test_every_province_and_former_province_is_found_as_written_with_or_without_marks() -> None:
    from caredesk_rules.vietnamese import fold

    for province in PROVINCES:
        assert province_name(province) == province
        assert province_name(fold(province)) == province
        assert parse_address(f"1 Lê Lợi, Phường 1, {province}").province == province
    for former, province in FORMER_PROVINCES.items():
        assert province_name(former) == province, former
        assert province_name("Tỉnh " + fold(former).title()) == province, former
    for written, province in OTHER_NAMES.items():
        assert province_name(written) == province, written


@pytest.mark.parametrize(
    ("written", "province"),
    [
        ("TP HCM", HCMC),
        ("tp.hcm", HCMC),
        ("TPHCM", HCMC),
        ("Sài Gòn", HCMC),
        ("Ho Chi Minh City", HCMC),
        ("Quận 1, TP. Hồ Chí Minh", HCMC),
        ("Bình Dương", HCMC),
        ("BR-VT", HCMC),
        ("HN", "Thành phố Hà Nội"),
        ("Hanoi", "Thành phố Hà Nội"),
        ("TT Huế", "Thành phố Huế"),
        ("Hoà Bình", "Tỉnh Phú Thọ"),
        ("Dak Lak", "Tỉnh Đắk Lắk"),
        ("Daklak", "Tỉnh Đắk Lắk"),
        ("Kon Tum", "Tỉnh Quảng Ngãi"),
        ("Quận 1", None),
        ("Phường Bến Nghé, TP HCM", None),
        ("ĐN", None),  # Đà Nẵng or Đồng Nai: not guessed
        ("Atlantis", None),
    ],
)
def test_province_names(written: str, province: str | None) -> None:
    assert province_name(written) == province


@pytest.mark.parametrize(
    ("written", "ward"),
    [
        ("Phường Sài Gòn", "Phường Sài Gòn"),
        ("p. ben nghe", "Phường Ben Nghe"),
        ("P.Bến Nghé", "Phường Bến Nghé"),
        ("P2", "Phường 2"),
        ("phường 10", "Phường 10"),
        ("X. Bát Tràng", "Xã Bát Tràng"),
        ("xã tân thạnh đông", "Xã Tân Thạnh Đông"),
        ("dac khu Con Dao", "Đặc khu Con Dao"),
        ("Ward 2", "Phường 2"),
        ("Ben Nghe Ward", "Phường Ben Nghe"),
        ("Phường 2, Quận 5", "Phường 2"),
        ("Bến Nghé", "Bến Nghé"),
        ("Quận 1", None),
        ("Huyện Củ Chi", None),
        ("TP HCM", None),
        ("Phường", None),
        ("", None),
        ("Phường 1, Phường 2", None),
    ],
)
def test_ward_names(written: str, ward: str | None) -> None:
    assert ward_name(written) == ward


@pytest.mark.parametrize(
    ("part", "district"),
    [
        ("Quận 1", True),
        ("quan 5", True),
        ("Q.3", True),
        ("Q10", True),
        ("Q. Bình Thạnh", True),
        ("Huyện Củ Chi", True),
        ("H. Củ Chi", True),
        ("Thị xã Sơn Tây", True),
        ("TX Sơn Tây", True),
        ("TP. Thủ Đức", True),
        ("Thành phố Thủ Đức", True),
        ("District 1", True),
        ("Go Vap District", True),
        ("TP HCM", False),
        ("Thành phố Hồ Chí Minh", False),
        ("Quán Thánh", False),
        ("Phường Bến Nghé", False),
        ("12 Lê Lợi", False),
    ],
)
def test_districts_of_the_old_form(part: str, district: bool) -> None:
    assert is_district(part) is district
