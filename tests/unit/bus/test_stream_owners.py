"""Each stream that is trimmed by its writer has a writer that declares it (and so trims it)."""

from __future__ import annotations

from common.bus import streams
from common.config import load_settings
from common.series import series_keys
from workers.registry import load

SETTINGS = load_settings(env={"UPDOWN_SERIES": '["btc-15m"]'})


def written(name: str) -> list[str]:
    settings = SETTINGS
    return [s for names in load(name).writes for s in ([names] if isinstance(names, str) else names(settings))]


def test_the_quoter_declares_its_intent_streams_so_that_it_trims_them() -> None:
    assert written("quoter") == [streams.intent(key) for key in series_keys(SETTINGS)]


def test_every_money_stream_has_a_writer_that_trims_it() -> None:
    owners = {s: w for w in ("discovery", "feed-user", "executor", "ledger", "merger", "rewards") for s in written(w)}

    assert {streams.FILLS, streams.ORDERS, streams.EXEC, streams.POSITIONS, streams.INVENTORY, streams.REWARDS,
            streams.MARKETS} <= owners.keys()  # fmt: skip
