"""Request and response models (pydantic v1, as pinned by Rasa 3.6)."""
