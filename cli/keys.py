"""``updown keys``: the wallet key and the API credentials, kept as files in the secrets directory.

- ``updown keys new``: generate a private key if there is none (prints the address, never the key).
- ``updown keys derive [--wait S]``: create or derive the API credentials for that key from the
  venue (L1 auth through the official client) and write them beside it.

Files are created with mode 0600. Nothing here prints or logs a secret.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from eth_account import Account

from cli.main import parser
from common.clob.auth import ApiCreds
from common.config import Settings, load_settings
from common.config.loader import secrets_dir

PRIVATE_KEY = "wallet__private_key"
API_FILES = ("wallet__api_key", "wallet__api_secret", "wallet__api_passphrase")


def write_secret(folder: Path, name: str, value: str) -> None:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / name
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(value)
    tmp.replace(path)


def write_api_credentials(folder: Path, api_key: str, secret: str, passphrase: str) -> None:
    for name, value in zip(API_FILES, (api_key, secret, passphrase), strict=True):
        write_secret(folder, name, value)


def forget_api_credentials(folder: Path) -> None:
    """Remove the API credentials (the wallet key stays): the venue that issued them is gone."""
    for name in API_FILES:
        (folder / name).unlink(missing_ok=True)


def write_wallet(folder: Path, private_key: str, creds: ApiCreds) -> None:
    """A wallet's key and its API credentials, as the workers read them (benches and tests)."""
    write_secret(folder, PRIVATE_KEY, private_key)
    write_api_credentials(folder, creds.api_key, creds.secret.get_secret_value(), creds.passphrase.get_secret_value())


CONTROL_TOKEN = "control__token"


def ensure_control_token(folder: Path) -> bool:
    """Create the control API's bearer token if there is none; True if created now."""
    if (folder / CONTROL_TOKEN).is_file():
        return False
    write_secret(folder, CONTROL_TOKEN, secrets.token_urlsafe(32))
    return True


def ensure_private_key(folder: Path) -> tuple[str, bool]:
    """The wallet address, and whether the key was created now."""
    path = folder / PRIVATE_KEY
    if path.is_file():
        return Account.from_key(path.read_text().strip()).address, False
    account = Account.create()
    write_secret(folder, PRIVATE_KEY, "0x" + account.key.hex().removeprefix("0x"))
    return account.address, True


#: The official client's logger: it logs every refused connection as an error.
CLIENT_LOGGER = "py_clob_client_v2"
#: How often to look whether the venue accepts connections while it starts.
VENUE_POLL_S = 0.25


def wait_for_venue(url: str, wait_s: float) -> bool:
    """True once something accepts TCP connections at ``url``'s host and port (False after ``wait_s``).
    Connection refused while the emulator starts is expected: nothing is logged."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            with socket.create_connection((parts.hostname or "127.0.0.1", port), timeout=VENUE_POLL_S * 4):
                return True
        except OSError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(VENUE_POLL_S)


@contextlib.contextmanager
def _client_quiet() -> Iterator[None]:
    """The official client logs each failed try as an error; while we retry, a failed try is not one
    (the last failure is raised with its reason)."""
    logger = logging.getLogger(CLIENT_LOGGER)
    before = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(before)


def derive_credentials(settings: Settings, folder: Path, wait_s: float = 0.0) -> str:
    """Create or derive API credentials from the venue; write them; return the API key's prefix.

    With ``wait_s``, first wait up to that long for the venue to accept connections (the emulator
    starting), then keep trying until that deadline."""
    key = settings.wallet.private_key
    if key is None:
        raise SystemExit(f"updown keys: no private key (run `updown keys new`, or put one in {folder / PRIVATE_KEY})")
    deadline = time.monotonic() + wait_s
    if wait_s:
        wait_for_venue(settings.venue.clob_url, wait_s)
    with _client_quiet():
        creds = _derive(settings, key.get_secret_value(), deadline)
    write_api_credentials(folder, creds.api_key, creds.api_secret, creds.api_passphrase)
    return str(creds.api_key)[:8]


def _derive(settings: Settings, key: str, deadline: float) -> Any:
    from py_clob_client_v2 import ClobClient

    while True:
        try:
            client = ClobClient(settings.venue.clob_url, chain_id=settings.venue.chain_id, key=key,
                                signature_type=settings.wallet.signature_type,
                                funder=settings.wallet.funder)  # fmt: skip
            return client.create_or_derive_api_key()
        except Exception as exc:  # the venue may still be starting
            if time.monotonic() >= deadline:
                raise SystemExit(f"updown keys: the venue at {settings.venue.clob_url} did not give credentials: "
                                 f"{type(exc).__name__}: {exc}") from None  # fmt: skip
            time.sleep(0.5)


def main(argv: list[str]) -> int:
    p = parser("keys", "Create the wallet key, or derive API credentials for it.")
    p.add_argument("action", choices=("new", "derive"))
    p.add_argument("--wait", type=float, default=0.0, help="seconds to keep trying while the venue starts")
    args = p.parse_args(argv)
    folder = secrets_dir()
    if args.action == "new":
        address, created = ensure_private_key(folder)
        print(f"{'created' if created else 'kept'} wallet {address} (key in {folder / PRIVATE_KEY})")
        return 0
    prefix = derive_credentials(load_settings(), folder, args.wait)
    print(f"API credentials {prefix}... written to {folder}")
    return 0
