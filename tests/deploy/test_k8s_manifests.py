"""The Kubernetes manifests (deploy/k8s/), offline: every object strictly against one
Kubernetes version's schemas (kubernetes-validate ships them), then what a schema cannot see:
Services, probes and policies that find their pods and ports, probes on each process's own
health route, resources and the restricted security profile on every container, no secret
written anywhere, and every variable each process needs (named by the code that reads it).
The checks return problems rather than assert, so the last tests break a copy of the
manifests and see each check catch it.

Runs in the back office's venv: kubernetes-validate needs jsonschema >= 4.23, Rasa 3.6 pins
4.17 (requirements/backoffice-dev.txt). The Rasa side's names are read from its source text.
"""

from __future__ import annotations

import ast
import copy
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import tomllib
import yaml

from backoffice.api.routes.health import router as health_router
from backoffice.core.config import ConfigError, Settings, load_settings
from caredesk_rules.accounts import PASSWORD_VARIABLES
from scripts.credentials import CHANNELS
from scripts.envfile import GENERATED_SECRETS
from scripts.stack import REQUIRED_SECRETS, ROOT, specs

# The version the manifests are written for (autoscaling/v2, policy/v1 and the restricted Pod
# Security profile are all older): a cluster of this minor version or newer takes them.
KUBERNETES_VERSION = "1.35.0"
K8S = ROOT / "deploy" / "k8s"
DOCKER = ROOT / "deploy" / "docker"
SECRET_NAME = "caredesk-secrets"
SECRETS_EXAMPLE = K8S / "secrets.env.example"
# Which process each container runs (its image is caredesk/<process>), by container name.
PROCESS_OF = {
    "rasa": "rasa",
    "credentials": "rasa",
    "actions": "actions",
    "backoffice": "backoffice",
    "migrate": "backoffice",
}
WORKLOADS = ("Deployment",)
SECRET_LOOKING = re.compile(r"(TOKEN|SECRET|PASSWORD|API_KEY|_KEY)$")
URL_WITH_PASSWORD = re.compile(r"://[^/@\s]+:[^/@\s]+@")
VARIABLE_REFERENCE = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


@dataclass
class Manifest:
    path: Path
    body: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.body.get("kind"))

    @property
    def name(self) -> str:
        return str(self.body.get("metadata", {}).get("name"))

    def __str__(self) -> str:
        return f"{self.path.name}: {self.kind}/{self.name}"


def load(directory: Path = K8S) -> list[Manifest]:
    """Every object of the YAML files kustomization.yaml lists."""
    manifests = []
    for name in kustomization(directory)["resources"]:
        path = directory / name
        for body in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if body:
                manifests.append(Manifest(path, body))
    return manifests


def kustomization(directory: Path = K8S) -> dict[str, Any]:
    loaded = yaml.safe_load((directory / "kustomization.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def of_kind(manifests: list[Manifest], kind: str) -> dict[str, Manifest]:
    return {m.name: m for m in manifests if m.kind == kind}


def pod_spec(workload: Manifest) -> dict[str, Any]:
    spec: dict[str, Any] = workload.body["spec"]["template"]["spec"]
    return spec


def containers(workload: Manifest, init: bool = True) -> Iterator[dict[str, Any]]:
    spec = pod_spec(workload)
    if init:
        yield from spec.get("initContainers", [])
    yield from spec.get("containers", [])


def all_containers(manifests: list[Manifest]) -> Iterator[tuple[Manifest, dict[str, Any]]]:
    for kind in WORKLOADS:
        for workload in of_kind(manifests, kind).values():
            for container in containers(workload):
                yield workload, container


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


def workloads_selected(manifests: list[Manifest], selector: dict[str, str]) -> list[Manifest]:
    return [
        workload
        for workload in of_kind(manifests, "Deployment").values()
        if selects(selector, workload.body["spec"]["template"]["metadata"].get("labels", {}))
    ]


def port_numbers(workload: Manifest) -> dict[str | int, int]:
    """Each container port by name and by number."""
    ports: dict[str | int, int] = {}
    for container in containers(workload, init=False):
        for port in container.get("ports", []):
            ports[port["containerPort"]] = port["containerPort"]
            if "name" in port:
                ports[port["name"]] = port["containerPort"]
    return ports


def config_maps(manifests: list[Manifest]) -> dict[str, dict[str, str]]:
    return {name: m.body.get("data", {}) for name, m in of_kind(manifests, "ConfigMap").items()}


def environment(container: dict[str, Any], manifests: list[Manifest]) -> dict[str, str | None]:
    """The container's variables: name -> literal value, None for one from the Secret."""
    maps = config_maps(manifests)
    env: dict[str, str | None] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(maps.get(source["configMapRef"]["name"], {}))
        if "secretRef" in source:
            env.update(dict.fromkeys(secret_names()))
    for variable in container.get("env", []):
        env[variable["name"]] = variable.get("value")
    return env


# What the code names: read from its one home. The Rasa side's modules import Rasa, which this
# venv does not have, so their constants are read from the source text.


def constant(module: str, name: str) -> Any:
    """A module-level constant of a file under the repository, without importing it."""
    tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == name for target in node.targets
        ):
            return ast.literal_eval(node.value)
    raise LookupError(f"{module} has no constant {name}")


def endpoint_variables() -> set[str]:
    """The `${VAR}`s of endpoints.production.yml: Rasa does not start with one unset."""
    text = (ROOT / "endpoints.production.yml").read_text(encoding="utf-8")
    return set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", text))


def channel_variables() -> set[str]:
    return {name for channel in CHANNELS for name in (*channel.required, *channel.optional)}


def example_names() -> dict[str, str]:
    """The operator's `NAME=value` lines of secrets.env.example (comments left out)."""
    names = {}
    for line in SECRETS_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            names[name.strip()] = value.strip()
    return names


def commented_names() -> set[str]:
    """The optional `# NAME=` lines of secrets.env.example."""
    text = SECRETS_EXAMPLE.read_text(encoding="utf-8")
    return set(re.findall(r"^#\s*([A-Z][A-Z0-9_]*)=\s*$", text, re.MULTILINE))


def secret_names() -> set[str]:
    """Every key the Secret may have: the operator's, scripts/envfile.py's random ones and
    the accounts' first passwords, and the messaging platforms' (scripts/credentials.py)."""
    return (
        set(example_names())
        | commented_names()
        | set(GENERATED_SECRETS)
        | set(PASSWORD_VARIABLES.values())
        | {name for name in channel_variables() if SECRET_LOOKING.search(name)}
    )


def process_specs() -> dict[str, Any]:
    """`make run`'s processes (scripts/stack.py): their command lines, variables and health."""
    return {spec.name: spec for spec in specs({}, ROOT / "models" / "caredesk.tar.gz")}


def required_settings() -> set[str]:
    """The back office's settings without a default (pydantic raises without them)."""
    return {
        str(field.validation_alias)
        for field in Settings.model_fields.values()
        if field.is_required() and field.validation_alias
    }


def required_variables() -> dict[str, set[str]]:
    """Per container name: the variables it cannot do without in production."""
    processes = process_specs()
    production = {constant("channels/deployment.py", "ENVIRONMENT_ENV")}
    rasa = (
        endpoint_variables()
        | set(REQUIRED_SECRETS)
        | set(processes["rasa"].env)
        | production
        | {
            constant("channels/rest.py", "TOKEN_ENV"),  # production refuses the REST channel
            constant("channels/socketio.py", "REDIS_URL_ENV"),  # replicas share sockets
            constant("channels/socketio.py", "SESSION_SECRET_ENV"),  # and sessions
            constant("channels/shop_identity.py", "SECRET_ENV"),
            "BACKOFFICE_API_KEY",  # delivery receipts, typing, photos (channels/delivery.py)
            "SANIC_REAL_IP_HEADER",  # the customer's address behind nginx (channels/limits.py)
        }
    )
    backoffice = (
        required_settings()
        | set(processes["backoffice"].env)
        | production
        | {"BACKOFFICE_DATABASE_URL", "CAREDESK_ATTACHMENTS_DIR", "ROUTING_CACHE_DIR"}
    )
    return {
        "rasa": rasa,
        "credentials": {name for channel in CHANNELS for name in channel.required}
        | {"TELEGRAM_SECRET_TOKEN"},
        "actions": {constant("scripts/action_server.py", "TOKEN_ENV"), "BACKOFFICE_API_KEY"}
        | set(processes["actions"].env),
        "backoffice": backoffice,
        "migrate": required_settings()
        | production
        | {"BACKOFFICE_DATABASE_URL", "CAREDESK_SEED_DEMO"}
        | set(PASSWORD_VARIABLES.values()),
    }


# The checks. Each returns what is wrong, one line per problem.


def schema_problems(manifests: list[Manifest]) -> list[str]:
    problems = []
    for manifest in manifests:
        try:
            kubernetes_validate.validate(manifest.body, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            where = ".".join(str(part) for part in error.path)
            problems.append(f"{manifest}: {where}: {error.message}")
        except kubernetes_validate.SchemaNotFoundError as error:
            problems.append(f"{manifest}: {error.message}")
    return problems


def layout_problems(manifests: list[Manifest], directory: Path = K8S) -> list[str]:
    problems = []
    listed = set(kustomization(directory)["resources"])
    present = {path.name for path in directory.glob("*.yaml")} - {"kustomization.yaml"}
    if listed != present:
        problems.append(
            f"kustomization.yaml lists {sorted(listed)}, the folder has {sorted(present)}"
        )
    namespace = kustomization(directory).get("namespace")
    namespaces = of_kind(manifests, "Namespace")
    if namespace not in namespaces:
        problems.append(f"the namespace {namespace!r} of kustomization.yaml is not created")
    seen: set[tuple[str, str]] = set()
    for manifest in manifests:
        if (manifest.kind, manifest.name) in seen:
            problems.append(f"{manifest}: defined twice")
        seen.add((manifest.kind, manifest.name))
        if manifest.body["metadata"].get("namespace") not in (None, namespace):
            problems.append(f"{manifest}: in another namespace than {namespace}")
        if manifest.kind == "Secret":
            problems.append(f"{manifest}: a Secret in the manifests (the operator makes it)")
    return problems


def service_problems(manifests: list[Manifest]) -> list[str]:
    problems = []
    for service in of_kind(manifests, "Service").values():
        selector = service.body["spec"].get("selector", {})
        selected = workloads_selected(manifests, selector)
        if not selected:
            problems.append(f"{service}: its selector {selector} matches no pod template")
        for workload in selected:
            ports = port_numbers(workload)
            for port in service.body["spec"]["ports"]:
                target = port.get("targetPort", port["port"])
                if target not in ports:
                    problems.append(
                        f"{service}: targetPort {target!r} is no container port of {workload}"
                    )
    return problems


def workload_problems(manifests: list[Manifest]) -> list[str]:
    problems = []
    autoscaled = {
        hpa.body["spec"]["scaleTargetRef"]["name"]: hpa
        for hpa in of_kind(manifests, "HorizontalPodAutoscaler").values()
    }
    for workload in of_kind(manifests, "Deployment").values():
        spec = workload.body["spec"]
        labels = spec["template"]["metadata"].get("labels", {})
        if not selects(spec["selector"].get("matchLabels", {}), labels):
            problems.append(f"{workload}: its selector does not match its own pod template")
        if workload.name in autoscaled:
            if "replicas" in spec:
                problems.append(f"{workload}: replicas set, but its autoscaler owns the count")
        elif spec.get("replicas", 1) < 2:
            problems.append(f"{workload}: fewer than 2 replicas and no autoscaler")
        ports = port_numbers(workload)
        volumes = {volume["name"]: volume for volume in pod_spec(workload).get("volumes", [])}
        for container in containers(workload):
            for mount in container.get("volumeMounts", []):
                if mount["name"] not in volumes:
                    problems.append(f"{workload}/{container['name']}: no volume {mount['name']}")
        for container in containers(workload, init=False):
            for kind in ("readinessProbe", "livenessProbe"):
                probe = container.get(kind)
                if probe is None:
                    problems.append(f"{workload}/{container['name']}: no {kind}")
                    continue
                action = probe.get("httpGet") or probe.get("tcpSocket") or {}
                if action.get("port") not in ports:
                    problems.append(
                        f"{workload}/{container['name']}: {kind} port {action.get('port')!r} "
                        "is not one of its container ports"
                    )
        for volume in volumes.values():
            if "configMap" in volume and volume["configMap"]["name"] not in config_maps(manifests):
                problems.append(f"{workload}: no ConfigMap {volume['configMap']['name']}")
            claim = volume.get("persistentVolumeClaim", {}).get("claimName")
            if claim and claim not in of_kind(manifests, "PersistentVolumeClaim"):
                problems.append(f"{workload}: no PersistentVolumeClaim {claim}")
    return problems


def health_problems(manifests: list[Manifest]) -> list[str]:
    """Probes ask each process's own health route, the one `make run` waits for."""
    problems = []
    processes = process_specs()
    backoffice_routes = {getattr(route, "path", None) for route in health_router.routes}
    nginx_conf = config_maps(manifests).get("nginx-config", {}).get("nginx.conf", "")
    for workload, container in all_containers(manifests):
        if container in pod_spec(workload).get("initContainers", []):
            continue
        process = PROCESS_OF.get(container["name"])
        for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
            path = container.get(kind, {}).get("httpGet", {}).get("path")
            if kind in container and path is None:
                problems.append(f"{workload}/{container['name']}: {kind} is not an HTTP GET")
                continue
            if path is None:
                continue
            if process is not None and path != urlsplit(processes[process].health_url).path:
                problems.append(
                    f"{workload}/{container['name']}: {kind} asks {path}, the process's health "
                    f"is {processes[process].health_url}"
                )
            if process == "backoffice" and path not in backoffice_routes:
                problems.append(f"{workload}: the back office has no route {path}")
            if container["name"] == "nginx" and not re.search(
                rf"location = {re.escape(path)} \{{[^}}]*return 200", nginx_conf
            ):
                problems.append(f"{workload}: nginx.conf does not answer 200 on {path}")
    return problems


def resource_problems(manifests: list[Manifest]) -> list[str]:
    problems = []
    for workload, container in all_containers(manifests):
        resources = container.get("resources", {})
        for bound in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                if resource not in resources.get(bound, {}):
                    problems.append(f"{workload}/{container['name']}: no {resource} {bound}")
    return problems


def security_problems(manifests: list[Manifest]) -> list[str]:
    """The restricted Pod Security profile, and a read-only root file system."""
    problems = []
    for workload in of_kind(manifests, "Deployment").values():
        spec = pod_spec(workload)
        pod = spec.get("securityContext", {})
        if pod.get("runAsNonRoot") is not True or not pod.get("runAsUser"):
            problems.append(f"{workload}: not runAsNonRoot with a non-zero runAsUser")
        if pod.get("seccompProfile", {}).get("type") != "RuntimeDefault":
            problems.append(f"{workload}: no RuntimeDefault seccomp profile")
        if spec.get("automountServiceAccountToken") is not False:
            problems.append(f"{workload}: mounts a service account token it does not use")
        # A Service named backoffice would put BACKOFFICE_PORT=tcp://... into the pods.
        if spec.get("enableServiceLinks") is not False:
            problems.append(f"{workload}: Service links would add variables to the environment")
        for container in containers(workload):
            context = container.get("securityContext", {})
            where = f"{workload}/{container['name']}"
            if context.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where}: may escalate privileges")
            if context.get("capabilities", {}).get("drop") != ["ALL"]:
                problems.append(f"{where}: keeps capabilities")
            if context.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{where}: writable root file system")
            if context.get("privileged") or context.get("runAsUser") == 0:
                problems.append(f"{where}: privileged or root")
    return problems


def secret_problems(manifests: list[Manifest]) -> list[str]:
    problems = []
    known = secret_names()
    optional = commented_names() | channel_variables()
    for name, value in example_names().items():
        if value:
            problems.append(f"secrets.env.example: {name} has a value")
    for name, data in config_maps(manifests).items():
        for key, value in data.items():
            if key in known or SECRET_LOOKING.search(key):
                problems.append(f"ConfigMap/{name}: {key} is a secret")
            if URL_WITH_PASSWORD.search(str(value)):
                problems.append(f"ConfigMap/{name}: {key} holds a password in a URL")
    for workload, container in all_containers(manifests):
        where = f"{workload}/{container['name']}"
        for source in container.get("envFrom", []):
            if source.get("secretRef", {}).get("name", SECRET_NAME) != SECRET_NAME:
                problems.append(f"{where}: envFrom another Secret than {SECRET_NAME}")
        for variable in container.get("env", []):
            name, value = variable["name"], variable.get("value")
            if value is not None:
                literal = VARIABLE_REFERENCE.sub("", value)
                if name in known or SECRET_LOOKING.search(name):
                    problems.append(f"{where}: {name} is written in the manifest")
                elif URL_WITH_PASSWORD.search(literal):
                    problems.append(f"{where}: {name} holds a password in a URL")
                continue
            reference = variable.get("valueFrom", {}).get("secretKeyRef")
            if reference is None:
                continue
            if reference["name"] != SECRET_NAME:
                problems.append(f"{where}: {name} from another Secret than {SECRET_NAME}")
            if reference["key"] not in known:
                problems.append(f"{where}: {reference['key']} is not in secrets.env.example")
            if reference["key"] in optional and reference["key"] not in GENERATED_SECRETS:
                if not reference.get("optional"):
                    problems.append(f"{where}: the optional {reference['key']} is required")
            elif reference.get("optional"):
                problems.append(f"{where}: {reference['key']} is marked optional")
    return problems


def environment_problems(manifests: list[Manifest]) -> list[str]:
    problems = []
    required = required_variables()
    for workload, container in all_containers(manifests):
        where = f"{workload}/{container['name']}"
        env = environment(container, manifests)
        missing = required.get(container["name"], set()) - set(env)
        if missing:
            problems.append(f"{where}: needs {', '.join(sorted(missing))}")
        # `$(VAR)` only expands a variable defined before it (envFrom, then earlier env).
        defined = set(environment({"envFrom": container.get("envFrom", [])}, manifests))
        for variable in container.get("env", []):
            for reference in VARIABLE_REFERENCE.findall(variable.get("value") or ""):
                if reference not in defined:
                    problems.append(f"{where}: {variable['name']} uses $({reference}) undefined")
            defined.add(variable["name"])
        environment_name = constant("channels/deployment.py", "ENVIRONMENT_ENV")
        needed = required.get(container["name"], set())
        if environment_name in needed and env.get(environment_name) != "production":
            problems.append(f"{where}: {environment_name} is not production")
    return problems


def address_problems(manifests: list[Manifest]) -> list[str]:
    """In-cluster URLs and nginx's upstreams name a Service of this namespace, on its port."""
    problems = []
    services = of_kind(manifests, "Service")
    namespace = kustomization().get("namespace")
    for name, data in config_maps(manifests).items():
        for key, value in data.items():
            if not str(value).startswith("http://"):
                continue
            address = urlsplit(str(value))
            host = address.hostname or ""
            if "." in host:
                continue  # outside the cluster
            service = services.get(host)
            ports = [port["port"] for port in service.body["spec"]["ports"]] if service else []
            if address.port not in ports:
                problems.append(
                    f"ConfigMap/{name}: {key} names no Service port {host}:{address.port}"
                )
    nginx_conf = config_maps(manifests).get("nginx-config", {}).get("nginx.conf", "")
    for host, port in re.findall(r"server ([a-z0-9.-]+):(\d+)", nginx_conf):
        service_name, _, rest = host.partition(".")
        service = services.get(service_name)
        ports = [p["port"] for p in service.body["spec"]["ports"]] if service else []
        if rest != f"{namespace}.svc.cluster.local" or int(port) not in ports:
            problems.append(f"nginx.conf: {host}:{port} is no Service port of {namespace}")
        # nginx's hash pins a client to a pod only if the name lists the pods themselves.
        headless = service is not None and service.body["spec"].get("clusterIP") == "None"
        if "hash" in upstream_of(nginx_conf, host) and not headless:
            problems.append(f"nginx.conf: {host} is hashed but its Service is not headless")
    return problems


def upstream_of(nginx_conf: str, host: str) -> str:
    """The text of the upstream block(s) naming `host`."""
    blocks = re.findall(r"upstream \w+ \{[^}]*\}", nginx_conf)
    return "\n".join(block for block in blocks if host in block)


def scaling_problems(manifests: list[Manifest]) -> list[str]:
    problems = []
    deployments = of_kind(manifests, "Deployment")
    autoscaled = set()
    for hpa in of_kind(manifests, "HorizontalPodAutoscaler").values():
        target = hpa.body["spec"]["scaleTargetRef"]
        autoscaled.add(target["name"])
        workload = deployments.get(target["name"])
        if target["kind"] != "Deployment" or workload is None:
            problems.append(f"{hpa}: scales no Deployment of these manifests")
            continue
        if hpa.body["spec"].get("minReplicas", 1) < 2:
            problems.append(f"{hpa}: fewer than 2 replicas")
        for container in containers(workload, init=False):
            if "cpu" not in container.get("resources", {}).get("requests", {}):
                problems.append(f"{hpa}: {container['name']} has no CPU request to scale on")
    for needed in ("rasa", "actions"):
        if needed not in autoscaled:
            problems.append(f"Deployment/{needed}: no HorizontalPodAutoscaler")
    budgeted: set[str] = set()
    for budget in of_kind(manifests, "PodDisruptionBudget").values():
        selected = workloads_selected(manifests, budget.body["spec"]["selector"]["matchLabels"])
        if not selected:
            problems.append(f"{budget}: selects no pods")
        budgeted.update(workload.name for workload in selected)
    for name in deployments.keys() - budgeted:
        problems.append(f"Deployment/{name}: no PodDisruptionBudget")
    return problems


def network_problems(manifests: list[Manifest]) -> list[str]:
    problems = []
    for policy in of_kind(manifests, "NetworkPolicy").values():
        spec = policy.body["spec"]
        selector = spec["podSelector"].get("matchLabels", {})
        targets = workloads_selected(manifests, selector) if selector else []
        if selector and not targets:
            problems.append(f"{policy}: selects no pods")
        for rule in spec.get("ingress", []):
            for peer in rule.get("from", []):
                labels = peer.get("podSelector", {}).get("matchLabels")
                if labels is not None and not workloads_selected(manifests, labels):
                    problems.append(f"{policy}: lets in from {labels}, which selects no pods")
            for port in rule.get("ports", []):
                for workload in targets:
                    if port["port"] not in port_numbers(workload):
                        problems.append(f"{policy}: port {port['port']!r} is not {workload}'s")
    return problems


def image_problems(manifests: list[Manifest]) -> list[str]:
    """Each container runs the image of its process, built by deploy/docker/<process>.Dockerfile
    from that process's pins, as the user and on the port the manifests expect."""
    problems = []
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "version"
    ]
    pythons = constant("scripts/install_check.py", "PYTHONS")
    for workload, container in all_containers(manifests):
        process = PROCESS_OF.get(container["name"])
        if process is None:
            continue
        where = f"{workload}/{container['name']}"
        if container["image"] != f"caredesk/{process}:{version}":
            problems.append(
                f"{where}: image {container['image']}, not caredesk/{process}:{version}"
            )
        dockerfile = DOCKER / f"{process}.Dockerfile"
        if not dockerfile.exists():
            problems.append(f"{where}: no {dockerfile.relative_to(ROOT)}")
            continue
        text = dockerfile.read_text(encoding="utf-8")
        if f"requirements/{process}.txt" not in text:
            problems.append(f"{dockerfile.name}: does not install requirements/{process}.txt")
        if not re.search(rf"^FROM python:{re.escape(pythons[process][1])}-", text, re.MULTILINE):
            problems.append(f"{dockerfile.name}: not on Python {pythons[process][1]}")
        user = pod_spec(workload)["securityContext"].get("runAsUser")
        if not re.search(rf"^USER {user}(:|$)", text, re.MULTILINE):
            problems.append(f"{dockerfile.name}: USER is not the pods' runAsUser {user}")
        for port in container.get("ports", []):
            if not re.search(rf"^EXPOSE {port['containerPort']}$", text, re.MULTILINE):
                problems.append(f"{dockerfile.name}: does not EXPOSE {port['containerPort']}")
    return problems


def command_problems(manifests: list[Manifest]) -> list[str]:
    """The containers start the processes as `make run` does (scripts/stack.py), with the
    production endpoints."""
    problems = []
    processes = process_specs()
    deployments = of_kind(manifests, "Deployment")
    for name in ("rasa", "actions", "backoffice"):
        workload = deployments.get(name)
        if workload is None:
            problems.append(f"Deployment/{name}: missing")
            continue
        container = next(c for c in containers(workload, init=False) if c["name"] == name)
        command = " ".join([*container.get("command", []), *container.get("args", [])])
        expected = processes[name].argv[1:]  # after the venv's python
        module = " ".join(expected[:2])  # -m <module>
        if f"python {module}" not in command:
            problems.append(f"{workload}: does not run python {module}")
        for flag in (part for part in expected if part.startswith("--")):
            if flag not in command.split():
                problems.append(f"{workload}: runs without {flag}")
        if name == "rasa" and "--endpoints endpoints.production.yml" not in command:
            problems.append(f"{workload}: not with endpoints.production.yml")
    return problems


CHECKS: tuple[Callable[[list[Manifest]], list[str]], ...] = (
    layout_problems,
    service_problems,
    workload_problems,
    health_problems,
    resource_problems,
    security_problems,
    secret_problems,
    environment_problems,
    address_problems,
    scaling_problems,
    network_problems,
    image_problems,
    command_problems,
)


def problems(manifests: list[Manifest]) -> list[str]:
    return [problem for check in CHECKS for problem in check(manifests)]


@pytest.fixture(scope="module")
def manifests() -> list[Manifest]:
    return load()


def test_every_object_is_valid_for_the_stated_kubernetes_version(manifests):
    kinds = {manifest.kind for manifest in manifests}
    assert {"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"} <= kinds
    assert schema_problems(manifests) == []


def test_the_manifests_hang_together(manifests):
    assert problems(manifests) == []


def test_the_back_office_accepts_the_configuration(manifests, monkeypatch):
    """The back office's own settings read the ConfigMap (and stand-ins for the secrets)."""
    backoffice = of_kind(manifests, "Deployment")["backoffice"]
    container = next(containers(backoffice, init=False))
    for name in list(Settings.model_fields) + list(PASSWORD_VARIABLES.values()):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment(container, manifests).items():
        if value is None:  # from the Secret
            value = "postgresql://u:p@db:5432/b" if name.endswith("_URL") else "s3cret-" + name
        monkeypatch.setenv(name, VARIABLE_REFERENCE.sub("x", value))
    try:
        settings = load_settings(env_file=None)
    except ConfigError as error:
        pytest.fail(str(error))
    assert settings.environment == "production"
    assert settings.host == "0.0.0.0"  # the pod's own interfaces
    assert not settings.seed_demo
    assert settings.analytics_events_url.get_secret_value().startswith("amqp://")


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_nginx_accepts_its_configuration(manifests, tmp_path):
    """`nginx -t` on the ConfigMap's nginx.conf. The machine's nginx (Debian's) may predate
    `server ... resolve` (1.27.3), and cannot resolve the cluster's names: both are swapped
    for what it knows, the rest is checked as written."""
    conf = config_maps(manifests)["nginx-config"]["nginx.conf"]
    version = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr
    found = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", version)
    assert found, version
    if tuple(int(part) for part in found.groups()) < (1, 27, 3):
        conf = re.sub(r"(server \S+) resolve;", r"\1;", conf)
    conf = re.sub(r"[a-z0-9-]+(\.[a-z0-9-]+)*\.svc\.cluster\.local", "127.0.0.1", conf)
    conf = conf.replace("/tmp/", f"{tmp_path}/")
    path = tmp_path / "nginx.conf"
    path.write_text(conf, encoding="utf-8")
    result = subprocess.run(
        ["nginx", "-t", "-q", "-p", str(tmp_path), "-e", "stderr", "-c", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kustomize_renders_the_same_objects_in_the_namespace(manifests):
    """`kubectl kustomize` (built into kubectl, offline) gives back exactly these objects,
    each in the namespace of kustomization.yaml."""
    result = subprocess.run(
        ["kubectl", "kustomize", str(K8S)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    rendered = {
        (body["kind"], body["metadata"]["name"]): body
        for body in yaml.safe_load_all(result.stdout)
        if body
    }
    namespace = kustomization()["namespace"]
    expected = {}
    for manifest in manifests:
        body = copy.deepcopy(manifest.body)
        if manifest.kind != "Namespace":
            body["metadata"]["namespace"] = namespace
        expected[(manifest.kind, manifest.name)] = body
    assert rendered == expected


# Each check catches what it is for: a copy of the manifests broken one way at a time.


def _find(manifests: list[Manifest], kind: str, name: str) -> dict[str, Any]:
    return of_kind(manifests, kind)[name].body


def _container(manifests: list[Manifest], deployment: str, name: str) -> dict[str, Any]:
    spec = _find(manifests, "Deployment", deployment)["spec"]["template"]["spec"]
    found: dict[str, Any] = next(
        c for c in spec.get("initContainers", []) + spec["containers"] if c["name"] == name
    )
    return found


def _break_selector(m: list[Manifest]) -> None:
    _find(m, "Service", "actions")["spec"]["selector"]["app.kubernetes.io/name"] = "action"


def _break_target_port(m: list[Manifest]) -> None:
    _find(m, "Service", "backoffice")["spec"]["ports"][0]["targetPort"] = 8080


def _drop_readiness(m: list[Manifest]) -> None:
    del _container(m, "actions", "actions")["readinessProbe"]


def _wrong_probe_port(m: list[Manifest]) -> None:
    _container(m, "rasa", "rasa")["livenessProbe"]["httpGet"]["port"] = "web"


def _wrong_health_path(m: list[Manifest]) -> None:
    _container(m, "backoffice", "backoffice")["readinessProbe"]["httpGet"]["path"] = "/healthz"


def _drop_limits(m: list[Manifest]) -> None:
    del _container(m, "backoffice", "migrate")["resources"]["limits"]


def _literal_secret(m: list[Manifest]) -> None:
    env = _container(m, "actions", "actions")["env"]
    env[0] = {"name": "ACTION_SERVER_TOKEN", "value": "hunter2hunter2"}


def _secret_in_config(m: list[Manifest]) -> None:
    _find(m, "ConfigMap", "caredesk-config")["data"]["RABBITMQ_PASSWORD"] = "guest"


def _drop_required_variable(m: list[Manifest]) -> None:
    del _find(m, "ConfigMap", "caredesk-config")["data"]["TRACKER_DB_HOST"]


def _writable_root(m: list[Manifest]) -> None:
    _container(m, "nginx", "nginx")["securityContext"]["readOnlyRootFilesystem"] = False


def _replicas_beside_autoscaler(m: list[Manifest]) -> None:
    _find(m, "Deployment", "rasa")["spec"]["replicas"] = 2


def _unknown_service_in_url(m: list[Manifest]) -> None:
    _find(m, "ConfigMap", "caredesk-config")["data"]["ACTION_ENDPOINT_URL"] = (
        "http://actions:5005/webhook"
    )


def _policy_for_no_pods(m: list[Manifest]) -> None:
    _find(m, "NetworkPolicy", "actions")["spec"]["ingress"][0]["from"][0]["podSelector"][
        "matchLabels"
    ]["app.kubernetes.io/name"] = "rasa-server"


def _other_image(m: list[Manifest]) -> None:
    _container(m, "actions", "actions")["image"] = "caredesk/rasa:0.1.0"


def _development_settings(m: list[Manifest]) -> None:
    _find(m, "ConfigMap", "caredesk-config")["data"]["CAREDESK_ENV"] = "development"


@pytest.mark.parametrize(
    "breakage",
    [
        _break_selector,
        _break_target_port,
        _drop_readiness,
        _wrong_probe_port,
        _wrong_health_path,
        _drop_limits,
        _literal_secret,
        _secret_in_config,
        _drop_required_variable,
        _writable_root,
        _replicas_beside_autoscaler,
        _unknown_service_in_url,
        _policy_for_no_pods,
        _other_image,
        _development_settings,
    ],
)
def test_a_broken_copy_is_caught(manifests, breakage):
    broken = copy.deepcopy(manifests)
    breakage(broken)
    assert problems(broken), breakage.__name__


def test_the_schemas_catch_what_they_are_for(manifests):
    broken = copy.deepcopy(manifests)
    _find(broken, "Deployment", "rasa")["spec"]["template"]["spec"]["containers"][0][
        "readinessProbe"
    ]["httpGet"]["pathh"] = "/"  # strict: no such field
    _find(broken, "HorizontalPodAutoscaler", "actions")["spec"]["minReplicas"] = "two"
    found = schema_problems(broken)
    assert len(found) == 2, found
