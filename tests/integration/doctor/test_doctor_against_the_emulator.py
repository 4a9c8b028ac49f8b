"""updown doctor against the real emulator: a proper setup passes; another signer's credentials and
a skewed clock are each named with their fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_account import Account

from cli.keys import derive_credentials, write_secret
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


async def test_a_missing_allowance_is_named_until_the_wallet_approves_the_exchange(tmp_path: Path) -> None:
    from web3 import AsyncHTTPProvider, AsyncWeb3

    from common.chain import FileIntentStore
    from workers.merger.chain import chain_setup, ensure_exchange_approvals

    with emulator(tmp_path, "--series", "btc-5m", "--no-traders") as url:  # with its chain
        env = prepared(tmp_path, url, "wallet")
        settings = load_settings(env={**env, "UPDOWN_MODE": "sim"})

        before = await examine(settings, SystemClock())
        assert settings.wallet.private_key is not None
        w3 = AsyncWeb3(AsyncHTTPProvider(settings.venue.chain_rpc_url))
        store = FileIntentStore(tmp_path / "intents")
        await ensure_exchange_approvals(w3, settings.wallet.private_key, await chain_setup(settings), store,
                                        settings.venue.chain_id)  # fmt: skip
        await w3.provider.disconnect()
        after = await examine(settings, SystemClock())

    failing = [c for c in before if not c.ok]
    assert {c.name for c in failing} == {"collateral allowance", "conditional allowance", "conditional-v2 allowance"}
    assert "pUSD.approve" in next(c.fix for c in failing if c.name == "collateral allowance")
    assert "PositionManager.setApprovalForAll" in next(c.fix for c in failing if c.name == "conditional-v2 allowance")
    assert all(c.ok for c in after), [c.line() for c in after if not c.ok]


async def test_the_ctf_approval_does_not_pass_for_protocol_v2_positions(tmp_path: Path) -> None:
    """V2 positions live on the PositionManager: approving the CTF for the exchange leaves them
    unapproved, and the doctor says so until the PositionManager approves ExchangeV3."""
    import httpx
    import requests
    from web3 import HTTPProvider, Web3

    from tests.integration.emulator import _approve

    with emulator(tmp_path, "--series", "btc-5m", "--no-traders") as url:  # with its chain
        env = prepared(tmp_path, url, "wallet")
        settings = load_settings(env={**env, "UPDOWN_MODE": "sim"})
        assert settings.wallet.private_key is not None
        key = settings.wallet.private_key.get_secret_value()
        info = httpx.get(f"{url}/sim/chain", timeout=10).json()
        with requests.Session() as session:
            w3 = Web3(HTTPProvider(f"{url}/chain/rpc", session=session))
            _approve(w3, {**info, "position_manager": None}, key)  # collateral and the CTF only
            v1_only = await examine(settings, SystemClock())
            _approve(w3, info, key)
        both = await examine(settings, SystemClock())

    assert [c.name for c in v1_only if not c.ok] == ["conditional-v2 allowance"]
    assert all(c.ok for c in both), [c.line() for c in both if not c.ok]
