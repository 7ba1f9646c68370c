from typing import Any

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.nlu.tokenizers.spacy_tokenizer import SpacyTokenizer
from rasa.nlu.utils.spacy_utils import SpacyNLP
from rasa.shared.nlu.training_data.message import Message

from components.spacy_nlp import LEMMA_PIPES, LemmatizingSpacyNLP
from tests.support.pipeline import pipeline, step_settings

NAME = "components.spacy_nlp.LemmatizingSpacyNLP"
CONFIG = step_settings(NAME)

TEXTS = [
    "Where is my order ORD-10002? I paid on Monday and it still hasn't shipped.",
    "Can I return the shoes I bought from Tiki last week, they were running small",
    "don hang cua toi dang o dau",
    "shop ơi cho mình hỏi phí ship ra Hà Nội bao nhiêu",
    "I'd like to talk to a real person please, Nguyen Van An here",
]


def tokens(nlp_class: type[SpacyNLP]) -> list[list[tuple[Any, ...]]]:
    """What SpacyTokenizer takes from spaCy: each token's text, lemma and part of speech."""
    context = ExecutionContext(GraphSchema({}), "test")
    nlp = nlp_class.create(CONFIG, None, None, context)
    model = nlp.provide()
    tokenizer = SpacyTokenizer.create(SpacyTokenizer.get_default_config(), None, None, context)
    messages = nlp.process([Message({"text": text}) for text in TEXTS], model)
    tokenizer.process(messages)
    return [
        [(token.text, token.lemma, token.get("pos")) for token in message.get("text_tokens")]
        for message in messages
    ]


def test_only_the_pipes_the_lemmas_need_run():
    context = ExecutionContext(GraphSchema({}), "test")
    model = LemmatizingSpacyNLP.create(CONFIG, None, None, context).provide().model
    assert tuple(model.pipe_names) == LEMMA_PIPES
    assert {"ner", "parser"} <= set(model.disabled)


def test_the_tokenizer_gets_the_same_tokens_lemmas_and_tags_as_from_rasas_spacynlp():
    ours, rasas = tokens(LemmatizingSpacyNLP), tokens(SpacyNLP)
    assert ours == rasas
    assert ("paid", "pay", "VBD") in ours[0]  # lemmas and tags are really there


def test_config_yml_loads_spacy_through_it_only():
    names = [step["name"] for step in pipeline()]
    assert "SpacyNLP" not in names
    assert names.index(NAME) < names.index("SpacyTokenizer")
