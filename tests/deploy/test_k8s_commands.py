"""The containers' command lines in deploy/k8s/ as the processes themselves parse them: each
command is run by a real shell with the ConfigMap's variables, with `python` replaced by a
stand-in that prints its arguments, and those go to Rasa's and rasa_sdk's own argument
parsers. Runs in the Rasa venv (the manifests' schemas: test_k8s_manifests.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.__main__ import create_argument_parser as rasa_parser
from rasa_sdk.endpoint import create_argument_parser as action_server_parser

from scripts.rasa_server import rasa_argv
from scripts.stack import ROOT

K8S = ROOT / "deploy" / "k8s"
DOCKER = ROOT / "deploy" / "docker"


def objects(file: str) -> list[dict[str, Any]]:
    return [body for body in yaml.safe_load_all((K8S / file).read_text()) if body]


def pod(file: str, deployment: str) -> dict[str, Any]:
    found = next(
        o
        for o in objects(file)
        if o["kind"] == "Deployment" and o["metadata"]["name"] == deployment
    )
    spec: dict[str, Any] = found["spec"]["template"]["spec"]
    return spec


def container(spec: dict[str, Any], name: str) -> dict[str, Any]:
    every = spec.get("initContainers", []) + spec["containers"]
    found: dict[str, Any] = next(c for c in every if c["name"] == name)
    return found


def config() -> dict[str, str]:
    config_map = next(o for o in objects("config.yaml") if o["kind"] == "ConfigMap")
    data: dict[str, str] = config_map["data"]
    return data


def python_argv(command: list[str], tmp_path: Path) -> list[str]:
    """The arguments the container's command gives `python`, run as the container runs it
    (a shell where it has one) with the ConfigMap's variables."""
    shim = tmp_path / "bin" / "python"
    shim.parent.mkdir(exist_ok=True)
    shim.write_text(
        f'#!/bin/sh\nexec "{sys.executable}" -c '
        '"import json, sys; print(json.dumps(sys.argv[1:]))" "$@"\n'
    )
    shim.chmod(0o755)
    env = {**config(), "PATH": f"{shim.parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    argv: list[str] = json.loads(result.stdout)
    return argv


@pytest.fixture(scope="module")
def rasa_pod() -> dict[str, Any]:
    return pod("rasa.yaml", "rasa")


def test_rasa_starts_as_rasa_run_with_the_production_endpoints(rasa_pod, tmp_path):
    rasa = container(rasa_pod, "rasa")
    argv = python_argv([*rasa["command"], *rasa["args"]], tmp_path)
    assert argv[:2] == ["-m", "scripts.rasa_server"]
    args = rasa_parser().parse_args(rasa_argv(argv[2:], "token")[1:])
    assert args.endpoints == "endpoints.production.yml"
    assert (ROOT / args.endpoints).is_file()
    assert args.interface == "0.0.0.0"
    port = rasa["ports"][0]["containerPort"]
    assert int(args.port) == port
    # One origin per argument: the shell splits the ConfigMap's list at its commas.
    assert args.cors == config()["CAREDESK_ALLOWED_ORIGINS"].split(",")
    assert len(args.cors) > 1
    # The model is where the image puts it (the working directory is /app).
    dockerfile = (DOCKER / "rasa.Dockerfile").read_text()
    assert "WORKDIR /app" in dockerfile
    assert f"/app/{args.model} " in dockerfile


def test_rasa_reads_the_credentials_its_init_container_writes(rasa_pod, tmp_path):
    rasa, init = container(rasa_pod, "rasa"), container(rasa_pod, "credentials")
    args = rasa_parser().parse_args(
        rasa_argv(python_argv([*rasa["command"], *rasa["args"]], tmp_path)[2:], "token")[1:]
    )
    written = python_argv(init["command"], tmp_path)
    assert written[:2] == ["-m", "scripts.credentials"]
    assert written[2] == args.credentials
    folder = str(Path(args.credentials).parent)
    mounts = {
        c["name"]: {m["mountPath"]: m["name"] for m in c["volumeMounts"]} for c in (rasa, init)
    }
    assert mounts["rasa"][folder] == mounts["credentials"][folder]


def test_the_action_server_starts_as_rasa_sdk_on_its_port(tmp_path):
    actions = container(pod("actions.yaml", "actions"), "actions")
    argv = python_argv(actions["command"], tmp_path)
    assert argv[:2] == ["-m", "scripts.action_server"]
    args = action_server_parser().parse_args(argv[2:])
    assert args.actions == "actions"
    assert args.port == actions["ports"][0]["containerPort"]
    assert config()["ACTION_ENDPOINT_URL"].endswith(f":{args.port}/webhook")
