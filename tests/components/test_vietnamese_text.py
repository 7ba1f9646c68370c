from components.vietnamese_text import (
    expand_teen_code,
    fold,
    has_vietnamese_marks,
    squeeze_repeats,
    words,
)


def test_fold_removes_diacritics_and_keeps_length():
    text = "Đơn hàng của TÔI đang ở đâu?"
    assert fold(text) == "don hang cua toi dang o dau?"
    assert len(fold(text)) == len(text)


def test_vietnamese_marks_are_detected_but_plain_ascii_is_not():
    assert has_vietnamese_marks("đơn hàng")
    assert has_vietnamese_marks("cảm ơn")
    assert not has_vietnamese_marks("don hang cua toi")
    assert not has_vietnamese_marks("where is my order")


def test_teen_code_expands_only_whole_words():
    assert expand_teen_code("dh cua mk ko dc giao") == "don hang cua minh khong duoc giao"
    assert expand_teen_code("kong") == "kong"


def test_squeeze_keeps_digits_and_double_letters():
    assert squeeze_repeats("shoppppp oiiii 100000") == "shopp oii 100000"


def test_words_skip_numbers_and_punctuation():
    assert words("Đơn ORD-10001, ok!") == ["don", "ord", "ok"]
