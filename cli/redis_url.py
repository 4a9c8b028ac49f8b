"""Which Redis a command-line tool talks to: REDIS_URL, the config, or the running ``make run``'s.

The URL may hold a password: it is returned for connecting, written only to a 0600 file, and shown
only through :func:`common.config.redact.redact_url`.
"""

from __future__ import annotations

import os
from pathlib import Path

from common.config.loader import secrets_dir
from common.config.settings import Settings

#: Written by ``updown run`` while it runs, so that other shells find its embedded Redis.
URL_FILE = "run/redis.url"


def url_file(settings: Settings) -> Path:
    return Path(settings.data_dir) / URL_FILE


def write(settings: Settings, url: str) -> None:
    """Record the run's Redis for other shells, readable by this user only."""
    path = url_file(settings)
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(url + "\n")


def resolve(settings: Settings) -> str:
    if settings.redis.url:
        return settings.redis.url.get_secret_value()
    path = url_file(settings)
    if path.is_file():
        return path.read_text().strip()
    raise _nowhere(path)


def resolve_without_settings(environ: dict[str, str] | None = None) -> str:
    """The same Redis found without validating the configuration (``updown ctl halt`` works when
    the rest of it is broken): the environment, the secrets directory's ``redis__url``, the run's file."""
    env = dict(os.environ if environ is None else environ)
    for name in ("UPDOWN_REDIS__URL", "REDIS_URL"):
        if env.get(name, "").strip():
            return env[name].strip()
    for path in (secrets_dir(env) / "redis__url", Path(env.get("UPDOWN_DATA_DIR", "var")) / URL_FILE):
        if path.is_file() and path.read_text().strip():
            return path.read_text().strip()
    raise _nowhere(Path(env.get("UPDOWN_DATA_DIR", "var")) / URL_FILE)


def _nowhere(path: Path) -> SystemExit:
    return SystemExit(
        "updown: no Redis to talk to: set REDIS_URL, or start the bot with `make run` "
        f"(it writes {path} while it runs)"
    )
