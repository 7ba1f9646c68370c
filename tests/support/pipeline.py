"""config.yml's NLU pipeline as the component tests read it: one reader for every test that
builds a component with the settings the model is trained with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

CONFIG_YML = Path(__file__).resolve().parents[2] / "config.yml"


def pipeline() -> list[dict[str, Any]]:
    return list(yaml.safe_load(CONFIG_YML.read_text(encoding="utf-8"))["pipeline"])


def step_settings(name: str) -> dict[str, Any]:
    """The settings config.yml gives the pipeline's one step called `name` (its name left out)."""
    [step] = [step for step in pipeline() if step["name"] == name]
    return {key: value for key, value in step.items() if key != "name"}
