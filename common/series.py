"""A series: an asset and a window length, and how its windows are named.

``btc`` × 5m / 15m / 1h. Windows are aligned to multiples of their length in unix time, and a
window's slug is ``{asset}-updown-{interval}-{window start in unix seconds}`` (reference §1.2; e.g.
``btc-updown-15m-1767200400``). The 1h series is assumed to follow the same pattern: the reference
documents 5m and 15m only. The bus names a series by its slug prefix (``btc-updown-15m``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a runtime import would make common.config -> common.strategy -> common.series a cycle
    from common.config.settings import Settings

#: Window lengths by the interval word of the slug; any other length is written ``<n>s``
#: (the emulator's short demo windows: ``btc-updown-60s-<T>``).
INTERVAL_S: dict[str, int] = {"5m": 300, "15m": 900, "1h": 3_600, "4h": 14_400}


def interval_seconds(label: str) -> int:
    """Seconds in an interval word: a venue label (``15m``) or ``<n>s``; ValueError otherwise."""
    if label in INTERVAL_S:
        return INTERVAL_S[label]
    if label.endswith("s") and label[:-1].isdigit() and int(label[:-1]) > 0:
        return int(label[:-1])
    raise ValueError(f"unknown interval {label!r}; known: {sorted(INTERVAL_S)} or <seconds>s")


def parse_series(text: str) -> Series:
    """``btc-15m`` (as in the config) or ``btc-updown-15m`` (as on the bus) -> Series."""
    parts = text.strip().lower().split("-")
    if len(parts) == 3 and parts[1] == "updown":
        parts = [parts[0], parts[2]]
    if len(parts) != 2:
        raise ValueError(f"a series is <asset>-<interval> such as btc-15m, not {text!r}")
    return Series(parts[0], parts[1])




@dataclass(frozen=True, slots=True)
class Series:
    """One configured series: asset × window length."""

    asset: str
    interval: str

    def __post_init__(self) -> None:
        interval_seconds(self.interval)
        if not self.asset or not self.asset.isalnum() or self.asset != self.asset.lower():
            raise ValueError(f"asset must be a lower-case symbol such as 'btc', not {self.asset!r}")

    @property
    def key(self) -> str:
        """``btc-updown-15m``: the series key on the bus and the slug prefix."""
        return f"{self.asset}-updown-{self.interval}"

    @property
    def length_s(self) -> int:
        return interval_seconds(self.interval)

    def window_start_s(self, now_ms: int) -> int:
        """Start (unix s) of the window containing ``now_ms``: ``floor(now / length) · length``."""
        return (now_ms // 1000) // self.length_s * self.length_s

    def slug(self, window_start_s: int) -> str:
        if window_start_s % self.length_s:
            raise ValueError(f"{window_start_s} is not aligned to {self.length_s} s")
        return f"{self.key}-{window_start_s}"


def series_keys(settings: Settings) -> list[str]:
    """The configured series as the bus names them (``btc-60s`` in the config -> ``btc-updown-60s``)."""
    return [parse_series(s).key for s in settings.series]


def series_assets(settings: Settings, per_series: bool = False) -> list[str]:
    """The assets of the configured series: distinct and sorted, or one per series in order."""
    assets = [parse_series(s).asset for s in settings.series]
    return assets if per_series else sorted(set(assets))
