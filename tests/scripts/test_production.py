"""The production topology's settings and nginx configuration (scripts/production.py) without
starting it: nginx itself checks the rendered file (`nginx -t`), and the process list is
`make run`'s command lines, one per replica, behind nginx."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from scripts.production import Topology, nginx_binary, nginx_config, process_specs


def topology(tmp_path: Path, **env: str) -> Topology:
    return Topology.from_env({"RUN_DIR": str(tmp_path), "CAREDESK_REST_TOKEN": "x", **env})


def test_settings_come_from_the_environment_with_this_machines_defaults(tmp_path: Path) -> None:
    t = topology(tmp_path, RASA_REPLICAS="3", RASA_PORT="7000", RABBITMQ_PASSWORD="p@ss/word")
    assert t.rasa_ports == (7000, 7001, 7002)
    assert t.actions_ports == (5155, 5156)
    assert t.env["CAREDESK_ENV"] == "production"
    # The back office reads the queue Rasa publishes to, the password URL-quoted.
    assert t.env["ANALYTICS_EVENTS_URL"] == "amqp://guest:p%40ss%2Fword@127.0.0.1:5672/%2F"
    assert t.env["ANALYTICS_EVENTS_QUEUE"] == t.env["RABBITMQ_QUEUE"] == "caredesk_events"
    assert t.env["SOCKETIO_REDIS_URL"] == "redis://127.0.0.1:6379/0"
    assert t.env["RASA_PUBLIC_URL"] == "http://127.0.0.1:8080"
    with pytest.raises(ValueError, match="at least 1"):
        topology(tmp_path, ACTION_SERVERS="0")


def test_every_replica_gets_make_runs_command_line_behind_nginx(tmp_path: Path) -> None:
    pytest.importorskip("psycopg2")
    t = topology(tmp_path)
    try:
        specs = {spec.name: spec for spec in process_specs(t, tmp_path / "credentials.yml")}
    except FileNotFoundError as error:  # no nginx
        pytest.skip(str(error))
    assert list(specs) == ["backoffice", "actions-1", "actions-2", "rasa-1", "rasa-2", "nginx"]
    for number, port in enumerate(t.rasa_ports, start=1):
        rasa = specs[f"rasa-{number}"]
        assert rasa.argv[rasa.argv.index("--port") + 1] == str(port)
        assert rasa.argv[rasa.argv.index("--endpoints") + 1].endswith("endpoints.production.yml")
        assert rasa.env["ACTION_ENDPOINT_URL"] == "http://127.0.0.1:8055/webhook"
    # The helpdesk's external events go through nginx, the migrations run before it starts.
    assert specs["backoffice"].env["RASA_URL"] == "http://127.0.0.1:8080"
    assert specs["backoffice"].prestart[0][-1] == "migrate"


def test_nginx_accepts_the_rendered_configuration(tmp_path: Path) -> None:
    try:
        nginx = nginx_binary()
    except FileNotFoundError as error:
        pytest.skip(str(error))
    t = topology(tmp_path, PUBLIC_PORT="18080", ACTIONS_PROXY_PORT="18055")
    for folder in ("nginx", "logs"):
        (tmp_path / folder).mkdir()
    config = nginx_config(t)
    assert "hash $socketio_key consistent;" in config
    assert config.count("server 127.0.0.1:5105 max_fails=1") == 2  # REST and socket.io
    (tmp_path / "nginx.conf").write_text(config)
    checked = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", "nginx.conf"], capture_output=True, check=False
    )
    assert checked.returncode == 0, checked.stderr.decode()
