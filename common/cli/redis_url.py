"""Which Redis a command-line tool talks to: REDIS_URL, the config, or the running ``make run``'s."""

from __future__ import annotations

from pathlib import Path

from common.config.settings import Settings

#: Written by ``updown run`` while it runs, so that other shells find its embedded Redis.
URL_FILE = "run/redis.url"


def url_file(settings: Settings) -> Path:
    return Path(settings.data_dir) / URL_FILE


def resolve(settings: Settings) -> str:
    if settings.redis.url:
        return settings.redis.url
    path = url_file(settings)
    if path.is_file():
        return path.read_text().strip()
    raise SystemExit(
        "updown: no Redis to talk to: set REDIS_URL, or start the bot with `make run` "
        f"(it writes {path} while it runs)"
    )
