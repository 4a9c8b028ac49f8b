"""Create the secret files docker-compose.yml mounts, without ever printing a secret.

    python3 conf/deploy/new_secrets.py [--dir secrets] [--redis-host redis]

- one random password per Redis ACL user of ``conf/deploy/redis/users.acl`` (``redis_<user>_password``,
  read by the ``redis-acl`` service, which hashes them into the ACL file);
- ``redis__url``: the ``updown`` user's URL, for the command-line tools (each worker connects as its own
  user with its ``redis_<worker>_password``; ``common/ops/redis_acl.py``);
- ``grafana_admin_password``;
- ``control__token``: the control API's bearer token.

The wallet's secrets (``wallet__private_key``, ``wallet__api_key``, ``wallet__api_secret``,
``wallet__api_passphrase``) are yours to write, for live trading only (``conf/deploy/compose.live.yml``).

Existing files are kept (run it again after adding a user: only the new ones are created). Files
are 0600; containers run as other users (updown 10001, grafana 472), so when run as root the files
are handed to them, otherwise the ``chown`` commands to run are printed (file names only).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import sys
from pathlib import Path

ACL_TEMPLATE = Path(__file__).resolve().parent / "redis" / "users.acl"
#: Random bytes per password (URL-safe base64: no character needs escaping in a redis:// URL).
PASSWORD_BYTES = 32
#: Who reads each file inside its container (uid); others are read by root.
OWNERS = {"redis__url": 10001, "control__token": 10001, "grafana_admin_password": 472,
          **{f"wallet__{k}": 10001 for k in ("private_key", "api_key", "api_secret", "api_passphrase")}}


def acl_users(template: Path = ACL_TEMPLATE) -> list[str]:
    """The users whose password the ACL template needs, in file order."""
    return re.findall(r"^user .*#\{\{([A-Za-z0-9_-]+)\}\}", template.read_text(), flags=re.MULTILINE)


def _write_new(path: Path, content: str) -> bool:
    if path.exists():
        return False
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(content)
    return True


def create(directory: Path, redis_host: str = "redis", redis_port: int = 6379) -> list[str]:
    """Create the missing secret files; return the names created."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    created = []
    for user in acl_users():
        if _write_new(directory / f"redis_{user}_password", secrets.token_urlsafe(PASSWORD_BYTES)):
            created.append(f"redis_{user}_password")
    updown_password = (directory / "redis_updown_password").read_text().strip()
    url = f"redis://updown:{updown_password}@{redis_host}:{redis_port}/0"
    if _write_new(directory / "redis__url", url):
        created.append("redis__url")
    if _write_new(directory / "grafana_admin_password", secrets.token_urlsafe(PASSWORD_BYTES)):
        created.append("grafana_admin_password")
    if _write_new(directory / "control__token", secrets.token_urlsafe(PASSWORD_BYTES)):
        created.append("control__token")
    return created


def hand_over(directory: Path) -> list[str]:
    """Give each file to the container user that reads it (as root), or the commands to do so."""
    commands = []
    for name, uid in OWNERS.items():
        path = directory / name
        if not path.exists():
            continue
        if os.geteuid() == 0:
            os.chown(path, uid, uid)
        else:
            commands.append(f"sudo chown {uid}:{uid} {path}")
    return commands


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path("secrets"))
    parser.add_argument("--redis-host", default="redis")
    args = parser.parse_args(argv)
    created = create(args.dir, args.redis_host)
    print(f"created {len(created)} file(s) in {args.dir}: {', '.join(created) or 'none'}")
    commands = hand_over(args.dir)
    if commands:
        print("not root: give the files to the container users with:", *commands, sep="\n  ", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
