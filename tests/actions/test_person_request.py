import pytest

from actions.person_request import asks_for_a_person, explicit_person_request
from tests.support.trackers import tracker_for


@pytest.mark.parametrize(
    "text",
    [
        "get me a human, my parcel never arrived",
        "I want to talk to someone, I was charged twice",
        "Can I speak to a real person?",
        "connect me to an agent please",
        "cho minh gap nhan vien, don hang bi giao sai",
        "cho mk gặp nv với",
        "tôi muốn gặp người thật",
    ],
)
def test_requests_for_a_person(text):
    assert asks_for_a_person(text)


@pytest.mark.parametrize(
    "text",
    ["where is my parcel", "are your staff real people?", "đơn hàng của tôi bị giao sai", "human"],
)
def test_not_requests_for_a_person(text):
    assert not asks_for_a_person(text)


def test_the_nlu_must_have_considered_it():
    text = "get me a human, my parcel never arrived"
    unlikely = tracker_for(text, "report_delivery_problem", ranking=[("contact_human_agent", 0.01)])
    likely = tracker_for(text, "report_delivery_problem", ranking=[("contact_human_agent", 0.2)])
    assert not explicit_person_request(unlikely)
    assert explicit_person_request(likely)
