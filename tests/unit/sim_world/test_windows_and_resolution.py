"""Windows: creation ahead of time, deterministic ids, strikes, and resolution by each rule."""

from __future__ import annotations

import gzip
import json

from sim.world.config import E18, ResolutionRule, SeriesConfig, WorldConfig
from sim.world.feeds import AssetFeeds
from sim.world.windows import DOWN, UP, ActionKind, SeriesSchedule
from sim.world.world import World
from tests.shared_data import SHARED_DATA, needs_shared_data
from tests.unit.sim_world.test_prices_and_feeds import PER_SECOND, TablePath

START_MS = 1_790_000_100_000


def _drive(schedule: SeriesSchedule, feeds: AssetFeeds, until_s: int, from_s: int):
    actions = []
    for s in range(from_s, until_s + 1):
        feeds.advance(s * 1000)
        actions.extend(schedule.advance(s, feeds))
    return actions


def test_the_current_window_and_the_next_two_exist_from_the_start_with_venue_slugs():
    world = World(WorldConfig(series=(SeriesConfig("btc", 900),)), START_MS)

    actions = world.advance(START_MS).actions

    created = [a.window.slug for a in actions if a.kind is ActionKind.CREATE]
    current = START_MS // 1000 // 900 * 900
    assert created == [f"btc-updown-15m-{current + k * 900}" for k in range(3)]


def test_a_non_standard_length_is_labelled_in_seconds():
    world = World(WorldConfig(series=(SeriesConfig("btc", 60),)), START_MS)

    slugs = [w.slug for w in world.windows()] or [a.window.slug for a in world.advance(START_MS).actions]

    assert all(s.startswith("btc-updown-60s-") for s in slugs)


def test_the_same_seed_gives_the_same_ids_and_another_seed_other_ids():
    def ids(seed: int):
        world = World(WorldConfig(seed=seed), START_MS)
        return [(a.window.slug, a.window.ids) for a in world.advance(START_MS).actions]

    first, again, other = ids(1), ids(1), ids(2)

    assert first == again
    assert [s for s, _ in first] == [s for s, _ in other]
    assert [i.condition_id for _, i in first] != [i.condition_id for _, i in other]
    up, down = first[0][1].token_ids
    assert up.isdigit() and down.isdigit() and up != down and int(up) < 2**256
    assert len(first[0][1].condition_id) == 66


def _schedule_with(table: dict[int, int], rule: ResolutionRule, window_s: int = 120):
    series = SeriesConfig("btc", window_s, rule=rule, resolution_delay_s=10)
    feeds = AssetFeeds("btc", TablePath(table), PER_SECOND, seed=0, now_ms=1_000_000, warmup_s=200)
    return SeriesSchedule(series, seed=0, keep_s=3600), feeds


def test_a_window_whose_twap_ends_exactly_at_its_strike_resolves_up():
    # Arrange: the window [1080, 1200) starts flat at 60,000; its last minute averages exactly
    # 60,000 (30 s at 61,000 then 30 s at 59,000), so the TWAPs tie while the spot price ends lower.
    table = {s: 60_000 * E18 for s in range(0, 2000)}
    for s in range(1141, 1171):
        table[s] = 61_000 * E18
    for s in range(1171, 1201):
        table[s] = 59_000 * E18
    schedule, feeds = _schedule_with(table, ResolutionRule.TWAP)

    # Act
    actions = _drive(schedule, feeds, until_s=1200 + 20, from_s=1000)

    # Assert
    window = schedule.windows[1080]
    assert window in [a.window for a in actions if a.kind is ActionKind.RESOLVE]
    assert window.strike_e18 == window.final_e18 == 60_000 * E18
    assert feeds.value_at_or_before(1200) < window.strike_e18
    assert window.winner == UP


def test_a_twap_one_unit_below_the_strike_resolves_down_and_the_next_strike_is_this_final():
    table = {s: 60_000 * E18 for s in range(0, 2000)}
    table[1200] = 60_000 * E18 - 60  # lowers TWAP60(1200) by exactly one unit
    schedule, feeds = _schedule_with(table, ResolutionRule.TWAP)

    _drive(schedule, feeds, until_s=1200 + 20, from_s=1000)

    window, following = schedule.windows[1080], schedule.windows[1200]
    assert window.final_e18 == window.strike_e18 - 1
    assert window.winner == DOWN
    assert following.strike_e18 == window.final_e18


def test_resolution_waits_for_the_delay_after_the_end():
    table = {s: 60_000 * E18 for s in range(0, 2000)}
    schedule, feeds = _schedule_with(table, ResolutionRule.TWAP)

    actions = _drive(schedule, feeds, until_s=1200 + 9, from_s=1000)
    assert schedule.windows[1080].closed
    assert not schedule.windows[1080].resolved
    assert not [a for a in actions if a.kind is ActionKind.RESOLVE and a.window.start_s == 1080]

    _drive(schedule, feeds, until_s=1200 + 10, from_s=1200 + 10)
    assert schedule.windows[1080].winner == UP


def test_the_spot_rule_compares_the_last_reports_at_the_boundaries():
    table = {s: 60_000 * E18 for s in range(0, 2000)}
    table[1200] = 60_000 * E18 - 1  # one unit down at the end second
    schedule, feeds = _schedule_with(table, ResolutionRule.SPOT)

    _drive(schedule, feeds, until_s=1200 + 20, from_s=1000)

    window = schedule.windows[1080]
    assert window.strike_e18 == 60_000 * E18
    assert window.final_e18 == 60_000 * E18 - 1
    assert window.winner == DOWN


PRICES = SHARED_DATA / "chainlink" / "BTCUSD-prices-2026-06-08.csv.gz"
MARKETS = SHARED_DATA / "chainlink" / "BTC-5m-markets-2026-06-08.jsonl.gz"


@needs_shared_data
def test_replaying_2026_06_08_with_the_spot_rule_reproduces_the_real_outcomes():
    # Arrange: the emulator's clock is the file's own time, 5-minute windows, the spot rule.
    cfg = WorldConfig(
        series=(SeriesConfig("btc", 300, rule=ResolutionRule.SPOT),), price_file=PRICES, replay_offset_s=0
    )
    first_s = 1_780_876_800
    world = World(cfg, first_s * 1000)
    real = {}
    with gzip.open(MARKETS, "rt") as fh:
        for line in fh:
            m = json.loads(line)
            if m["resolved"] and first_s <= m["start_sec"] and m["end_sec"] < first_s + 86_400:
                real[m["slug"]] = UP if m["outcome_prices"] == ["1", "0"] else DOWN

    # Act
    ours = {}
    for now_s in range(first_s, first_s + 86_400 + 90, 5):
        for action in world.advance(now_s * 1000).actions:
            if action.kind is ActionKind.RESOLVE:
                ours[action.window.slug] = action.window.winner

    # Assert
    matched = sum(1 for slug, winner in real.items() if ours.get(slug) == winner)
    assert len(real) >= 285
    assert matched >= 285
