"""The Rasa-facing edge: custom actions, one module per capability."""
