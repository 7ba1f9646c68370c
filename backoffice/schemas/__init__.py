"""Request and response models (pydantic 2, in the back office's own venv)."""
