"""The supervisord config of one ``updown run``: the repository's ``supervisord.conf`` plus who runs it.

supervisord warns (CRIT) when it runs as root without ``user=`` and when its control socket has no
password. ``updown run`` answers both instead of hiding them: the run's config names the user who
started the run (``user=`` then only states what is true; an ordinary user stays that user, root
says it means root), and the socket takes a username and a password generated once into the secrets
directory (``supervisor__password``, 0600). The rendered file holds that password for supervisorctl,
so it is written 0600 beside the run's other files (``var/run/supervisord.conf``).

Steer a running ``updown run`` with ``supervisorctl -c var/run/supervisord.conf status``.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import secrets
from pathlib import Path

from cli import keys

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


def render(source_text: str, here: Path, user: str, password: str) -> str:
    """The source config with ``%(here)s`` pinned to its folder, the user and the socket's auth."""
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


def write(data_dir: Path, secrets_folder: Path) -> Path:
    """Render the run's config (0600) and return its path."""
    path = data_dir / RUN_CONF
    path.parent.mkdir(parents=True, exist_ok=True)
    text = render(SOURCE.read_text(), SOURCE.parent, current_user(), ensure_password(secrets_folder))
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    tmp.replace(path)
    return path
