"""Position ids: the bot's and the emulator's independent implementations, and the real token ids."""

from __future__ import annotations

import gzip
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from common.chain import ids as bot_ids
from sim.chain import ids as sim_ids
from tests.shared_data import SHARED_DATA, needs_shared_data

#: USDC.e on Polygon: the collateral every real position id is derived from (reference §8.3).
USDC_E = "0x2791Bca1f2de4661ED88A30C99A7a9449Aa84174"


@needs_shared_data
def test_position_ids_from_usdc_e_equal_every_real_clob_token_id_of_a_recorded_day() -> None:
    # Arrange
    path = SHARED_DATA / "chainlink" / "BTC-5m-markets-2026-07-24.jsonl.gz"
    with gzip.open(path, "rt") as lines:
        markets = [json.loads(line) for line in lines]

    # Act
    mismatches = [
        market["slug"]
        for market in markets
        if [str(i) for i in bot_ids.binary_position_ids(USDC_E, bytes.fromhex(market["condition_id"][2:]))]
        != [str(t) for t in market["token_ids"]]
    ]

    # Assert
    assert len(markets) > 200
    assert mismatches == []


@settings(max_examples=50)
@given(condition_id=st.binary(min_size=32, max_size=32), index_set=st.sampled_from([1, 2, 3]))
def test_the_bot_and_the_emulator_derive_the_same_position_id(condition_id: bytes, index_set: int) -> None:
    # Act
    bot = bot_ids.position_id(USDC_E, condition_id, index_set)
    emulator = sim_ids.position_id(USDC_E, sim_ids.collection_id(condition_id, index_set))

    # Assert
    assert bot == emulator
