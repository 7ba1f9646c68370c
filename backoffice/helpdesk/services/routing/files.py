"""Reading the routing's YAML files: its own module so that reading the departments file (the
helpdesk's business hours, the prestart step) does not import scikit-learn with the model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path, error: type[ValueError]) -> Any:
    """A routing file's content; a missing or malformed file raises `error`, naming the file."""
    try:
        # libyaml's loader: the request sets are thousands of entries, pure Python takes seconds.
        return yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)  # noqa: S506
    except OSError as exc:
        raise error(f"cannot read {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise error(f"{path} is not valid YAML: {exc}") from None
