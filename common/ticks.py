"""The price grid of a market and the venue client's price/size → amount rounding (reference §5.5).

Prices are multiples of the market's tick inside ``[tick, 1 − tick]``; the tick changes near the
extremes (0.01 → 0.001) and the venue announces it. ``order_amounts`` reproduces
``py-clob-client-v2``'s ``get_order_amounts`` in exact decimal arithmetic (the SDK uses floats,
whose noise its own ``round_up(x, amount_dp + 4)`` step exists to remove).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import Literal

from common.money import MICRO_PER_UNIT, parse_decimal, to_micro

Side = Literal["BUY", "SELL"]


@dataclass(frozen=True, slots=True)
class RoundConfig:
    """Decimals of price, size and amounts for one tick size (the SDK's ``ROUNDING_CONFIG``)."""

    price_dp: int
    size_dp: int
    amount_dp: int


#: Per tick size, as the official clients round (py-clob-client-v2 ``ROUNDING_CONFIG``).
ROUNDING_CONFIG: dict[Decimal, RoundConfig] = {
    Decimal("0.1"): RoundConfig(1, 2, 3),
    Decimal("0.01"): RoundConfig(2, 2, 4),
    Decimal("0.005"): RoundConfig(3, 2, 5),
    Decimal("0.0025"): RoundConfig(4, 2, 6),
    Decimal("0.001"): RoundConfig(3, 2, 5),
    Decimal("0.0001"): RoundConfig(4, 2, 6),
}
#: Every tick size the venue uses.
SUPPORTED_TICKS = frozenset(ROUNDING_CONFIG)


class TickError(ValueError):
    """A tick size the venue does not use, or a price off the grid."""


@dataclass(frozen=True, slots=True)
class TickGrid:
    """The grid of valid prices for one tick size, in integer micro-units of pUSD per share."""

    tick_micro: int

    @classmethod
    def of(cls, tick: str | Decimal) -> TickGrid:
        """The grid for a venue tick size such as ``"0.01"`` (raises on an unknown tick)."""
        value = parse_decimal(tick)
        if value.normalize() not in {t.normalize() for t in SUPPORTED_TICKS}:
            raise TickError(f"unsupported tick size {tick!r}")
        return cls(to_micro(value))

    @property
    def tick(self) -> Decimal:
        return Decimal(self.tick_micro) / MICRO_PER_UNIT

    @property
    def min_price_micro(self) -> int:
        return self.tick_micro

    @property
    def max_price_micro(self) -> int:
        return MICRO_PER_UNIT - self.tick_micro

    def on_grid(self, price_micro: int) -> bool:
        """Whether the price is a multiple of the tick inside ``[tick, 1 − tick]``."""
        return price_micro % self.tick_micro == 0 and self.min_price_micro <= price_micro <= self.max_price_micro

    def floor(self, price_micro: int) -> int:
        """The largest grid multiple at or below the price (not clamped)."""
        return (price_micro // self.tick_micro) * self.tick_micro

    def ceil(self, price_micro: int) -> int:
        """The smallest grid multiple at or above the price (not clamped)."""
        return -((-price_micro) // self.tick_micro) * self.tick_micro

    def bid(self, price_micro: int) -> int | None:
        """A bid rounded toward the passive side (down), or None when below the lowest price."""
        price = min(self.floor(price_micro), self.max_price_micro)
        return price if price >= self.min_price_micro else None

    def ask(self, price_micro: int) -> int | None:
        """An ask rounded toward the passive side (up), or None when above the highest price."""
        price = max(self.ceil(price_micro), self.min_price_micro)
        return price if price <= self.max_price_micro else None


def _quantize(x: Decimal, dp: int, rounding: str) -> Decimal:
    return x.quantize(Decimal(1).scaleb(-dp), rounding=rounding)


def _decimal_places(x: Decimal) -> int:
    exponent = x.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def _fit_amount(x: Decimal, amount_dp: int) -> Decimal:
    if _decimal_places(x) > amount_dp:
        x = _quantize(x, amount_dp + 4, ROUND_CEILING)
        if _decimal_places(x) > amount_dp:
            x = _quantize(x, amount_dp, ROUND_FLOOR)
    return x


def _token_units(x: Decimal) -> int:
    return int(_quantize(x * MICRO_PER_UNIT, 0, ROUND_HALF_EVEN))


def round_config(tick: str | Decimal) -> RoundConfig:
    """The rounding of a tick size (raises ``TickError`` for an unknown tick)."""
    value = parse_decimal(tick).normalize()
    for known, config in ROUNDING_CONFIG.items():
        if known.normalize() == value:
            return config
    raise TickError(f"unsupported tick size {tick!r}")


def order_amounts(side: Side, price: Decimal, size: Decimal, tick: str | Decimal) -> tuple[int, int]:
    """``(makerAmount, takerAmount)`` of a limit order, in 6-decimal token units.

    A BUY gives pUSD (maker) for shares (taker); a SELL gives shares for pUSD. The size is
    truncated to 2 decimals and the price rounded to the tick's decimals, as the client does.
    """
    config = round_config(tick)
    p = _quantize(price, config.price_dp, ROUND_HALF_EVEN)
    shares = _quantize(size, config.size_dp, ROUND_FLOOR)
    cash = _fit_amount(shares * p, config.amount_dp)
    if side == "BUY":
        return _token_units(cash), _token_units(shares)
    return _token_units(shares), _token_units(cash)


def market_order_amounts(side: Side, amount: Decimal, price: Decimal, tick: str | Decimal) -> tuple[int, int]:
    """``(makerAmount, takerAmount)`` of a market (FOK/FAK) order.

    A BUY ``amount`` is pUSD to spend, a SELL ``amount`` is shares; ``price`` is the worst
    acceptable price, rounded down to the tick's decimals (CLOB V2).
    """
    config = round_config(tick)
    p = _quantize(price, config.price_dp, ROUND_FLOOR)
    maker = _quantize(amount, config.size_dp, ROUND_FLOOR)
    taker = _fit_amount(maker / p if side == "BUY" else maker * p, config.amount_dp)
    return _token_units(maker), _token_units(taker)
