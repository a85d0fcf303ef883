"""The ``worker:`` section of the config: when to run, where to listen, how to guard the webhook.

    from sheetsbot.worker.settings import load_settings, webhook_secret
    config, worker = load_settings("config/sheetsbot.yaml")
    worker.weekly.day, worker.weekly.at      # 'monday', '07:30' (in config.store.time_zone)
    worker.poll_minutes                      # 15; 0 turns the folder poll off
    secret = webhook_secret(worker)          # SHEETSBOT_WEBHOOK_SECRET wins over the file

Example::

    worker:
      host: 127.0.0.1          # behind a TLS reverse proxy; 0.0.0.0 in a container
      port: 8080
      weekly: {day: monday, at: "07:30"}   # null: no weekly run
      poll_minutes: 15
      monthly_at: "07:00"      # the daily check for the first working day; null: off
      retry_minutes: 15        # a failed scheduled run is retried after 15, 30, 60 … minutes
      rate_limit: {requests: 30, per_seconds: 60}   # webhook triggers per Sheet
      shutdown_grace_seconds: 20
      log_format: json         # or text

This module imports nothing of sheetsbot at import time, so ``sheetsbot.config`` may import
:class:`WorkerConfig` for its ``worker`` field without an import cycle.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

if TYPE_CHECKING:
    from sheetsbot.config import Config

SECRET_ENV = "SHEETSBOT_WEBHOOK_SECRET"
#: Shorter secrets can be guessed offline from one captured request; 32 random bytes is the norm.
MIN_SECRET_LENGTH = 16
_CLOCK_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_SECRET_HINT = 'make one with: python -c "import secrets; print(secrets.token_urlsafe(32))"'

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _clock_time(value: str | None) -> str | None:
    if value is not None and not _CLOCK_TIME.match(str(value)):
        raise ValueError(
            f"{value!r} is not a time of day; write HH:MM on a 24-hour clock, such as '07:30'"
        )
    return value


class WeeklyRun(_Model):
    day: Weekday = "monday"
    #: Local time in the store's time zone (``store.time_zone``).
    at: str = "07:30"

    @field_validator("at")
    @classmethod
    def _time(cls, value: str) -> str | None:
        return _clock_time(value)


class RateLimit(_Model):
    """Webhook triggers per Sheet: a bucket of ``requests``, refilled over ``per_seconds``."""

    requests: int = Field(default=30, ge=1)
    per_seconds: float = Field(default=60.0, gt=0)


class WorkerConfig(_Model):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    #: The shared secret of the Sheet's menu; ``SHEETSBOT_WEBHOOK_SECRET`` wins over it.
    webhook_secret: SecretStr | None = None
    weekly: WeeklyRun | None = Field(default_factory=lambda: WeeklyRun())
    #: Minutes between looks at the Drive folder for new exports; 0 turns the poll off.
    poll_minutes: int = Field(default=15, ge=0, le=24 * 60)
    #: When the daily first-working-day check runs (store time zone); null turns it off.
    monthly_at: str | None = "07:00"
    #: First delay before a failed scheduled run is tried again (then doubled, up to 4 hours).
    retry_minutes: int = Field(default=15, ge=1, le=24 * 60)
    rate_limit: RateLimit = Field(default_factory=lambda: RateLimit())
    #: On SIGTERM, how long the current run may take to finish before it is abandoned.
    shutdown_grace_seconds: float = Field(default=20.0, ge=0, le=3600)
    log_format: Literal["text", "json"] = "text"

    @field_validator("monthly_at")
    @classmethod
    def _time(cls, value: str | None) -> str | None:
        return _clock_time(value)

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        # YAML reads an all-digit secret as a number; a type error would quote it back.
        return (
            str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value
        )

    # A model validator, not a field validator: a field's error message would quote the value.
    @model_validator(mode="after")
    def _strong_secret(self) -> WorkerConfig:
        if self.webhook_secret is not None:
            _check_secret(self.webhook_secret.get_secret_value(), "webhook_secret")
        return self


def _check_secret(value: str, where: str) -> None:
    # The message names the length, never the value.
    if len(value) < MIN_SECRET_LENGTH:
        raise ValueError(
            f"{where} is too short ({len(value)} characters, at least {MIN_SECRET_LENGTH}); "
            f"{_SECRET_HINT}"
        )


def webhook_secret(worker: WorkerConfig, environ: Mapping[str, str] | None = None) -> str | None:
    """The secret in force: the environment variable when set and not empty, else the file's."""
    from sheetsbot.errors import ConfigError

    env = os.environ if environ is None else environ
    value = env.get(SECRET_ENV, "").strip()
    if value:
        try:
            _check_secret(value, SECRET_ENV)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        return value
    return worker.webhook_secret.get_secret_value() if worker.webhook_secret else None


def load_settings(path: str | os.PathLike[str] | None) -> tuple[Config, WorkerConfig]:
    """The store's config and its ``worker:`` section, validated together (line-numbered errors)."""
    from pathlib import Path

    from sheetsbot.config import Config
    from sheetsbot.errors import ConfigError

    if path is None:
        return Config.model_validate({}), WorkerConfig()
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{file}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read config file ({exc})") from None
    return parse_settings(text, str(file))


def parse_settings(text: str, name: str = "<config>") -> tuple[Config, WorkerConfig]:
    from sheetsbot.config import validate_yaml

    model = _config_with_worker()
    config: Any = validate_yaml(text, name, model, extra={"source": name})
    return config, config.worker


_WITH_WORKER: type[Config] | None = None


def _config_with_worker() -> type[Config]:
    """``Config`` plus a ``worker`` field, until ``Config`` declares one itself.

    One model validates the whole file, so an error in ``worker:`` names its line like any
    other key, and the rest of the file is held to the same rules as ``load_config``.
    """
    global _WITH_WORKER
    if _WITH_WORKER is None:
        from sheetsbot.config import Config

        if "worker" in Config.model_fields:
            _WITH_WORKER = Config
        else:

            class ConfigWithWorker(Config):
                worker: WorkerConfig = Field(default_factory=lambda: WorkerConfig())

            _WITH_WORKER = ConfigWithWorker
    return _WITH_WORKER
