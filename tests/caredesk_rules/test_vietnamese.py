"""Vietnamese folding and teen-code, read the same way by the NLU and the helpdesk's routing."""

from caredesk_rules.vietnamese import (
    MARKED_SHARE_FOR_VIETNAMESE,
    expand_teen_code,
    fold,
    has_vietnamese_marks,
    marked_share,
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


def test_fold_turns_d_with_stroke_into_d_and_keeps_other_characters():
    assert fold("Đặt ĐƠN đi") == "dat don di"
    assert fold("ORD-10001 😀") == "ord-10001 😀"


def test_marked_share_counts_words_with_vietnamese_marks():
    assert marked_share("đơn hàng của tôi") == 1.0
    assert marked_share("I bought it at Mây Store") < MARKED_SHARE_FOR_VIETNAMESE
    assert marked_share("ok 123") == 0.0


def test_the_nlu_reads_with_the_one_definition():
    """The back office's routing: tests/backoffice/test_shared_rules.py (its own venv)."""
    import components.entities
    import components.language_detector
    import components.text_normalizer

    assert components.text_normalizer.fold is fold
    assert components.entities.fold is fold
    assert components.language_detector.marked_share is marked_share
