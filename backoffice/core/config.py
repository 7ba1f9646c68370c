"""Settings from the environment, so one code base runs on a laptop, in CI and in production."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from dotenv import dotenv_values
from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from backoffice.orders.services.platform_templates import GRAPH_API_URL, ZNS_API_URL, parse_fields
from caredesk_rules.accounts import PASSWORD_PROBLEMS, PASSWORD_VARIABLES, password_problem

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = f"sqlite:///{REPO_ROOT / 'var' / 'backoffice.db'}"
DEFAULT_KNOWLEDGE_FILE = REPO_ROOT / "knowledge" / "store.yml"
DEFAULT_ATTACHMENTS_DIR = REPO_ROOT / "var" / "attachments"


class ConfigError(RuntimeError):
    """Raised instead of a pydantic traceback so an operator sees which variable to fix."""


class Settings(BaseSettings):
    # `production` turns off what only developers need (the API docs); anything else is an error.
    environment: Literal["development", "production"] = Field(
        "development", validation_alias="CAREDESK_ENV"
    )
    database_url: str = Field(DEFAULT_DATABASE_URL, validation_alias="BACKOFFICE_DATABASE_URL")
    # The demo shop's customers and orders (docs/contract.md), written by the prestart step
    # (`python -m backoffice migrate`) into a database without orders: `make run` turns it on;
    # never in production.
    seed_demo: bool = Field(False, validation_alias="CAREDESK_SEED_DEMO")
    api_key: SecretStr = Field(..., validation_alias="BACKOFFICE_API_KEY")
    knowledge_file: Path = Field(DEFAULT_KNOWLEDGE_FILE, validation_alias="KNOWLEDGE_FILE")
    public_base_url: str = Field("http://127.0.0.1:8000", validation_alias="PUBLIC_BASE_URL")
    host: str = Field("127.0.0.1", validation_alias="BACKOFFICE_HOST")
    port: int = Field(8000, validation_alias="BACKOFFICE_PORT", ge=1, le=65535)
    # Uvicorn worker processes on that port; more than one needs REDIS_HOST below, which carries
    # the consoles' pushes and the typing throttle between them (`_workers_share_redis`).
    workers: int = Field(1, validation_alias="BACKOFFICE_WORKERS", ge=1, le=32)
    # The Redis the rest of the system shares (endpoints.production.yml's lock store,
    # channels/shared_store.py): the same REDIS_* variables. Unset: everything stays in this
    # process (one worker). Keys and channels live under `<REDIS_KEY_PREFIX>:backoffice:`.
    redis_host: str = Field("", validation_alias="REDIS_HOST")
    redis_port: int = Field(6379, validation_alias="REDIS_PORT", ge=1, le=65535)
    redis_db: int = Field(0, validation_alias="REDIS_DB", ge=0)
    redis_key_prefix: str = Field("caredesk", validation_alias="REDIS_KEY_PREFIX", max_length=100)
    # Helpdesk and live handoff.
    rasa_url: str = Field("http://127.0.0.1:5005", validation_alias="RASA_URL")
    # The Rasa server as the customer's browser reaches it (the demo shop's widget); RASA_URL
    # when unset, which is right whenever the browser and the back office see the same address.
    rasa_public_url: str = Field("", validation_alias="RASA_PUBLIC_URL")
    rasa_auth_token: SecretStr = Field(SecretStr(""), validation_alias="RASA_AUTH_TOKEN")
    handoff_agent_wait_seconds: int = Field(
        180, validation_alias="HANDOFF_AGENT_WAIT_SECONDS", ge=1, le=86400
    )
    # Inside business hours, promise a person only when someone of the department is online
    # (helpdesk/services/presence.py); else the customer gets a ticket and an expected reply
    # at once. Off only in tests whose hand-offs wait for a claim with no console open.
    handoff_needs_agent_online: bool = Field(True, validation_alias="HANDOFF_NEEDS_AGENT_ONLINE")
    # username -> first password of each seeded account, from HELPDESK_<USERNAME>_PASSWORD
    # (caredesk_rules.accounts); read by `_with_seed_passwords` below.
    seed_passwords: dict[str, SecretStr] = Field(default_factory=dict)
    # The one password every seeded account shared before they had their own: read only to
    # replace it where it is still in use (backoffice.helpdesk.seed.retire_shared_password).
    helpdesk_demo_password: SecretStr | None = Field(
        None, validation_alias="HELPDESK_DEMO_PASSWORD"
    )
    delivery_poll_seconds: float = Field(0.5, validation_alias="DELIVERY_POLL_SECONDS", gt=0, le=60)
    # Attempts before a message for the customer is dead-lettered ("not delivered" in the
    # console); with the exponential backoff (poll time doubled, at most 60 s) 10 is ~3 min.
    delivery_max_attempts: int = Field(10, validation_alias="DELIVERY_MAX_ATTEMPTS", ge=1, le=100)
    departments_file: Path | None = Field(None, validation_alias="HELPDESK_DEPARTMENTS_FILE")
    # Shared with the chat (channels/shop_identity.py): the demo shop signs its customer with it.
    shop_secret: SecretStr | None = Field(None, validation_alias="CAREDESK_SHOP_SECRET")
    # Rasa's events for the analytics (backoffice/analytics/sources.py): the SQL event broker's
    # database (`make run`: var/rasa_events.db, set by scripts/stack.py) or an amqp:// URL of
    # the RabbitMQ server whose ANALYTICS_EVENTS_QUEUE Rasa's pika broker fills; unset: no
    # events are read (the summary then counts nothing).
    analytics_events_url: SecretStr = Field(SecretStr(""), validation_alias="ANALYTICS_EVENTS_URL")
    analytics_events_queue: str = Field(
        "rasa_events", validation_alias="ANALYTICS_EVENTS_QUEUE", min_length=1, max_length=255
    )
    # Order updates outside a platform's reply window (orders/services/platform_templates.py):
    # Messenger's utility template (the Page's token and the approved template's name and
    # language; its body placeholders, in order, as name=payload field) and Zalo's ZNS template
    # (the OA's token, the template id, its parameters as name=payload field). Unset: none, and
    # such updates are recorded as not allowed.
    facebook_page_access_token: SecretStr = Field(
        SecretStr(""), validation_alias="FACEBOOK_PAGE_ACCESS_TOKEN"
    )
    facebook_graph_api_url: str = Field(GRAPH_API_URL, validation_alias="FACEBOOK_GRAPH_API_URL")
    messenger_update_template: str = Field("", validation_alias="MESSENGER_UPDATE_TEMPLATE")
    messenger_update_template_language: str = Field(
        "vi_VN", validation_alias="MESSENGER_UPDATE_TEMPLATE_LANGUAGE", min_length=2
    )
    messenger_update_template_parameters: str = Field(
        "order_id=order_id,status=status,expected_delivery=expected_delivery",
        validation_alias="MESSENGER_UPDATE_TEMPLATE_PARAMETERS",
    )
    zalo_oa_access_token: SecretStr = Field(SecretStr(""), validation_alias="ZALO_OA_ACCESS_TOKEN")
    zalo_zns_api_url: str = Field(ZNS_API_URL, validation_alias="ZALO_ZNS_API_URL")
    zalo_zns_template_id: str = Field("", validation_alias="ZALO_ZNS_TEMPLATE_ID")
    zalo_zns_template_data: str = Field(
        "order_code=order_id,status=status,expected_date=expected_delivery",
        validation_alias="ZALO_ZNS_TEMPLATE_DATA",
    )
    # Customers' photos, one file each, named by the attachment's random id (the rows that
    # describe them are in the database: services/attachments.py says why).
    attachments_dir: Path = Field(
        DEFAULT_ATTACHMENTS_DIR, validation_alias="CAREDESK_ATTACHMENTS_DIR"
    )

    # Real environment variables win over the file (pydantic-settings' documented precedence);
    # `.env` also holds the other processes' variables, which are none of these settings.
    model_config = SettingsConfigDict(
        env_file=str(REPO_ROOT / ".env"),
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        assert isinstance(dotenv_settings, DotEnvSettingsSource)
        seed_passwords = SeedPasswords(settings_cls, dotenv_settings)
        return init_settings, env_settings, dotenv_settings, seed_passwords, file_secret_settings

    @property
    def api_docs(self) -> bool:
        """/docs and /openapi.json: for developers, not served in production (no /redoc)."""
        return self.environment != "production"

    @field_validator("environment", mode="before")
    def _environment_name(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("seed_passwords")
    def _seed_passwords_follow_the_rule(cls, value: dict[str, SecretStr]) -> dict[str, SecretStr]:
        for username, secret in value.items():
            problem = password_problem(secret.get_secret_value(), username)
            if problem is not None:
                raise ValueError(f"{PASSWORD_VARIABLES[username]} {PASSWORD_PROBLEMS[problem]}")
        return value

    @field_validator("messenger_update_template_parameters", "zalo_zns_template_data")
    def _template_fields(cls, value: str) -> str:
        parse_fields(value)  # ValueError names the malformed item
        return value

    @model_validator(mode="after")
    def _templates_have_tokens(self) -> Settings:
        page_token = self.facebook_page_access_token.get_secret_value()
        if self.messenger_update_template and not page_token:
            raise ValueError("MESSENGER_UPDATE_TEMPLATE needs FACEBOOK_PAGE_ACCESS_TOKEN")
        if self.zalo_zns_template_id and not self.zalo_oa_access_token.get_secret_value():
            raise ValueError("ZALO_ZNS_TEMPLATE_ID needs ZALO_OA_ACCESS_TOKEN")
        return self

    @field_validator("api_key")
    def _key_not_blank(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("database_url")
    def _normalise_db_url(cls, value: str) -> str:
        value = value.strip()
        if not value:
            return DEFAULT_DATABASE_URL
        # SQLAlchemy 1.4 dropped the Heroku-style alias; accept it rather than fail cryptically.
        if value.startswith("postgres://"):
            value = "postgresql://" + value[len("postgres://") :]
        return value

    @field_validator("knowledge_file")
    def _resolve_knowledge(cls, value: Path) -> Path:
        return value if value.is_absolute() else (REPO_ROOT / value).resolve()

    @field_validator("attachments_dir")
    def _resolve_attachments(cls, value: Path) -> Path:
        return value if value.is_absolute() else (REPO_ROOT / value).resolve()

    @field_validator("departments_file", "helpdesk_demo_password", "shop_secret", mode="before")
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("departments_file")
    def _resolve_departments(cls, value: Path | None) -> Path | None:
        if value is None:
            return None
        return value if value.is_absolute() else (REPO_ROOT / value).resolve()

    @field_validator("analytics_events_url")
    def _events_source(cls, value: SecretStr) -> SecretStr:
        url = value.get_secret_value().strip()
        if url and not url.startswith(
            ("sqlite:", "postgresql:", "postgresql+", "amqp://", "amqps://")
        ):
            raise ValueError("must be a sqlite:///, postgresql:// or amqp:// URL")
        return SecretStr(url)

    @field_validator("public_base_url", "rasa_url")
    def _strip_slash(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("rasa_public_url")
    def _public_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("redis_host", mode="before")
    def _redis_host(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value

    @field_validator("redis_port", "redis_db", mode="before")
    def _redis_number_blank_is_default(cls, value: object, info: ValidationInfo) -> object:
        """Blank like unset (a template leaves `REDIS_DB=` empty): the field's default."""
        if isinstance(value, str) and not value.strip():
            assert info.field_name is not None
            return cls.model_fields[info.field_name].default
        return value

    @field_validator("redis_key_prefix", mode="before")
    def _redis_prefix(cls, value: object) -> object:
        if isinstance(value, str):
            return value.strip() or "caredesk"
        return value

    @model_validator(mode="after")
    def _workers_share_redis(self) -> Settings:
        if self.workers > 1 and not self.redis_host:
            raise ValueError(
                f"BACKOFFICE_WORKERS={self.workers} needs REDIS_HOST: the workers share the "
                "consoles' pushes and the typing throttle through Redis (unset: one worker)"
            )
        return self

    @model_validator(mode="after")
    def _no_demo_data_in_production(self) -> Settings:
        if self.seed_demo and self.environment == "production":
            raise ValueError("CAREDESK_SEED_DEMO must be off with CAREDESK_ENV=production")
        return self

    @model_validator(mode="after")
    def _public_url_default(self) -> Settings:
        if not self.rasa_public_url:
            self.rasa_public_url = self.rasa_url
        return self


class SeedPasswords(PydanticBaseSettingsSource):
    """The seeded accounts' password variables, from the environment over `.env` like the rest
    (pydantic-settings reads one variable per declared field, not a family of them)."""

    def __init__(self, settings_cls: type[BaseSettings], dotenv: DotEnvSettingsSource) -> None:
        super().__init__(settings_cls)
        self.dotenv = dotenv

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # one value for the whole family: see __call__

    def __call__(self) -> dict[str, Any]:
        found: dict[str, str | None] = {}
        env_file = self.dotenv.env_file
        paths = [env_file] if isinstance(env_file, (str, Path)) else list(env_file or ())
        for path in paths:
            if Path(path).is_file():
                found.update(dotenv_values(path, encoding="utf-8"))
        found.update(os.environ)
        passwords = {
            username: value
            for username, variable in PASSWORD_VARIABLES.items()
            if (value := found.get(variable)) and value.strip()  # blank counts as unset
        }
        return {"seed_passwords": passwords}


_ENV_NAMES = {
    "environment": "CAREDESK_ENV",
    "database_url": "BACKOFFICE_DATABASE_URL",
    "seed_demo": "CAREDESK_SEED_DEMO",
    "api_key": "BACKOFFICE_API_KEY",
    "knowledge_file": "KNOWLEDGE_FILE",
    "public_base_url": "PUBLIC_BASE_URL",
    "host": "BACKOFFICE_HOST",
    "port": "BACKOFFICE_PORT",
    "workers": "BACKOFFICE_WORKERS",
    "redis_host": "REDIS_HOST",
    "redis_port": "REDIS_PORT",
    "redis_db": "REDIS_DB",
    "redis_key_prefix": "REDIS_KEY_PREFIX",
    "rasa_url": "RASA_URL",
    "rasa_public_url": "RASA_PUBLIC_URL",
    "rasa_auth_token": "RASA_AUTH_TOKEN",
    "handoff_agent_wait_seconds": "HANDOFF_AGENT_WAIT_SECONDS",
    "handoff_needs_agent_online": "HANDOFF_NEEDS_AGENT_ONLINE",
    "helpdesk_demo_password": "HELPDESK_DEMO_PASSWORD",
    "delivery_poll_seconds": "DELIVERY_POLL_SECONDS",
    "delivery_max_attempts": "DELIVERY_MAX_ATTEMPTS",
    "departments_file": "HELPDESK_DEPARTMENTS_FILE",
    "shop_secret": "CAREDESK_SHOP_SECRET",
    "attachments_dir": "CAREDESK_ATTACHMENTS_DIR",
    "analytics_events_url": "ANALYTICS_EVENTS_URL",
    "analytics_events_queue": "ANALYTICS_EVENTS_QUEUE",
    "facebook_page_access_token": "FACEBOOK_PAGE_ACCESS_TOKEN",
    "facebook_graph_api_url": "FACEBOOK_GRAPH_API_URL",
    "messenger_update_template": "MESSENGER_UPDATE_TEMPLATE",
    "messenger_update_template_language": "MESSENGER_UPDATE_TEMPLATE_LANGUAGE",
    "messenger_update_template_parameters": "MESSENGER_UPDATE_TEMPLATE_PARAMETERS",
    "zalo_oa_access_token": "ZALO_OA_ACCESS_TOKEN",
    "zalo_zns_api_url": "ZALO_ZNS_API_URL",
    "zalo_zns_template_id": "ZALO_ZNS_TEMPLATE_ID",
    "zalo_zns_template_data": "ZALO_ZNS_TEMPLATE_DATA",
}


def load_settings(env_file: str | Path | None = REPO_ROOT / ".env") -> Settings:
    """Read settings, turning validation errors into one readable message per variable."""
    try:
        return Settings(_env_file=env_file)  # type: ignore[call-arg]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            # Errors name a field by its variable (the alias); a model validator's name none.
            field = str(error["loc"][0]) if error["loc"] else ""
            name = _ENV_NAMES.get(field, field)
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "missing":
                message = "is required but not set (environment or .env at the repository root)"
            # These messages name their variables themselves.
            if field in ("seed_passwords", ""):
                problems.append(message)
                continue
            problems.append(f"{name} {message}")
        raise ConfigError("invalid back-office configuration: " + "; ".join(problems)) from None
