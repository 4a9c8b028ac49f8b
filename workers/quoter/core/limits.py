"""Risk limits: what blocks quoting altogether, and the room left for new orders.

Position room is per outcome in this window; exposure room is pUSD over all windows (held cost plus
every desired bid). In REDUCE_ONLY only the short outcome of an unpaired holding may be bought, and
no more of it than the unpaired amount: a fill can then only shrink ``|Up − Down|`` (the full sets
it makes are merged back into collateral).

The window loss limit bounds what the window can lose if every unpaired share loses at resolution
(``Positions.worst_window_pnl_micro``). Each outcome's bids are judged as if they all filled and the
other outcome's none (the worst case: a fill of the other side pairs and only lowers the loss): the
shares that pair the other outcome's excess are free (each lowers the worst loss), every share
beyond them costs its price from the room left under the limit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from common.money import MICRO_PER_UNIT
from common.strategy.quoter import QuoterConfig
from workers.quoter.core.types import Outcome, Positions, QuoterInputs, TradingMode

#: A ladder rung: (outcome, level, price, size).
Rung = tuple[Outcome, int, int, int]
#: Regimes in which the alpha says not to quote at all.
NO_QUOTE_REGIMES = frozenset({"STALE_ORACLE", "HALTED"})


def blocked_reason(inputs: QuoterInputs, config: QuoterConfig) -> str | None:
    """Why nothing at all may be wanted (None when trading is allowed)."""
    if inputs.mode is TradingMode.HALTED:
        return "halted"
    if inputs.positions.daily_pnl_micro <= -config.daily_loss_limit_micro:
        return "daily_loss_limit"
    if inputs.now_ms >= inputs.market.window_end_ms:
        return "window_ended"
    return None


def maker_blocked_reason(inputs: QuoterInputs) -> str | None:
    """Why no resting quotes are wanted even though takers may still pair a holding."""
    signal = inputs.signal
    if signal.regime in NO_QUOTE_REGIMES:
        return signal.regime.lower()
    if signal.slug != inputs.market.slug:
        return "signal_for_another_window"
    if inputs.now_ms >= signal.valid_until_ms:
        return "signal_expired"
    if signal.size_factor_ppm <= 0:
        return "size_factor_zero"
    return None


class Budget:
    """Room left for new orders; every granted order is deducted."""

    __slots__ = ("_exposure", "_loss_room", "_min_size", "_pairing", "_position", "_quantum")

    def __init__(self, positions: Positions, mode: TradingMode, config: QuoterConfig, min_size_micro: int,
                 stale: bool = False) -> None:  # fmt: skip
        held_cost = positions.up_cost_micro + positions.down_cost_micro + positions.other_windows_cost_micro
        self._exposure = max(0, config.max_total_exposure_micro - held_cost)
        self._position = {
            o: max(0, config.max_window_position_micro - positions.held(o)) for o in (Outcome.UP, Outcome.DOWN)
        }
        if mode.reducing:
            excess = positions.excess_up_micro
            self._position[Outcome.UP] = min(self._position[Outcome.UP], max(0, -excess))
            self._position[Outcome.DOWN] = min(self._position[Outcome.DOWN], max(0, excess))
        if stale:  # the holdings are unknown: no buy can be known to reduce them
            self._position = {Outcome.UP: 0, Outcome.DOWN: 0}
        self._min_size = min_size_micro
        self._quantum = config.size_quantum_micro
        excess = positions.excess_up_micro
        #: Shares of each outcome that pair the other's excess (they lower the worst-case loss).
        self._pairing = {Outcome.UP: max(0, -excess), Outcome.DOWN: max(0, excess)}
        #: pUSD each outcome's unpaired bids may still put at risk; None: no window loss limit.
        self._loss_room: dict[Outcome, int] | None = None
        if config.window_loss_limit_usd > 0:
            room = max(0, config.window_loss_limit_usd * MICRO_PER_UNIT + positions.worst_window_pnl_micro)
            self._loss_room = {Outcome.UP: room, Outcome.DOWN: room}

    @property
    def loss_limited(self) -> bool:
        """Whether the window loss limit leaves no room beyond pairing on either outcome."""
        return self._loss_room is not None and not any(self._loss_room.values())

    def _loss_cap(self, outcome: Outcome, price_micro: int) -> int | None:
        """The most shares of ``outcome`` at ``price_micro`` the window loss limit allows (None: no limit)."""
        if self._loss_room is None or price_micro <= 0:
            return None
        return self._pairing[outcome] + self._loss_room[outcome] * MICRO_PER_UNIT // price_micro

    def _spend_loss(self, outcome: Outcome, price_micro: int, size_micro: int) -> None:
        if self._loss_room is None:
            return
        paired = min(size_micro, self._pairing[outcome])
        self._pairing[outcome] -= paired
        at_risk = -(-(size_micro - paired) * price_micro // MICRO_PER_UNIT)
        self._loss_room[outcome] = max(0, self._loss_room[outcome] - at_risk)

    @property
    def exposure_micro(self) -> int:
        """pUSD still allowed at risk."""
        return self._exposure

    def room(self, outcome: Outcome, price_micro: int) -> int:
        """The largest size (quantized) that fits both the position and the exposure room."""
        size = self._position[outcome]
        by_cash = self._exposure * MICRO_PER_UNIT // price_micro if price_micro > 0 else size
        if by_cash < size:
            size = by_cash
        by_loss = self._loss_cap(outcome, price_micro)
        if by_loss is not None and by_loss < size:
            size = by_loss
        return size - size % self._quantum

    def take(self, outcome: Outcome, price_micro: int, size_micro: int) -> int:
        """Grant up to ``size_micro`` (0 if what fits is below the minimum size) and deduct it."""
        granted = size_micro - size_micro % self._quantum
        room = self.room(outcome, price_micro)
        if room < granted:
            granted = room
        if granted < self._min_size:
            return 0
        self._position[outcome] -= granted
        self._exposure -= -(-granted * price_micro // MICRO_PER_UNIT)
        self._spend_loss(outcome, price_micro, granted)
        return granted

    def allocate(self, rungs: Sequence[Rung], reward_sizes: Mapping[Outcome, int]) -> list[Rung]:
        """Grant ladder rungs ``(outcome, level, price, size)`` in order, as ``take`` would one by one
        (inlined: this runs on every event); returns the granted rungs with their granted sizes.

        Level 0 of an outcome in ``reward_sizes`` gets the reward minimum when all of it fits, and
        its ordinary size otherwise: a hint is followed only inside the limits.
        """
        exposure, quantum, min_size = self._exposure, self._quantum, self._min_size
        up_room, down_room = self._position[Outcome.UP], self._position[Outcome.DOWN]
        granted = []
        for outcome, level, price, size in rungs:
            is_up = outcome is Outcome.UP
            room = up_room if is_up else down_room
            if price > 0 and exposure * MICRO_PER_UNIT // price < room:
                room = exposure * MICRO_PER_UNIT // price
            by_loss = self._loss_cap(outcome, price)
            if by_loss is not None and by_loss < room:
                room = by_loss
            room -= room % quantum
            if level == 0 and reward_sizes:
                wanted = reward_sizes.get(outcome, 0)
                if wanted > size and room >= wanted:
                    size = wanted
            size -= size % quantum
            if size > room:
                size = room
            if size < min_size:
                continue
            if is_up:
                up_room -= size
            else:
                down_room -= size
            exposure -= -(-size * price // MICRO_PER_UNIT)
            self._spend_loss(outcome, price, size)
            granted.append((outcome, level, price, size))
        self._exposure = exposure
        self._position[Outcome.UP], self._position[Outcome.DOWN] = up_room, down_room
        return granted

    def stop(self, outcome: Outcome) -> None:
        """No more of ``outcome`` in this decision."""
        self._position[outcome] = 0
