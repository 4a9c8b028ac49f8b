"""updown doctor against the real emulator: a proper setup passes; another signer's credentials and
a skewed clock are each named with their fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_account import Account

from common.cli.keys import derive_credentials, write_secret
from common.clock import ManualClock, SystemClock
from common.config import load_settings
from common.doctor.run import examine
from tests.integration.emulator import emulator, venue_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def prepared(tmp: Path, url: str, name: str) -> dict[str, str]:
    secrets = tmp / name
    key = Account.create().key.hex()
    write_secret(secrets, "wallet__private_key", key)
    env = {**venue_env(url), "UPDOWN_SECRETS_DIR": str(secrets)}
    derive_credentials(load_settings(env=env), secrets)
    return env


async def test_doctor_passes_a_proper_setup_and_names_a_wrong_key_and_a_skewed_clock(tmp_path: Path) -> None:
    with emulator(tmp_path, "--series", "btc-5m", "--no-traders", "--no-chain") as url:
        good = prepared(tmp_path, url, "good")
        other = prepared(tmp_path, url, "other")

        passing = await examine(load_settings(env=good), SystemClock())
        # This wallet's key with the other wallet's API credentials.
        mixed = {**other, "UPDOWN_WALLET__PRIVATE_KEY": (tmp_path / "good" / "wallet__private_key").read_text()}
        wrong_key = await examine(load_settings(env=mixed), SystemClock())
        skewed = ManualClock(SystemClock().now_ms() + 45_000)
        skew = await examine(load_settings(env=good), skewed)

    assert all(c.ok for c in passing), [c.line() for c in passing if not c.ok]
    assert [c.name for c in wrong_key if not c.ok] == ["api credentials"]
    assert "updown keys derive" in next(c for c in wrong_key if not c.ok).fix
    assert [c.name for c in skew if not c.ok] == ["clock"]
