"""Each source kind through its converter: the entries of one source, in time order."""

from __future__ import annotations

from dataclasses import dataclass

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
class Converted:
    """What the sources give: entries per source, market timelines to merge into one ``markets``."""

    entries: list[list[Entry]]
    timelines: list[Timeline]
    #: Per source, what came of it (printed).
    notes: list[str]

    def markets(self, options: Options) -> list[Entry]:
        return market_entries(self.timelines, options.span, options.series)


def convert(sources: list[Source], options: Options, progress: Progress) -> Converted:
    out = Converted([], [], [])
    captures: list[str] = []
    for source in sources:
        before = sum(map(len, out.entries)), len(out.timelines)
        note = _convert(source, options, progress, out, captures)
        if note is None:
            added = sum(map(len, out.entries)) - before[0], len(out.timelines) - before[1]
            note = f"{added[0]:,} entries" + (f", {added[1]} windows" if added[1] else "")
        out.notes.append(f"{source.path} ({source.kind.value}): {note}")
    if captures:
        series = options.series or ws_capture.CAPTURE_SERIES
        out.entries.append(ws_capture.capture_entries(captures, options.span, series))
        n = len(out.entries[-1])
        out.notes.append(f"{len(captures)} market websocket captures: {n:,} entries on raw.book and book.{series}")
    return out


def _convert(source: Source, options: Options, progress: Progress, out: Converted, captures: list[str]) -> str | None:
    path, kind, span = source.path, source.kind, options.span
    if kind is Kind.CHAINLINK_PRICES:
        if options.asset not in (None, chainlink.ASSET):
            return f"skipped: {chainlink.ASSET} prices, not of {options.series}"
        out.entries.append(chainlink.price_entries(csv_rows(path, progress), span))
    elif kind is Kind.CHAINLINK_MARKETS:
        out.timelines += [chainlink.market_timeline(loads(line)) for line in lines(path, progress)]
    elif kind in (Kind.BBO_MARKET_DATA, Kind.BBO_ORDERBOOK):
        if options.series not in (None, BBO_SERIES):
            return f"skipped: {BBO_SERIES} windows, not of {options.series}"
        parse = market_data_row if kind is Kind.BBO_MARKET_DATA else orderbook_row
        rows = [parse(row) for row in csv_rows(path, progress)]
        out.timelines += bbo.market_timelines(rows)
        out.entries.append(bbo.book_entries(rows, span))
    elif kind is Kind.RTDS:
        assets = rtds.SAMPLE_ASSETS if options.asset is None else (options.asset,)
        out.entries.append(rtds.rtds_entries(lines(path, progress), span, assets))
    elif kind is Kind.WS_MARKET:
        captures.append(path.read_text(encoding="utf-8"))
        return "with the other captures, below"
    else:
        return "skipped: the user channel (another account's orders and trades; fills and orders hold only the bot's)"
    return None
