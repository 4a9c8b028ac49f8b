"""The supervisord config of one ``updown run``: the repository's ``supervisord.conf`` plus who runs it.

supervisord warns (CRIT) when it runs as root without ``user=`` and when its control socket has no
password. ``updown run`` answers both instead of hiding them: the run's config names the user who
started the run (``user=`` then only states what is true; an ordinary user stays that user, root
says it means root), and the socket takes a username and a password generated once into the secrets
directory (``supervisor__password``, 0600). The rendered file holds that password for supervisorctl,
so it is written 0600 beside the run's other files (``var/run/supervisord.conf``).

Steer a running ``updown run`` with ``supervisorctl -c var/run/supervisord.conf status``.

A stage configured to run several instances (``runner.instances``: ``quoter = 2``) becomes one
program of that many processes (``numprocs``): ``quoter:quoter-0``, ``quoter:quoter-1``, each with
its own log (``var/log/quoter-0.log``), its instance number (``runner.instance_index``, which moves
its metrics port up by ``METRICS_PORT_STRIDE``) and the process name as its consumer name.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import re
import secrets
from collections.abc import Mapping
from pathlib import Path

from cli import keys
from common.config.settings import Settings

#: The repository's config: the programs, their logs and ports.
SOURCE = Path(__file__).resolve().parents[1] / "supervisord.conf"
#: The run's config, under the data directory.
RUN_CONF = "run/supervisord.conf"
#: The secret the socket's password is kept in.
PASSWORD_SECRET = "supervisor__password"
#: The socket's username (not a secret: the password is).
USERNAME = "updown"


def ensure_password(folder: Path) -> str:
    """The socket's password, generated on first use."""
    path = folder / PASSWORD_SECRET
    if not path.is_file():
        keys.write_secret(folder, PASSWORD_SECRET, secrets.token_urlsafe(24))
    return path.read_text().strip()


def current_user() -> str:
    return pwd.getpwuid(os.getuid()).pw_name


def render(source_text: str, here: Path, user: str, password: str, instances: Mapping[str, int] | None = None) -> str:
    """The source config with ``%(here)s`` pinned to its folder, the user and the socket's auth, and
    each scaled stage's program run as its number of processes."""
    for worker, count in (instances or {}).items():
        if count > 1:
            source_text = scaled(source_text, worker, count)
    digest = hashlib.sha1(password.encode()).hexdigest()  # the hash form supervisord reads
    text = source_text.replace("%(here)s", str(here))
    additions = {
        "[supervisord]": f"user={user}",
        "[unix_http_server]": f"username={USERNAME}\npassword={{SHA}}{digest}",
        "[supervisorctl]": f"username={USERNAME}\npassword={password}",
    }
    for header, lines in additions.items():
        if header not in text:
            raise ValueError(f"{SOURCE.name} has no {header} section")
        text = text.replace(header, f"{header}\n{lines}", 1)
    return text


def scaled(text: str, worker: str, count: int) -> str:
    """The worker's program as ``count`` processes, each with its log and its instance number."""
    header = f"[program:{worker}]"
    start = text.find(header)
    if start < 0:
        raise ValueError(f"{SOURCE.name} has no {header} section")
    end = text.find("\n[", start + len(header))
    end = len(text) if end < 0 else end
    section = text[start:end].replace("%(program_name)s.log", "%(program_name)s-%(process_num)d.log")
    section, found = re.subn(r"^environment=(.*)$", r'environment=\1,UPDOWN_RUNNER__INSTANCE_INDEX="%(process_num)d"',
                             section, count=1, flags=re.MULTILINE)  # fmt: skip
    if not found:
        section += '\nenvironment=UPDOWN_RUNNER__INSTANCE_INDEX="%(process_num)d"'
    section = section.replace(header, f"{header}\nnumprocs={count}\nprocess_name=%(program_name)s-%(process_num)d", 1)
    return text[:start] + section + text[end:]


def write(data_dir: Path, secrets_folder: Path, settings: Settings | None = None) -> Path:
    """Render the run's config (0600) and return its path."""
    path = data_dir / RUN_CONF
    path.parent.mkdir(parents=True, exist_ok=True)
    instances = settings.runner.instances if settings is not None else {}
    text = render(SOURCE.read_text(), SOURCE.parent, current_user(), ensure_password(secrets_folder), instances)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    tmp.replace(path)
    return path
