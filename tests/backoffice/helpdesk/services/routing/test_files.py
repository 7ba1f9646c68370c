import subprocess
import sys
from pathlib import Path

import pytest

from backoffice.helpdesk.services.routing.files import read_yaml

ROOT = Path(__file__).resolve().parents[5]


class BadFile(ValueError):
    pass


def test_a_file_is_read_and_a_missing_or_broken_one_is_named(tmp_path: Path) -> None:
    good = tmp_path / "departments.yml"
    good.write_text("billing:\n  phrases: [charged twice]\n", encoding="utf-8")
    assert read_yaml(good, BadFile) == {"billing": {"phrases": ["charged twice"]}}
    with pytest.raises(BadFile, match=r"cannot read .*missing\.yml"):
        read_yaml(tmp_path / "missing.yml", BadFile)
    broken = tmp_path / "broken.yml"
    broken.write_text("billing: [unclosed\n", encoding="utf-8")
    with pytest.raises(BadFile, match=r"broken\.yml is not valid YAML"):
        read_yaml(broken, BadFile)


def test_the_prestart_step_does_not_load_the_routing_model() -> None:
    """Every back-office start runs the prestart step in a process of its own first: importing
    scikit-learn there cost a second and a quarter for nothing."""
    script = "import sys, backoffice.prestart; print('sklearn' in sys.modules)"
    shown = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert shown.stdout.strip() == "False"
