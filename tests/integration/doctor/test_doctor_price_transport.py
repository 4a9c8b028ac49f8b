"""updown doctor says which price transport is live: it connects, authenticates (PolyBolt) and
receives one message of each channel from the emulator; refused credentials fail with a fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.config import load_settings
from common.doctor.prices import price_transport
from tests.integration.doctor.test_doctor_against_the_emulator import prepared
from tests.integration.emulator import emulator

pytestmark = [pytest.mark.integration, pytest.mark.slow]


async def test_the_doctor_names_the_live_price_transport(tmp_path: Path) -> None:
    with emulator(tmp_path, "--series", "btc-5m", "--no-traders", "--no-chain") as url:
        env = {**prepared(tmp_path, url, "good"), "UPDOWN_SERIES": '["btc-5m"]'}
        on_polybolt = await price_transport(load_settings(env={**env, "UPDOWN_FEED_REF__TRANSPORT": "polybolt"}))
        on_rtds = await price_transport(load_settings(env={**env, "UPDOWN_FEED_REF__TRANSPORT": "rtds"}))
        refused = await price_transport(load_settings(env={**env, "UPDOWN_WALLET__API_KEY": "nobody"}))

    assert on_polybolt.ok, on_polybolt.line()
    assert on_polybolt.detail.startswith("polybolt live: price.crypto, price.crypto.twap (btc)")
    assert on_rtds.ok and on_rtds.detail.startswith("rtds live:"), on_rtds.line()
    assert not refused.ok and "auth_invalid" in refused.detail and refused.fix
