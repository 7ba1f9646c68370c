"""The learned reading of a request for a person (components/person_request_model.py) and its
training inside the detector (components/person_request.py)."""

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.person_request import PersonRequestDetector
from components.person_request_model import (
    LabelledText,
    PersonRequestModel,
    folded,
    load_requests,
)

ASKS = [
    "I want to talk to a human",
    "connect me with a live agent",
    "can a staff member call me",
    "get someone from your team on the line",
    "cho mình gặp nhân viên",
    "nv oi ho tro em",
    "ket noi voi nguoi that giup toi",
    "xin gặp người phụ trách",
]
OTHERS = [
    "where is my order",
    "how much is shipping to Hanoi",
    "I was charged twice for one order",
    "do you accept MoMo",
    "đơn hàng của tôi đang ở đâu",
    "phi ship bao nhieu vay",
    "toi muon doi dia chi giao hang",
    "cach tao tai khoan",
]


def trained(vector=None):
    examples = [LabelledText(t, vector, True) for t in ASKS]
    examples += [LabelledText(t, vector, False) for t in OTHERS]
    return PersonRequestModel.train(examples, dimensions=4)


def test_it_learns_to_tell_a_request_for_a_person_from_other_questions():
    model = trained()
    asks, other = model.probabilities(
        ["can I talk to a staff member", "do you accept cards"], [None, None]
    )
    assert asks > 0.5 > other


def test_diacritics_and_teen_code_read_as_one_form():
    assert folded("Cho  mình gặp NV ơi") == folded("cho minh gap nhan vien oi")


def test_it_refuses_examples_of_one_kind_only():
    with pytest.raises(ValueError, match="ask for a person and others"):
        PersonRequestModel.train([LabelledText(t, None, True) for t in ASKS], dimensions=4)


def test_saved_and_loaded_it_reads_the_same(tmp_path):
    model = trained(np.ones(4, dtype=np.float32))
    model.save(tmp_path / "model.pkl")
    again = PersonRequestModel.load(tmp_path / "model.pkl")
    texts = ["nhan vien oi", "where is ORD-10001"]
    vectors = [np.ones(4), None]
    assert np.allclose(model.probabilities(texts, vectors), again.probabilities(texts, vectors))


def test_the_retired_sets_are_read_with_their_language(tmp_path):
    (tmp_path / "a.yml").write_text(
        'requests:\n  - {language: vi, department: null, text: "ad oi"}\n', encoding="utf-8"
    )
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")
    assert load_requests(tmp_path) == [("vi", "ad oi")]


def detector(tmp_path, examples_dir):
    (tmp_path / "storage").mkdir()
    storage = LocalModelStorage(tmp_path / "storage")
    context = ExecutionContext(GraphSchema({}), "test")
    config = {**PersonRequestDetector.get_default_config(), "examples": str(examples_dir)}
    return storage, config, context


def message(text, intent):
    found = Message({"text": text})
    found.set("intent", {"name": intent, "confidence": 0.9}, add_to_output=True)
    found.set("intent_ranking", [{"name": intent, "confidence": 0.9}], add_to_output=True)
    return found


def test_trained_with_the_retired_sets_it_marks_requests_the_patterns_miss(tmp_path):
    examples = tmp_path / "examples"
    examples.mkdir()
    lines = [
        f'  - {{language: en, department: sales, text: "any1 from wholesale?? need {n} boxes"}}'
        for n in (100, 200, 300, 400, 500, 600)
    ]
    (examples / "set.yml").write_text("requests:\n" + "\n".join(lines) + "\n", encoding="utf-8")
    storage, config, context = detector(tmp_path, examples)
    training = TrainingData(
        [Message({"text": t, "intent": "contact_human_agent"}) for t in ASKS]
        + [Message({"text": t, "intent": "track_order"}) for t in OTHERS]
    )
    resource = Resource("person")
    PersonRequestDetector.create(config, storage, resource, context).train(training)

    loaded = PersonRequestDetector.load(config, storage, resource, context)
    asking = message("any1 from wholesale?? need 250 boxes", "bulk_order_inquiry")
    not_asking = message("where is my order", "track_order")
    loaded.process([asking, not_asking])
    assert asking.get("person_request")["source"] == "learned"
    assert 0.5 <= asking.get("person_request")["confidence"] <= 1
    assert not_asking.get("person_request") is None


def test_an_out_of_scope_reading_needs_more_than_the_threshold(tmp_path):
    storage, config, _ = detector(tmp_path, tmp_path)
    config = {**config, "threshold": 0.5, "out_of_scope_threshold": 0.99}
    found = PersonRequestDetector(config, storage, Resource("p"), model=trained())
    # the same words the patterns do not catch: marked when read in scope, not out of scope
    in_scope = message("connect me history of Hanoi", "track_order")
    out_of_scope = message("connect me history of Hanoi", "out_of_scope")
    found.process([in_scope, out_of_scope])
    assert in_scope.get("person_request")["source"] == "learned"
    assert out_of_scope.get("person_request") is None


def test_without_a_trained_model_the_patterns_still_mark(tmp_path):
    storage, config, context = detector(tmp_path, tmp_path)
    loaded = PersonRequestDetector.load(config, storage, Resource("never-trained"), context)
    asking = message("cho mình gặp nhân viên", "greet")
    loaded.process([asking])
    assert asking.get("person_request")["source"] == "request"


def test_changed_examples_change_the_fingerprint(tmp_path):
    (tmp_path / "a.yml").write_text("requests: []\n", encoding="utf-8")
    config = {"examples": str(tmp_path)}
    before = PersonRequestDetector.fingerprint_addon(config)
    (tmp_path / "a.yml").write_text("requests: [{language: en, text: hi}]\n", encoding="utf-8")
    assert PersonRequestDetector.fingerprint_addon(config) != before


def test_a_question_about_the_bot_is_never_a_learned_request(tmp_path):
    storage, config, _ = detector(tmp_path, tmp_path)
    found = PersonRequestDetector({**config, "threshold": 0.01}, storage, Resource("p"), trained())
    question = message("connect me history of Hanoi", "bot_challenge")
    found.process([question])
    assert question.get("person_request") is None


def test_a_typed_payload_is_never_a_learned_request(tmp_path):
    storage, config, _ = detector(tmp_path, tmp_path)
    found = PersonRequestDetector({**config, "threshold": 0.01}, storage, Resource("p"), trained())
    payload = message('EXTERNAL_agent_message{"agent_text": "pay here"}', "payment_issue")
    words = message("connect me history of Hanoi", "payment_issue")
    found.process([payload, words])
    assert payload.get("person_request") is None
    assert words.get("person_request")["source"] == "learned"


def test_a_complaint_gets_its_own_flow_unless_its_words_ask(tmp_path):
    storage, config, _ = detector(tmp_path, tmp_path)
    found = PersonRequestDetector({**config, "threshold": 0.01}, storage, Resource("p"), trained())
    complaint = message("connect me history of Hanoi", "complaint")
    asking = message("I want to complain, let me talk to a manager", "complaint")
    found.process([complaint, asking])
    assert complaint.get("person_request") is None
    assert asking.get("person_request")["source"] == "request"
