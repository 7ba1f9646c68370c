"""Bad input at every back-office route (issue 10): never a 5xx, and nothing half-written.

The routes come from the app itself (`create_app().routes` and its OpenAPI schema), so a new
route is covered without touching this file. Each route gets a corpus of bad bodies, bad path
parameters and wrong content types, with the right credentials (service key or agent token) and
without them, against a real started back office on SQLite and on PostgreSQL. A rejected request
(4xx) must leave every table's row count as it was, except the tables whose job is to record
rejected attempts (failed verifications, failed sign-ins).
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
from fastapi.routing import APIRoute
from sqlalchemy import text

from backoffice.core.config import Settings
from backoffice.main import create_app
from backoffice.models import Base
from devstack.backoffice import temporary_postgres_database, write_departments_file
from devstack.stack import SHOP_SECRET
from tests.support.bad_input import BAD_PATH_VALUES, BAD_VALUES, RAW_BODIES
from tests.support.helpdesk import (
    API_KEY,
    AgentClient,
    Helpdesk,
    RasaRecorder,
    login_agent,
    rasa_recorder,
    running_helpdesk,
)
from tests.support.services import require_service

# Tables whose rows are the record of a rejected request: writing them on a 4xx is their job.
REJECTION_RECORDS = {"verification_failures", "login_counters"}
AGENT_PREFIX = "/api/v1/agent"
SERVICE_PREFIX = "/api/v1"
AGENT = "billing"  # a seeded agent account
LOGOUT = AGENT_PREFIX + "/logout"  # revokes the token it is called with: sent last

BAD_QUERIES = {"q": "\x00' OR 1=1 --", "limit": "-1", "offset": "1e999", "status": "x" * 5000}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # the template, e.g. /api/v1/orders/{order_id}
    body: dict[str, Any] | None  # the request body's JSON schema, when it takes one
    components: dict[str, Any]

    @property
    def agent(self) -> bool:
        return self.path.startswith(AGENT_PREFIX + "/")

    @property
    def needs_key(self) -> bool:
        return self.path.startswith(SERVICE_PREFIX + "/") and not self.agent


def api_routes(routes: Iterable[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """Each APIRoute with its full path. FastAPI (0.15x) keeps an included router as one entry
    of `app.routes` that holds the router and its prefix, so the walk descends into them."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path_format, route
        context = getattr(route, "include_context", None)
        if context is not None:
            yield from api_routes(context.included_router.routes, prefix + context.prefix)


def app_endpoints(tmp: Path) -> list[Endpoint]:
    """Every HTTP route the app serves (hidden ones included), with its body schema if any."""
    app = create_app(
        Settings(api_key="enumerate-routes-only", database_url=f"sqlite:///{tmp / 'routes.db'}")
    )
    schema = app.openapi()
    routes = list(api_routes(app.routes))
    # The walk reads FastAPI's include context, which is not public API: should a new FastAPI
    # keep included routers elsewhere, every documented path must still be found, or this fails.
    missing = set(schema["paths"]) - {path for path, _ in routes}
    assert not missing, f"the route walk missed documented paths: {sorted(missing)}"
    endpoints = []
    for path, route in routes:
        for method in sorted(route.methods - {"HEAD"}):
            operation = schema["paths"].get(path, {}).get(method.lower(), {})
            content = operation.get("requestBody", {}).get("content", {})
            body = content.get("application/json", {}).get("schema")
            endpoints.append(Endpoint(method, path, body, schema.get("components", {})))
    # logout revokes the token it is sent with: keep it for last
    return sorted(endpoints, key=lambda e: e.path == LOGOUT)


def resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref:
        return resolve(components["schemas"][ref.rsplit("/", 1)[-1]], components)
    for key in ("allOf", "anyOf"):
        if schema.get(key):
            return resolve(schema[key][0], components)
    return schema


def plausible(schema: dict[str, Any], components: dict[str, Any], depth: int = 0) -> Any:
    """A value of the right JSON type, so mutations of one field get past the others."""
    schema = resolve(schema, components)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" and depth < 4:
        return {
            name: plausible(prop, components, depth + 1)
            for name, prop in schema.get("properties", {}).items()
        }
    if kind == "array":
        return []
    if kind in ("integer", "number"):
        return 1
    if kind == "boolean":
        return False
    return "ORD-10001"


def json_bodies(endpoint: Endpoint) -> Iterator[Any]:
    """The whole-body corpus, then per field: missing, each bad value, plus an extra field."""
    yield from BAD_VALUES
    if endpoint.body is None:
        return
    schema = resolve(endpoint.body, endpoint.components)
    base = plausible(schema, endpoint.components)
    if not isinstance(base, dict):
        return
    yield base
    yield {**base, "unexpected_extra_field": "x", "__proto__": {"admin": True}}
    for name in schema.get("properties", {}):
        yield {k: v for k, v in base.items() if k != name}
        for value in BAD_VALUES:
            yield {**base, name: value}


def encode(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=True).encode()


# -- the running back office and its database ------------------------------------------------


@dataclass
class Target:
    helpdesk: Helpdesk
    agent: AgentClient
    endpoints: list[Endpoint]
    tried: Counter[str]
    server_errors: list[str]
    reported: int = 0
    rows: dict[str, int] | None = None  # row counts after the last request

    def assert_no_server_errors(self) -> None:
        """Every 5xx so far, reported once (the fixture's figures keep the total)."""
        errors, self.reported = self.server_errors[self.reported :], len(self.server_errors)
        assert not errors, "\n".join(errors)

    def counts(self) -> dict[str, int]:
        tables = [t.name for t in Base.metadata.sorted_tables]
        query = " UNION ALL ".join(
            f"SELECT '{name}', COUNT(*) FROM {name}"  # noqa: S608 - names from our metadata
            for name in tables
        )
        with self.helpdesk.engine.connect() as connection:
            return {row[0]: int(row[1]) for row in connection.execute(text(query))}

    def send(
        self,
        endpoint: Endpoint,
        *,
        credentials: bool,
        path: str | None = None,
        data: bytes | None = None,
        content_type: str | None = None,
        params: dict[str, str] | None = None,
    ) -> requests.Response:
        headers = {"X-Conversation-Client": "rest:bad-input"}
        if credentials and endpoint.agent:
            headers["Authorization"] = f"Bearer {self.agent.token}"
        elif credentials:
            headers["X-API-Key"] = API_KEY
            headers["X-Customer-Contact"] = "an.nguyen@example.com"
        if content_type is not None:
            headers["Content-Type"] = content_type
        url = self.helpdesk.base_url + (path or concrete(endpoint.path))
        before = self.rows if self.rows is not None else self.counts()
        response = requests.request(
            endpoint.method, url, data=data, headers=headers, params=params, timeout=30
        )
        self.tried[boundary(endpoint)] += 1
        label = f"{endpoint.method} {url[:120]} {(data or b'')[:80]!r}"
        if response.status_code >= 500:
            self.server_errors.append(f"{label} -> {response.status_code} {response.text[:200]}")
        after = self.rows = self.counts()  # also the next request's "before"
        if 400 <= response.status_code < 500:
            written = {
                table: (before[table], after[table])
                for table in before
                if before[table] != after[table] and table not in REJECTION_RECORDS
            }
            assert not written, f"{label} -> {response.status_code} but wrote {written}"
            if endpoint.path.startswith(SERVICE_PREFIX) and response.status_code != 405:
                assert "error" in response.json(), f"{label}: {response.text[:200]}"
        if endpoint.path == LOGOUT and credentials and response.status_code < 300:
            self.agent = login_agent(self.helpdesk.base_url, AGENT)  # logout revoked it
            self.rows = None
        return response


def boundary(endpoint: Endpoint) -> str:
    if endpoint.agent:
        return "agent console API"
    if endpoint.needs_key:
        return "service API"
    return "public pages"


def concrete(template: str, value: str = "ORD-10001") -> str:
    """The path with every parameter set to `value` (already URL-quoted by the caller)."""
    return re.sub(r"\{[^}]+\}", value, template)


@pytest.fixture(scope="module")
def rasa() -> Iterator[RasaRecorder]:
    with rasa_recorder() as recorder:
        yield recorder


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def target(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, rasa: RasaRecorder
) -> Iterator[Target]:
    tmp = tmp_path_factory.mktemp(f"bad-input-{request.param}")
    departments = write_departments_file(tmp / "departments.yml")
    endpoints = app_endpoints(tmp)
    with (
        database_url(request.param, tmp) as url,
        running_helpdesk(url, request.param, rasa, departments, start=False) as helpdesk,
    ):
        helpdesk.env["CAREDESK_SHOP_SECRET"] = SHOP_SECRET
        helpdesk.start()
        target = Target(helpdesk, login_agent(helpdesk.base_url, AGENT), endpoints, Counter(), [])
        yield target
        tried = ", ".join(f"{name}: {count}" for name, count in sorted(target.tried.items()))
        print(
            f"\nback office bad input ({request.param}): {sum(target.tried.values())} "
            f"requests ({tried}) over {len(endpoints)} routes, "
            f"{len(target.server_errors)} answered 5xx"
        )


@contextmanager
def database_url(backend: str, tmp: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp / 'helpdesk.db'}"
        return
    require_service("postgres")
    with temporary_postgres_database("caredesk_badinput") as url:
        yield url


# -- the tests --------------------------------------------------------------------------------


def test_every_route_is_enumerated_from_the_app(target: Target) -> None:
    paths = {e.path for e in target.endpoints}
    # a sample of each router, to prove the enumeration reaches them all
    for expected in ("/api/v1/orders/verify", "/api/v1/handoffs", LOGOUT, "/shop", "/health"):
        assert expected in paths, sorted(paths)
    assert len(target.endpoints) >= 40


def test_bad_bodies_are_refused_without_5xx_or_writes(target: Target) -> None:
    for endpoint in target.endpoints:
        if endpoint.method == "GET":
            continue
        for credentials in (True, False):
            for raw, content_type in RAW_BODIES:
                target.send(endpoint, credentials=credentials, data=raw, content_type=content_type)
            bodies = json_bodies(endpoint) if credentials else iter(BAD_VALUES)
            for body in bodies:
                target.send(
                    endpoint,
                    credentials=credentials,
                    data=encode(body),
                    content_type="application/json",
                )
    target.assert_no_server_errors()


def test_bad_path_parameters_and_queries_are_refused_without_5xx(target: Target) -> None:
    for endpoint in target.endpoints:
        if "{" not in endpoint.path and endpoint.method != "GET":
            continue
        for credentials in (True, False):
            if "{" in endpoint.path:
                for value in BAD_PATH_VALUES:
                    for quoted in (quote(value, safe=""), quote(value, safe="/%")):
                        target.send(
                            endpoint, credentials=credentials, path=concrete(endpoint.path, quoted)
                        )
            if endpoint.method == "GET":
                target.send(endpoint, credentials=credentials, params=BAD_QUERIES)
    target.assert_no_server_errors()


GENERATED_EXAMPLES = 150
GENERATOR_SEED = 10  # fixed: every run tries the same inputs
ALPHABET = "aZ09 đơnhàngĐƠ😀\x00\x01\x0b\x1b\x7f\u200b\u202e\ufeff'\"\\%/<>{}"


def generated_value(rng: random.Random, depth: int = 0) -> Any:
    """Any JSON value: scalars of every kind, odd characters, nested lists and objects."""
    kind = rng.randrange(8 if depth < 3 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 2**31, -(2**63), 10 ** rng.randrange(1, 60)])
    if kind == 3:
        return rng.choice([0.5, -1e308, 1e-308, 3.14])
    if kind in (4, 5):
        return "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 40)))
    if kind == 6:
        return [generated_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {generated_value(rng, 3) or "k": generated_value(rng, depth + 1) for _ in range(3)}


def test_generated_field_values_are_refused_without_5xx(target: Target) -> None:
    """Seeded random values in random fields of every body the API takes."""
    rng = random.Random(GENERATOR_SEED)
    with_bodies = [e for e in target.endpoints if e.body is not None and e.path != LOGOUT]
    for _ in range(GENERATED_EXAMPLES):
        endpoint = rng.choice(with_bodies)
        schema = resolve(endpoint.body or {}, endpoint.components)
        body = plausible(schema, endpoint.components)
        fields = sorted(schema.get("properties", {}))
        for name in rng.sample(fields, k=min(len(fields), rng.randrange(1, 3))):
            body[name] = generated_value(rng)
        target.send(endpoint, credentials=True, data=encode(body), content_type="application/json")
    target.assert_no_server_errors()
