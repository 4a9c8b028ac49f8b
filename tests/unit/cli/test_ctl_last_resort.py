"""``updown ctl halt`` is the operator's last resort: it reaches the workers when the rest of the
configuration is invalid, needing only the Redis URL; a target that names no worker is refused."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from common.bus import streams

#: A full interpreter start plus one Redis round trip, on a shared machine.
CLI_TIMEOUT_S = 60


def updown(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli.main", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=CLI_TIMEOUT_S)  # fmt: skip


@pytest.fixture
def client(redis_url: str) -> Iterator[redis.Redis]:
    conn = redis.Redis.from_url(redis_url)
    yield conn
    conn.close()


@pytest.fixture
def broken_env(tmp_path: Path, repo_root: Path) -> dict[str, str]:
    """An environment whose configuration does not validate (a word where a number goes)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("UPDOWN_") and k != "REDIS_URL"}
    return {**env, "PYTHONPATH": str(repo_root), "UPDOWN_DATA_DIR": str(tmp_path / "var"),
            "UPDOWN_SECRETS_DIR": str(tmp_path / "secrets"), "UPDOWN_REDIS__BLOCK_MS": "soon"}  # fmt: skip


def test_halt_is_sent_when_the_configuration_is_invalid(redis_url: str, broken_env: dict[str, str],
                                                        tmp_path: Path, client: redis.Redis) -> None:  # fmt: skip
    done = updown(["ctl", "halt", "--reason", "drill"], {**broken_env, "REDIS_URL": redis_url}, tmp_path)

    assert done.returncode == 0, done.stderr
    assert "redis.block_ms" in done.stderr  # it says what is wrong
    assert client.get("ctl:trading_mode") == b"HALTED"
    assert client.xlen(streams.CTL) == 1


def test_halt_finds_the_redis_url_in_the_secrets_directory_as_in_the_compose_deployment(
    redis_url: str, broken_env: dict[str, str], tmp_path: Path, client: redis.Redis
) -> None:
    secrets = Path(broken_env["UPDOWN_SECRETS_DIR"])
    secrets.mkdir()
    (secrets / "redis__url").write_text(redis_url + "\n")

    done = updown(["ctl", "halt"], broken_env, tmp_path)

    assert done.returncode == 0, done.stderr
    assert client.get("ctl:trading_mode") == b"HALTED"


def test_reload_is_still_refused_when_the_configuration_is_invalid(
    redis_url: str, broken_env: dict[str, str], tmp_path: Path, client: redis.Redis
) -> None:
    done = updown(["ctl", "reload"], {**broken_env, "REDIS_URL": redis_url}, tmp_path)

    assert done.returncode == 2 and "redis.block_ms" in done.stderr
    assert not client.exists(streams.CTL)


def test_a_target_that_names_no_worker_is_refused(redis_url: str, tmp_path: Path, repo_root: Path,
                                                  client: redis.Redis) -> None:  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(repo_root), "REDIS_URL": redis_url, "UPDOWN_DATA_DIR": str(tmp_path)}

    done = updown(["ctl", "halt", "--target", "quoterr"], env, tmp_path)

    assert done.returncode == 2 and "no worker named 'quoterr'" in done.stderr
    assert not client.exists(streams.CTL)
