"""Builders and hypothesis strategies for quoter inputs."""

from __future__ import annotations

from hypothesis import strategies as st

from common.schemas.signal import Signal
from workers.quoter.core import Books, BookTop, MarketMeta, Outcome, Positions, QuoterInputs, RewardHint, TradingMode

NOW_MS = 1_780_000_000_000
END_MS = NOW_MS + 600_000
TICKS_MICRO = (10_000, 1_000, 5_000, 2_500)


def make_signal(
    q_up_ppm: int = 500_000,
    target_total_micro: int = 960_000,
    regime: str = "NORMAL",
    size_factor_ppm: int = 1_000_000,
    flags: tuple[str, ...] = (),
    fast_move: int = 0,
) -> Signal:
    return Signal(
        series="btc-15m", slug="btc-updown-15m-1", window_end_ms=END_MS, computed_ms=NOW_MS,
        valid_until_ms=NOW_MS + 2_000, regime=regime, flags=flags, q_up_ppm=q_up_ppm,
        target_total_micro=target_total_micro, size_factor_ppm=size_factor_ppm, vol_ppb=60_000,
        vol_fast_ppb=60_000, settlement_sd_micro=50_000_000, time_to_end_ms=END_MS - NOW_MS,
        fast_move=fast_move,
    )  # fmt: skip


def make_market(tick_micro: int = 10_000, rewards: bool = False) -> MarketMeta:
    return MarketMeta(
        series="btc-15m", slug="btc-updown-15m-1", condition_id="0xc0",
        up_token_id="111", down_token_id="222",
        tick_micro=tick_micro, window_end_ms=END_MS, rewards_enabled=rewards,
        reward_min_size_micro=50_000_000 if rewards else 0, reward_max_spread_micro=45_000 if rewards else 0,
    )  # fmt: skip


def make_inputs(signal: Signal | None = None, market: MarketMeta | None = None, books: Books | None = None,
                positions: Positions | None = None, mode: TradingMode = TradingMode.ACTIVE,
                hints: tuple = ()) -> QuoterInputs:  # fmt: skip
    return QuoterInputs(
        now_ms=NOW_MS, signal=signal or make_signal(), market=market or make_market(),
        books=books or Books(BookTop(480_000, 520_000, 100_000_000, 100_000_000),
                             BookTop(480_000, 520_000, 100_000_000, 100_000_000)),
        positions=positions or Positions(), mode=mode, hints=hints,
    )  # fmt: skip


@st.composite
def book_tops(draw: st.DrawFn, tick_micro: int) -> BookTop:
    n = 1_000_000 // tick_micro
    bid = draw(st.one_of(st.none(), st.integers(1, n - 2)))
    ask = draw(st.one_of(st.none(), st.integers((bid or 0) + 1, n - 1)))
    size = st.integers(0, 500).map(lambda s: s * 1_000_000)
    return BookTop(None if bid is None else bid * tick_micro, None if ask is None else ask * tick_micro,
                   draw(size), draw(size))  # fmt: skip


@st.composite
def positions(draw: st.DrawFn) -> Positions:
    up, down = draw(st.integers(0, 300)), draw(st.integers(0, 300))
    up_avg, down_avg = draw(st.integers(10_000, 990_000)), draw(st.integers(10_000, 990_000))
    return Positions(up * 1_000_000, down * 1_000_000, up * up_avg, down * down_avg,
                     other_windows_cost_micro=draw(st.integers(0, 400)) * 1_000_000,
                     daily_pnl_micro=draw(st.integers(-100, 100)) * 1_000_000)  # fmt: skip


@st.composite
def reward_hints(draw: st.DrawFn) -> RewardHint:
    return RewardHint(
        outcome=draw(st.sampled_from([Outcome.UP, Outcome.DOWN])),
        min_size_micro=draw(st.integers(0, 200)) * 1_000_000,
        max_spread_micro=draw(st.integers(0, 60_000)),
        midpoint_micro=draw(st.one_of(st.integers(0, 1_000_000), st.integers(400_000, 600_000))),
    )


@st.composite
def quoter_inputs(draw: st.DrawFn, mode: st.SearchStrategy[TradingMode] | None = None) -> QuoterInputs:
    tick = draw(st.sampled_from(TICKS_MICRO))
    signal = make_signal(
        q_up_ppm=draw(st.integers(1, 999_999)),
        target_total_micro=draw(st.integers(900_000, 990_000)),
        regime=draw(st.sampled_from(["NORMAL", "NORMAL", "VOLATILE", "STALE_LEAD", "ENDGAME"])),
        size_factor_ppm=draw(st.sampled_from([250_000, 500_000, 1_000_000])),
        fast_move=draw(st.sampled_from([0, 0, 1, -1])),
    )
    return make_inputs(
        signal=signal, market=make_market(tick, rewards=draw(st.booleans())),
        books=Books(draw(book_tops(tick)), draw(book_tops(tick))), positions=draw(positions()),
        mode=draw(mode if mode is not None else st.just(TradingMode.ACTIVE)),
        hints=tuple(draw(st.lists(reward_hints(), max_size=2))),
    )  # fmt: skip
