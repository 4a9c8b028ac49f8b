"""Each source kind through its converter: the entries of each source, in time order, taken lazily
(each converter reads and sorts its rows at once, and makes the entries' bodies as they are taken)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from cli.record_import import bbo, chainlink, rtds, ws_capture
from cli.record_import.bbo_rows import BBO_SERIES, market_data_row, orderbook_row
from cli.record_import.discovery import Timeline, market_entries
from cli.record_import.entry import EVERYTHING, Entry, Span
from cli.record_import.sources import Kind, Progress, Source, csv_rows, lines
from common.series import parse_series
from common.venue.convert import loads


@dataclass(frozen=True, slots=True)
class Options:
    span: Span = EVERYTHING
    #: The bus's series key (``btc-updown-5m``) to keep, or None for all.
    series: str | None = None

    @property
    def asset(self) -> str | None:
        return None if self.series is None else parse_series(self.series).asset


@dataclass
class Part:
    """What one source (or all the captures) gives, counted as it is taken."""

    label: str
    entries: Iterator[Entry] = field(default_factory=lambda: iter(()))
    #: Why it gives nothing, or what it gives beside its entries.
    note: str = ""
    taken: int = 0

    def counted(self) -> Iterator[Entry]:
        for entry in self.entries:
            self.taken += 1
            yield entry

    def __str__(self) -> str:
        if self.note.startswith("skipped") or (self.note and not self.taken):
            return f"{self.label}: {self.note.removeprefix(', ')}"
        return f"{self.label}: {self.taken:,} entries{self.note}"


@dataclass
class Converted:
    parts: list[Part] = field(default_factory=list)
    #: Every market's records over time: merged into one ``markets`` stream.
    timelines: list[Timeline] = field(default_factory=list)

    def streams(self, options: Options) -> list[Iterator[Entry]]:
        """Each part's entries and the ``markets`` stream, each in time order (to merge)."""
        markets = Part("markets (discovery)", iter(market_entries(self.timelines, options.span, options.series)))
        self.parts.append(markets)
        return [part.counted() for part in self.parts]


def convert(sources: list[Source], options: Options, progress: Progress) -> Converted:
    out = Converted()
    captures: list[str] = []
    user_captures = 0
    for source in sources:
        if source.kind is Kind.WS_MARKET:
            captures.append(source.path.read_text(encoding="utf-8"))
            continue
        if source.kind is Kind.WS_USER:
            user_captures += 1
            continue
        part = Part(f"{source.path} ({source.kind.value})")
        windows = len(out.timelines)
        _convert(source, options, progress, part, out.timelines)
        if len(out.timelines) > windows:
            part.note += f", {len(out.timelines) - windows} windows (on markets)"
        out.parts.append(part)
    if user_captures:
        out.parts.append(Part(f"{user_captures} user websocket captures", note="skipped: " + ws_capture.USER_SKIPPED))
    if captures:
        series = options.series or ws_capture.CAPTURE_SERIES
        entries = ws_capture.capture_entries(captures, options.span, series)
        out.parts.append(Part(f"{len(captures)} market websocket captures", iter(entries),
                              f" on raw.book and book.{series}"))  # fmt: skip
    return out


def _convert(source: Source, options: Options, progress: Progress, part: Part, timelines: list[Timeline]) -> None:
    path, kind, span = source.path, source.kind, options.span
    if kind is Kind.CHAINLINK_PRICES:
        if options.asset not in (None, chainlink.ASSET):
            part.note = f"skipped: {chainlink.ASSET} prices, not of {options.series}"
        else:
            part.entries = chainlink.price_entries(csv_rows(path, progress), span)
    elif kind is Kind.CHAINLINK_MARKETS:
        timelines += [chainlink.market_timeline(loads(line)) for line in lines(path, progress)]
    elif kind in (Kind.BBO_MARKET_DATA, Kind.BBO_ORDERBOOK):
        if options.series not in (None, BBO_SERIES):
            part.note = f"skipped: {BBO_SERIES} windows, not of {options.series}"
            return
        parse = market_data_row if kind is Kind.BBO_MARKET_DATA else orderbook_row
        rows = [parse(row) for row in csv_rows(path, progress)]
        timelines += bbo.market_timelines(rows)
        part.entries = bbo.book_entries(rows, span)
    elif kind is Kind.RTDS:
        assets = rtds.SAMPLE_ASSETS if options.asset is None else (options.asset,)
        part.entries = rtds.rtds_entries(lines(path, progress), span, assets)
