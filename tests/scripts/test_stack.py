"""`make run`'s processes: no secret on a command line, the entry points that read them from the
environment refuse to start without them, and `var/` is its owner's only (mode 700).
The running stack's real process list is checked in tests/security/test_process_secrets.py."""

from __future__ import annotations

import os
import signal
import stat
import sys
from pathlib import Path

import pytest

import scripts.stack as stack_script
from channels.telegram import SECRET_TOKEN_PATTERN
from scripts import action_server, rasa_server
from scripts.envfile import GENERATED_SECRETS, ensure_secrets, read_env_file
from scripts.stack import ROOT, ProcessSpec, private_directory, specs

SECRETS = {
    "RASA_AUTH_TOKEN": "rasa-token-on-no-command-line",
    "ACTION_SERVER_TOKEN": "action-token-on-no-command-line",
    "BACKOFFICE_API_KEY": "api-key-on-no-command-line",
}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_no_process_gets_a_secret_on_its_command_line(tmp_path):
    processes = specs(SECRETS, tmp_path / "model.tar.gz")
    assert {spec.name for spec in processes} >= {"actions", "rasa"}
    for spec in processes:
        command_line = " ".join(spec.argv)
        assert not any(secret in command_line for secret in SECRETS.values()), spec.name
    by_name = {spec.name: spec.argv for spec in processes}
    assert by_name["rasa"][1:3] == ["-m", "scripts.rasa_server"]
    assert by_name["actions"][1:3] == ["-m", "scripts.action_server"]


def test_rasa_gets_its_token_in_memory_and_refuses_it_on_the_command_line(monkeypatch, capsys):
    assert rasa_server.rasa_argv(["--port", "5005"], "t0k") == [
        "rasa",
        "run",
        "--enable-api",
        "--port",
        "5005",
        "--auth-token",
        "t0k",
    ]
    monkeypatch.setenv("RASA_AUTH_TOKEN", "t0k")
    assert rasa_server.main(["--auth-token", "visible"]) == 2
    assert rasa_server.main(["--auth-token=visible"]) == 2
    monkeypatch.delenv("RASA_AUTH_TOKEN")
    assert rasa_server.main(["--port", "5005"]) == 2
    assert "RASA_AUTH_TOKEN" in capsys.readouterr().err


def test_the_action_server_refuses_to_start_without_its_token(monkeypatch, capsys):
    monkeypatch.setenv("ACTION_SERVER_TOKEN", "  ")
    assert action_server.main(["--actions", "actions"]) == 2
    assert "ACTION_SERVER_TOKEN" in capsys.readouterr().err


def test_make_run_writes_every_secret_into_env_once(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("RASA_AUTH_TOKEN=kept\n", encoding="utf-8")
    added = ensure_secrets(env_file)
    assert "ACTION_SERVER_TOKEN" in added and "TELEGRAM_SECRET_TOKEN" in added
    assert "RASA_AUTH_TOKEN" not in added
    values = read_env_file(env_file)
    assert values["RASA_AUTH_TOKEN"] == "kept"
    assert all(values[name] for name in GENERATED_SECRETS)
    assert SECRET_TOKEN_PATTERN.fullmatch(values["TELEGRAM_SECRET_TOKEN"])  # setWebhook's rule
    assert ensure_secrets(env_file) == [] and mode(env_file) == 0o600


def test_a_private_directory_is_made_or_made_private(tmp_path):
    made = private_directory(tmp_path / "new" / "var")
    assert mode(made) == 0o700
    existing = tmp_path / "existing"
    existing.mkdir(mode=0o755)
    existing.chmod(0o755)
    assert mode(private_directory(existing)) == 0o700


def test_make_run_makes_var_private_before_writing_into_it(tmp_path, monkeypatch):
    """run_foreground for real, with one short-lived process instead of the whole system."""
    var = tmp_path / "var"
    var.mkdir()
    var.chmod(0o755)  # as an older checkout left it
    monkeypatch.setattr(stack_script, "VAR", var)
    monkeypatch.setattr(stack_script, "environment", lambda: dict(SECRETS))
    quick = ProcessSpec("quick", [sys.executable, "-c", "pass"], "http://127.0.0.1:9/")
    monkeypatch.setattr(stack_script, "specs", lambda *args, **kwargs: [quick])
    previous = signal.getsignal(signal.SIGTERM)
    try:
        assert stack_script.run_foreground(tmp_path / "model.tar.gz") == 0
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert mode(var) == 0o700
    assert mode(var / "credentials.yml") == 0o600


@pytest.mark.parametrize(
    ("ports", "expected"),
    [
        ({}, (5005, 5055, 8000)),
        (
            {
                "CAREDESK_RASA_PORT": "15005",
                "CAREDESK_ACTIONS_PORT": "15055",
                "CAREDESK_BACKOFFICE_PORT": "18000",
            },
            (15005, 15055, 18000),
        ),
    ],
)
def test_make_run_starts_on_the_ports_the_environment_names(tmp_path, monkeypatch, ports, expected):
    """A second system beside a running one (bench/setup_time.py) takes other ports."""
    monkeypatch.setattr(stack_script, "VAR", tmp_path / "var")
    monkeypatch.setattr(stack_script, "environment", lambda: {**SECRETS, **ports})
    quick = ProcessSpec("quick", [sys.executable, "-c", "pass"], "http://127.0.0.1:9/")
    asked: list[tuple[int, ...]] = []

    def recording_specs(env, model, rasa_port, actions_port, backoffice_port, **kwargs):
        asked.append((rasa_port, actions_port, backoffice_port))
        return [quick]

    monkeypatch.setattr(stack_script, "specs", recording_specs)
    previous = signal.getsignal(signal.SIGTERM)
    try:
        assert stack_script.run_foreground(tmp_path / "model.tar.gz") == 0
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert asked == [expected]


@pytest.mark.parametrize("missing", ["RASA_AUTH_TOKEN", "ACTION_SERVER_TOKEN"])
def test_make_run_refuses_to_start_without_a_required_secret(monkeypatch, capsys, missing):
    monkeypatch.setattr(
        stack_script, "environment", lambda: {k: v for k, v in SECRETS.items() if k != missing}
    )
    assert stack_script.run_foreground(Path(os.devnull)) == 2
    assert missing in capsys.readouterr().err


def test_make_run_migrates_the_back_office_before_it_starts_with_demo_data(tmp_path):
    backoffice = {spec.name: spec for spec in specs(SECRETS, tmp_path / "model.tar.gz")}[
        "backoffice"
    ]
    assert [step[1:] for step in backoffice.prestart] == [["-m", "backoffice", "migrate"]]
    assert backoffice.env["CAREDESK_SEED_DEMO"] == "true"
    quiet = {**SECRETS, "CAREDESK_SEED_DEMO": "false"}
    assert {s.name: s for s in specs(quiet, tmp_path)}["backoffice"].env[
        "CAREDESK_SEED_DEMO"
    ] == "false"
    production = {**SECRETS, "CAREDESK_ENV": "production"}
    assert {s.name: s for s in specs(production, tmp_path)}["backoffice"].env[
        "CAREDESK_SEED_DEMO"
    ] == "false"


def test_make_run_s_back_office_reads_the_events_rasa_s_sql_broker_writes(tmp_path):
    """endpoints.yml's broker writes `db` relative to Rasa's working directory (the repository,
    where every process starts); the back office reads that file for the analytics."""
    import yaml

    broker = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))["event_broker"]
    assert (broker["type"], broker["dialect"]) == ("SQL", "sqlite")
    launched = {s.name: s for s in specs(SECRETS, tmp_path / "model.tar.gz")}
    assert launched["backoffice"].env["ANALYTICS_EVENTS_URL"] == f"sqlite:///{ROOT / broker['db']}"
    elsewhere = {**SECRETS, "ANALYTICS_EVENTS_URL": "amqp://guest:guest@127.0.0.1:5672/%2F"}
    assert {s.name: s for s in specs(elsewhere, tmp_path)}["backoffice"].env[
        "ANALYTICS_EVENTS_URL"
    ] == elsewhere["ANALYTICS_EVENTS_URL"]


def test_rasa_reads_the_broker_of_endpoints_yml_and_writes_the_file_the_back_office_reads(
    tmp_path, monkeypatch
):
    """Rasa's own loader and broker on endpoints.yml, from a working directory like the
    repository's: the events land in var/rasa_events.db there, as JSON with the sender."""
    import asyncio
    import json
    import sqlite3

    from rasa.core.brokers.broker import EventBroker
    from rasa.core.brokers.sql import SQLEventBroker
    from rasa.utils.endpoints import read_endpoint_config

    monkeypatch.setenv("ACTION_SERVER_TOKEN", "not-used-here")
    config = read_endpoint_config(str(ROOT / "endpoints.yml"), "event_broker")
    (tmp_path / "var").mkdir()
    monkeypatch.chdir(tmp_path)
    broker = asyncio.run(EventBroker.create(config))
    assert isinstance(broker, SQLEventBroker)
    broker.publish({"sender_id": "someone", "event": "user", "text": "hi", "timestamp": 1.0})
    rows = sqlite3.connect(tmp_path / "var" / "rasa_events.db").execute(
        "SELECT sender_id, data FROM events"
    )
    assert [(sender, json.loads(data)["text"]) for sender, data in rows] == [("someone", "hi")]


def _run_with(monkeypatch, tmp_path, spec: ProcessSpec) -> int:
    monkeypatch.setattr(stack_script, "VAR", tmp_path / "var")
    monkeypatch.setattr(stack_script, "environment", lambda: dict(SECRETS))
    monkeypatch.setattr(stack_script, "specs", lambda *args, **kwargs: [spec])
    previous = signal.getsignal(signal.SIGTERM)
    try:
        return stack_script.run_foreground(tmp_path / "model.tar.gz")
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_make_run_runs_the_prestart_steps_first_and_stops_when_one_fails(tmp_path, monkeypatch):
    marker = tmp_path / "migrated"
    order = tmp_path / "order"
    spec = ProcessSpec(
        "quick",
        [sys.executable, "-c", f"open({str(order)!r}, 'a').write('start ')"],
        "http://127.0.0.1:9/",
        prestart=[[sys.executable, "-c", f"open({str(order)!r}, 'a').write('migrate ')"]],
    )
    assert _run_with(monkeypatch, tmp_path, spec) == 0
    assert order.read_text().split() == ["migrate", "start"]
    failing = ProcessSpec(
        "quick",
        [sys.executable, "-c", f"open({str(marker)!r}, 'w')"],
        "http://127.0.0.1:9/",
        prestart=[[sys.executable, "-c", "raise SystemExit(3)"]],
    )
    assert _run_with(monkeypatch, tmp_path, failing) == 1
    assert not marker.exists()  # the process itself never started


def test_each_process_starts_on_its_own_venvs_python(tmp_path):
    """The back office on its 3.12 venv (pydantic 2), Rasa and the action server on 3.10."""
    by_name = {spec.name: spec for spec in specs(SECRETS, tmp_path / "model.tar.gz")}
    assert by_name["backoffice"].argv[0] == str(ROOT / ".venv-backoffice" / "bin" / "python")
    assert by_name["backoffice"].prestart[0][0] == by_name["backoffice"].argv[0]
    assert by_name["rasa"].argv[0] == str(ROOT / ".venv" / "bin" / "python")
    assert by_name["actions"].argv[0] == str(ROOT / ".venv" / "bin" / "python")
