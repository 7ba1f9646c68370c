"""The shop's time zone for the chat widget: the helpdesk's departments file sets it (`timezone`,
read by caredesk_rules.business_hours, as the back office reads it for business hours and the
console), and `session_confirm` tells the widget, which shows every time on that clock whatever
the customer's browser is set to. The back office and the action server read the same file at
the same path (`HELPDESK_DEPARTMENTS_FILE`, else backoffice/config/departments.yml).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import yaml

from caredesk_rules.business_hours import time_zone_name

DEPARTMENTS_ENV = "HELPDESK_DEPARTMENTS_FILE"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DEPARTMENTS = REPO_ROOT / "backoffice" / "config" / "departments.yml"


def departments_file() -> Path:
    return REPO_ROOT / (os.environ.get(DEPARTMENTS_ENV, "").strip() or DEFAULT_DEPARTMENTS)


@lru_cache(maxsize=1)
def shop_time_zone() -> str:
    """ "Asia/Ho_Chi_Minh": read once per process; a missing or broken file fails loudly, as it
    does in the back office."""
    with departments_file().open(encoding="utf-8") as handle:
        config = yaml.safe_load(handle) or {}
    return time_zone_name(config if isinstance(config, dict) else {})
