"""The Redis URL of the compose deployment holds its user's password: every command and every
configuration error shows the server and the user, never the password."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from cli import config_cmd, launch, status
from common.config import ConfigError, load_settings
from common.config.redact import redact_url

PASSWORD = "pw-Sz8eQm4tXq"  # not a real secret: a marker to look for


def with_password(url: str) -> str:
    """The test server's URL with a user and password (the server's default user takes any)."""
    return url.replace("redis://", f"redis://default:{PASSWORD}@", 1)


@pytest.mark.parametrize("url, shown", [
    ("redis://updown:secret@redis:6379/0", "redis://updown:***@redis:6379/0"),
    ("redis://:secret@redis:6379/0", "redis://:***@redis:6379/0"),
    ("rediss://u:se/cr:et@h:1/0", "rediss://u:***@h:1/0"),
    ("unix:///run/redis.sock?password=secret&db=0", "unix:///run/redis.sock?password=***&db=0"),
    ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
    (None, "<unset>"),
])  # fmt: skip
def test_a_url_is_shown_with_its_password_masked(url: str | None, shown: str) -> None:
    assert redact_url(url) == shown


def test_updown_config_shows_the_redis_user_but_not_the_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("REDIS_URL", f"redis://updown:{PASSWORD}@redis:6379/0")

    assert config_cmd.main([]) == 0

    out = capsys.readouterr().out
    assert PASSWORD not in out
    assert '"url": "redis://updown:***@redis:6379/0"' in out


def test_the_settings_keep_the_password_for_connecting_only() -> None:
    settings = load_settings(env={"REDIS_URL": f"redis://updown:{PASSWORD}@redis:6379/0"})

    assert settings.redis.url is not None
    assert settings.redis.url.get_secret_value() == f"redis://updown:{PASSWORD}@redis:6379/0"
    for text in (str(settings), repr(settings), settings.model_dump_json(), str(settings.model_dump())):
        assert PASSWORD not in text


def test_updown_status_names_the_server_without_the_password(
    redis_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("REDIS_URL", with_password(redis_url))

    assert status.main([]) == 0

    out = capsys.readouterr().out
    assert PASSWORD not in out
    assert "redis redis://default:***@127.0.0.1:" in out


def test_updown_run_says_which_redis_without_the_password_and_keeps_the_url_file_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Arrange: a run whose supervisord part refuses to start (the report is not printed then)
    monkeypatch.setenv("REDIS_URL", f"redis://updown:{PASSWORD}@127.0.0.1:1/0")
    monkeypatch.setenv("UPDOWN_DATA_DIR", str(tmp_path))
    url_files: list[int] = []

    def refuse(settings: object, *args: object, **kwargs: object) -> int:
        url_files.append((tmp_path / "run" / "redis.url").stat().st_mode)
        return 2

    monkeypatch.setattr(launch, "supervise", refuse)

    # Act
    code = launch.main([])

    # Assert
    out = capsys.readouterr().out
    assert code == 2
    assert PASSWORD not in out and "redis://updown:***@127.0.0.1:1/0" in out
    assert url_files and stat.S_IMODE(url_files[0]) == 0o600


def test_a_configuration_error_never_echoes_the_redis_password() -> None:
    # A section-wide check fails: pydantic quotes the whole [redis] section, URL included.
    with pytest.raises(ConfigError) as err:
        load_settings(env={"REDIS_URL": f"redis://u:{PASSWORD}@r/0", "UPDOWN_REDIS__BLOCK_MS": "6000"})

    message = str(err.value)
    assert "must be shorter" in message
    assert PASSWORD not in message and "'redis://u:***@r/0'" in message
