"""spaCy for the tokenizer only: the pipes whose output nothing in the pipeline reads are off.

SpacyTokenizer takes each token's text and lemma (the count-vector featurizers count lemmas),
and the lemmatizer of `en_core_web_sm` works from the tagger's parts of speech, so tok2vec,
tagger, attribute_ruler and lemmatizer stay. Rasa's SpacyNLP turns off only the parser; the
named-entity recogniser (with its own tok2vec) ran on every message for entities no component
reads, about half of spaCy's time a message (README "Where a turn's time goes"). Turning it off
changes no token, lemma or tag (tests/components/test_spacy_nlp.py).
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP

# What SpacyTokenizer's lemmas need, in pipeline order; every other pipe is turned off.
LEMMA_PIPES = ("tok2vec", "tagger", "attribute_ruler", "lemmatizer")


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.MODEL_LOADER,
        DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER,
    ],
    is_trainable=False,
    model_from="LemmatizingSpacyNLP",
)
class LemmatizingSpacyNLP(SpacyNLP):
    """Rasa's SpacyNLP with only the pipes of LEMMA_PIPES running."""

    @staticmethod
    def load_model(spacy_model_name: str) -> SpacyModel:
        loaded = SpacyNLP.load_model(spacy_model_name)
        for name in loaded.model.pipe_names:
            if name not in LEMMA_PIPES:
                loaded.model.disable_pipe(name)
        return loaded
