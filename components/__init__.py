"""Custom Rasa graph components: language detection, text normalisation, entities, policies."""
