"""What the quoter knows now, across series, and what it reads of it at start."""

from __future__ import annotations

from dataclasses import dataclass, field

from common import state
from common.runner.control import control_mode
from common.runner.spec import Context
from common.schemas.feed import FeedStatus
from common.schemas.market import MarketRecord
from common.schemas.positions import AccountPosition, MarketPosition
from common.schemas.rewards import RewardHintMessage
from common.schemas.signal import Signal
from workers.quoter.core.types import BookTop, MarketMeta, Positions, TradingMode

#: The feed whose loss makes the quoter pull: without it we cannot see our own fills.
USER_FEED = "user"
#: A window's record is dropped this long after the window ended (nothing quotes it any more).
FORGET_AFTER_END_MS = 10 * 60_000


@dataclass
class View:
    """What the quoter knows now, across series."""

    records: dict[str, MarketRecord] = field(default_factory=dict)  # by slug
    series_of_token: dict[str, str] = field(default_factory=dict)
    tops: dict[str, BookTop] = field(default_factory=dict)  # by token id
    positions: dict[str, MarketPosition] = field(default_factory=dict)  # by condition id
    hints: dict[tuple[str, str], RewardHintMessage] = field(default_factory=dict)  # (market, outcome)
    signals: dict[str, Signal] = field(default_factory=dict)  # by series
    last_decision_ms: dict[str, int] = field(default_factory=dict)
    daily_pnl_micro: int = 0
    mode: TradingMode = TradingMode.ACTIVE
    #: False while the user feed is down: blind to our own fills, the quoter wants no orders.
    user_feed_up: bool = True
    #: Whether the ledger has ever published the account (its positions exist at all).
    account_seen: bool = False
    #: Why the ledger's positions cannot be trusted now (``workers.quoter.ledger_watch``); "" if they can.
    positions_stale: str = ""
    #: This flatten was found flat and reported (so the hash is not asked again on every message).
    flat_reported: bool = False


async def load(ctx: Context) -> View:
    """The view a (re)started quoter begins with: every hash a running bot leaves, read by its model."""
    view = View()
    for record in (await state.get_all(ctx.redis, state.MARKETS, MarketRecord)).values():
        remember(view, record, ctx.clock.now_ms())
    view.positions = await state.market_positions(ctx.redis)
    account = await state.account_position(ctx.redis)
    if account is not None:
        see_account(view, account)
    view.mode = TradingMode(await control_mode(ctx.redis))
    user = await state.get(ctx.redis, state.FEEDS, USER_FEED, FeedStatus)
    view.user_feed_up = user is None or user.state == "up"
    return view


def see_account(view: View, account: AccountPosition) -> None:
    view.account_seen = True
    view.daily_pnl_micro = account.realized_pnl_micro + account.unrealized_pnl_micro


def remember(view: View, record: MarketRecord, now_ms: int) -> None:
    """Keep a window's record and its tokens' series; forget windows long over."""
    view.records[record.slug] = record
    for token in record.token_ids:
        view.series_of_token[token] = record.series or ""
    for slug, old in list(view.records.items()):
        if old.window_end_ms is not None and old.window_end_ms + FORGET_AFTER_END_MS < now_ms:
            del view.records[slug]
            for token in old.token_ids:
                view.series_of_token.pop(token, None)


def positions_of(view: View, meta: MarketMeta) -> Positions:
    held = {o.token_id: o for p in view.positions.values() for o in p.outcomes if p.market == meta.condition_id}
    up, down = held.get(meta.up_token_id), held.get(meta.down_token_id)
    other = sum(o.cost_micro for p in view.positions.values() if p.market != meta.condition_id for o in p.outcomes)
    # The ledger's realized PnL leaves fees out (cash + cost moves by realized PnL and fees).
    realized = sum(p.realized_pnl_micro - p.taker_fees_paid_micro for p in view.positions.values()
                   if p.market == meta.condition_id)  # fmt: skip
    return Positions(up_micro=up.shares_micro if up else 0, down_micro=down.shares_micro if down else 0,
                     up_cost_micro=up.cost_micro if up else 0, down_cost_micro=down.cost_micro if down else 0,
                     other_windows_cost_micro=other, daily_pnl_micro=view.daily_pnl_micro,
                     window_realized_micro=realized)  # fmt: skip


def left_to_flatten(view: View, now_ms: int) -> list[str]:
    """Slugs of the open windows still holding more than dust: an unpaired holding or full sets of at
    least the window's minimum order size (less can be neither sold nor merged). Windows over, or
    resolved, are left to resolution and the merger's redeem. Unknown holdings are never flat."""
    if view.positions_stale or not view.account_seen:
        return ["(positions unknown)"]
    open_windows = {r.condition_id: r for r in view.records.values()
                    if r.window_end_ms is None or r.window_end_ms > now_ms}  # fmt: skip
    left = []
    for position in view.positions.values():
        record = open_windows.get(position.market)
        if record is None or position.resolved_winner is not None:
            continue
        shares = [o.shares_micro for o in position.outcomes] + [0, 0]
        unpaired, paired = abs(shares[0] - shares[1]), min(shares[0], shares[1])
        if unpaired >= record.min_size_micro or paired >= record.min_size_micro:
            left.append(record.slug)
    return left
