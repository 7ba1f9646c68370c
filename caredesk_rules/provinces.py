"""Vietnam's provinces since the 2025 merger, and where each former one went: the one list the
order system, its migration and the assistant read (issue 12).

Resolution 202/2025/QH15 (in force 12 June 2025) merged the 63 provinces and centrally-run
cities into 34: 6 centrally-run cities and 28 provinces. From 1 July 2025 local government has
two levels, the province (tỉnh/thành phố) and the ward or commune (phường, xã, đặc khu); the
districts (quận, huyện, thị xã, thành phố thuộc tỉnh) are gone. Names are written in full
("Thành phố Hồ Chí Minh", "Tỉnh Đồng Nai") with the tone marks of docs/style-vi.md rule 12.
"""

from __future__ import annotations

# The 34, in the resolution's order of the merged units after the 11 that stayed as they were.
PROVINCES: tuple[str, ...] = (
    # unchanged
    "Thành phố Hà Nội",
    "Thành phố Huế",
    "Tỉnh Lai Châu",
    "Tỉnh Điện Biên",
    "Tỉnh Sơn La",
    "Tỉnh Lạng Sơn",
    "Tỉnh Quảng Ninh",
    "Tỉnh Thanh Hóa",
    "Tỉnh Nghệ An",
    "Tỉnh Hà Tĩnh",
    "Tỉnh Cao Bằng",
    # merged
    "Tỉnh Tuyên Quang",
    "Tỉnh Lào Cai",
    "Tỉnh Thái Nguyên",
    "Tỉnh Phú Thọ",
    "Tỉnh Bắc Ninh",
    "Tỉnh Hưng Yên",
    "Thành phố Hải Phòng",
    "Tỉnh Ninh Bình",
    "Tỉnh Quảng Trị",
    "Thành phố Đà Nẵng",
    "Tỉnh Quảng Ngãi",
    "Tỉnh Gia Lai",
    "Tỉnh Khánh Hòa",
    "Tỉnh Lâm Đồng",
    "Tỉnh Đắk Lắk",
    "Thành phố Hồ Chí Minh",
    "Tỉnh Đồng Nai",
    "Tỉnh Tây Ninh",
    "Thành phố Cần Thơ",
    "Tỉnh Vĩnh Long",
    "Tỉnh Đồng Tháp",
    "Tỉnh Cà Mau",
    "Tỉnh An Giang",
)

# The 63 provinces and centrally-run cities before 12 June 2025 -> the province they are part of.
# Thừa Thiên Huế had already become the centrally-run Thành phố Huế on 1 January 2025.
FORMER_PROVINCES: dict[str, str] = {
    "Hà Nội": "Thành phố Hà Nội",
    "Thừa Thiên Huế": "Thành phố Huế",
    "Lai Châu": "Tỉnh Lai Châu",
    "Điện Biên": "Tỉnh Điện Biên",
    "Sơn La": "Tỉnh Sơn La",
    "Lạng Sơn": "Tỉnh Lạng Sơn",
    "Quảng Ninh": "Tỉnh Quảng Ninh",
    "Thanh Hóa": "Tỉnh Thanh Hóa",
    "Nghệ An": "Tỉnh Nghệ An",
    "Hà Tĩnh": "Tỉnh Hà Tĩnh",
    "Cao Bằng": "Tỉnh Cao Bằng",
    "Hà Giang": "Tỉnh Tuyên Quang",
    "Tuyên Quang": "Tỉnh Tuyên Quang",
    "Yên Bái": "Tỉnh Lào Cai",
    "Lào Cai": "Tỉnh Lào Cai",
    "Bắc Kạn": "Tỉnh Thái Nguyên",
    "Thái Nguyên": "Tỉnh Thái Nguyên",
    "Vĩnh Phúc": "Tỉnh Phú Thọ",
    "Hòa Bình": "Tỉnh Phú Thọ",
    "Phú Thọ": "Tỉnh Phú Thọ",
    "Bắc Giang": "Tỉnh Bắc Ninh",
    "Bắc Ninh": "Tỉnh Bắc Ninh",
    "Thái Bình": "Tỉnh Hưng Yên",
    "Hưng Yên": "Tỉnh Hưng Yên",
    "Hải Dương": "Thành phố Hải Phòng",
    "Hải Phòng": "Thành phố Hải Phòng",
    "Hà Nam": "Tỉnh Ninh Bình",
    "Nam Định": "Tỉnh Ninh Bình",
    "Ninh Bình": "Tỉnh Ninh Bình",
    "Quảng Bình": "Tỉnh Quảng Trị",
    "Quảng Trị": "Tỉnh Quảng Trị",
    "Quảng Nam": "Thành phố Đà Nẵng",
    "Đà Nẵng": "Thành phố Đà Nẵng",
    "Kon Tum": "Tỉnh Quảng Ngãi",
    "Quảng Ngãi": "Tỉnh Quảng Ngãi",
    "Gia Lai": "Tỉnh Gia Lai",
    "Bình Định": "Tỉnh Gia Lai",
    "Ninh Thuận": "Tỉnh Khánh Hòa",
    "Khánh Hòa": "Tỉnh Khánh Hòa",
    "Đắk Nông": "Tỉnh Lâm Đồng",
    "Bình Thuận": "Tỉnh Lâm Đồng",
    "Lâm Đồng": "Tỉnh Lâm Đồng",
    "Phú Yên": "Tỉnh Đắk Lắk",
    "Đắk Lắk": "Tỉnh Đắk Lắk",
    "Bà Rịa - Vũng Tàu": "Thành phố Hồ Chí Minh",
    "Bình Dương": "Thành phố Hồ Chí Minh",
    "Hồ Chí Minh": "Thành phố Hồ Chí Minh",
    "Bình Phước": "Tỉnh Đồng Nai",
    "Đồng Nai": "Tỉnh Đồng Nai",
    "Long An": "Tỉnh Tây Ninh",
    "Tây Ninh": "Tỉnh Tây Ninh",
    "Sóc Trăng": "Thành phố Cần Thơ",
    "Hậu Giang": "Thành phố Cần Thơ",
    "Cần Thơ": "Thành phố Cần Thơ",
    "Bến Tre": "Tỉnh Vĩnh Long",
    "Trà Vinh": "Tỉnh Vĩnh Long",
    "Vĩnh Long": "Tỉnh Vĩnh Long",
    "Tiền Giang": "Tỉnh Đồng Tháp",
    "Đồng Tháp": "Tỉnh Đồng Tháp",
    "Bạc Liêu": "Tỉnh Cà Mau",
    "Cà Mau": "Tỉnh Cà Mau",
    "Kiên Giang": "Tỉnh An Giang",
    "An Giang": "Tỉnh An Giang",
}

# Other names customers write for a province: abbreviations, old and English names. Only the
# unambiguous ones ("ĐN" is Đà Nẵng to some and Đồng Nai to others, so it is not here). Spaces,
# dots, hyphens and tone marks do not matter: "Hanoi", "Sai Gon" and "TP.HCM" are found as written.
OTHER_NAMES: dict[str, str] = {
    "HCM": "Thành phố Hồ Chí Minh",
    "HCMC": "Thành phố Hồ Chí Minh",
    "TPHCM": "Thành phố Hồ Chí Minh",
    "Sài Gòn": "Thành phố Hồ Chí Minh",
    "SG": "Thành phố Hồ Chí Minh",
    "HN": "Thành phố Hà Nội",
    "TPHN": "Thành phố Hà Nội",
    "TT Huế": "Thành phố Huế",
    "TTH": "Thành phố Huế",
    "BR-VT": "Thành phố Hồ Chí Minh",
    "Vũng Tàu": "Thành phố Hồ Chí Minh",
    "Đắc Lắc": "Tỉnh Đắk Lắk",
    "Đắc Nông": "Tỉnh Lâm Đồng",
}
