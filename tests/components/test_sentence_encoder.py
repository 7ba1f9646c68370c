from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.shared.nlu.training_data.message import Message

from components.sentence_encoder import DIMENSIONS, SentenceEncoderFeaturizer


def featurizer(languages):
    config = {**SentenceEncoderFeaturizer.get_default_config(), "languages": languages}
    context = ExecutionContext(GraphSchema({}), "test")
    return SentenceEncoderFeaturizer.create(config, None, None, context)


def sentence_vector(message):
    _, sentence = message.get_dense_features("text")
    return None if sentence is None else sentence.features


def test_each_message_gets_one_sentence_vector_and_close_meanings_are_close():
    messages = [
        Message({"text": "where is my order", "language": "en"}),
        Message({"text": "has my parcel shipped yet", "language": "en"}),
        Message({"text": "tell me a joke", "language": "en"}),
    ]
    featurizer(["en", "vi"]).process(messages)
    order, parcel, joke = (sentence_vector(m)[0] for m in messages)
    assert order.shape == (DIMENSIONS,)
    assert order @ parcel > order @ joke


def test_languages_it_does_not_encode_get_zeros_and_empty_text_nothing():
    messages = [Message({"text": "đơn hàng ở đâu", "language": "vi"}), Message({"text": ""})]
    featurizer(["en"]).process(messages)
    assert not sentence_vector(messages[0]).any()
    assert sentence_vector(messages[1]) is None
