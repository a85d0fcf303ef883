"""The worker: section of the config, the secret from the environment, line-numbered errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from sheetsbot.errors import ConfigError
from sheetsbot.worker.settings import WorkerConfig, load_settings, parse_settings, webhook_secret

GOOD = """\
store:
  time_zone: Europe/Berlin
google:
  spreadsheet_id: 1AbC
worker:
  host: 0.0.0.0
  port: 9000
  webhook_secret: from-the-file-0123456789
  weekly: {day: tuesday, at: "06:45"}
  poll_minutes: 10
  monthly_at: null
  retry_minutes: 5
  rate_limit: {requests: 5, per_seconds: 30}
  shutdown_grace_seconds: 8
  log_format: json
"""


def test_the_worker_section_is_read_with_the_rest_of_the_config(tmp_path: Path) -> None:
    path = tmp_path / "sheetsbot.yaml"
    path.write_text(GOOD)
    config, worker = load_settings(path)
    assert config.store.time_zone == "Europe/Berlin" and config.google.spreadsheet_id == "1AbC"
    assert (worker.host, worker.port, worker.poll_minutes, worker.monthly_at) == (
        "0.0.0.0",
        9000,
        10,
        None,
    )
    assert (worker.weekly.day, worker.weekly.at) == ("tuesday", "06:45")
    assert (worker.rate_limit.requests, worker.rate_limit.per_seconds) == (5, 30)
    assert worker.log_format == "json" and worker.shutdown_grace_seconds == 8
    assert "from-the-file" not in repr(worker) and "from-the-file" not in str(worker.model_dump())


def test_defaults() -> None:
    worker = WorkerConfig()
    assert (worker.weekly.day, worker.weekly.at, worker.poll_minutes, worker.monthly_at) == (
        "monday",
        "07:30",
        15,
        "07:00",
    )
    assert (
        worker.host == "127.0.0.1" and worker.webhook_secret is None and worker.log_format == "text"
    )
    _, worker = parse_settings("store: {name: x}\n")
    assert worker == WorkerConfig()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "worker:\n  pol_minutes: 3\n",
            "x.yaml:2: unknown key 'worker.pol_minutes' (did you mean 'poll_minutes'?)",
        ),
        (
            "worker:\n  weekly:\n    at: '7:30'\n",
            "x.yaml:3: worker.weekly.at: '7:30' is not a time of day",
        ),
        ("worker:\n  weekly: {day: mon}\n", "x.yaml:2: worker.weekly.day:"),
        (
            "worker:\n  monthly_at: '25:00'\n",
            "x.yaml:2: worker.monthly_at: '25:00' is not a time of day",
        ),
        ("worker:\n  rate_limit: {requests: 0}\n", "x.yaml:2: worker.rate_limit.requests"),
        ("worker:\n  port: 70000\n", "x.yaml:2: worker.port"),
        ("worker:\n  log_format: xml\n", "x.yaml:2: worker.log_format"),
        (
            "store: {time_zone: Mars/Olympus}\nworker: {}\n",
            "x.yaml:1: store.time_zone: unknown time zone",
        ),
    ],
)
def test_errors_name_the_line_and_the_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_settings(text, "x.yaml")
    assert message in str(err.value)


def test_a_weak_secret_is_refused_without_quoting_it() -> None:
    for secret in ("hunter2", "1234567"):
        with pytest.raises(ConfigError) as err:
            parse_settings(f"worker:\n  webhook_secret: {secret}\n", "x.yaml")
        assert "webhook_secret is too short" in str(
            err.value
        ) and "secrets.token_urlsafe(32)" in str(err.value)
        assert secret not in str(err.value)


def test_the_environment_wins_over_the_file() -> None:
    _, worker = parse_settings(GOOD)
    assert webhook_secret(worker, {}) == "from-the-file-0123456789"
    assert (
        webhook_secret(worker, {"SHEETSBOT_WEBHOOK_SECRET": "from-the-environment-012"})
        == "from-the-environment-012"
    )
    assert webhook_secret(worker, {"SHEETSBOT_WEBHOOK_SECRET": "  "}) == "from-the-file-0123456789"
    assert webhook_secret(WorkerConfig(), {}) is None
    with pytest.raises(ConfigError, match="SHEETSBOT_WEBHOOK_SECRET is too short"):
        webhook_secret(worker, {"SHEETSBOT_WEBHOOK_SECRET": "short"})


def test_a_missing_file_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.yaml")


def test_once_config_declares_the_worker_field(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What the lead adds to sheetsbot.config.Config: worker: WorkerConfig = Field(default_factory=…)
    from pydantic import Field

    import sheetsbot.config
    from sheetsbot.worker import settings

    class ConfigDeclaringWorker(sheetsbot.config.Config):
        worker: WorkerConfig = Field(default_factory=lambda: WorkerConfig())

    monkeypatch.setattr(sheetsbot.config, "Config", ConfigDeclaringWorker)
    monkeypatch.setattr(settings, "_WITH_WORKER", None)
    config, worker = parse_settings(GOOD)
    assert type(config) is ConfigDeclaringWorker and worker.port == 9000
    with pytest.raises(ConfigError, match="x.yaml:2: unknown key 'worker.pol_minutes'"):
        parse_settings("worker:\n  pol_minutes: 3\n", "x.yaml")
