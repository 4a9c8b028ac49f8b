"""The recorder: every stream, through its own consumer group, to rotating gzip'd JSON-lines files.

A source loop, not a handler: it reads every recorded stream with one XREADGROUP, buffers the
entries, and every ``recorder.flush_interval_s`` (or ``flush_entries`` entries, or at a stop)
writes them to disk (``files.StreamFiles``: one gzip member per file, fsynced) and only then acks
them. A SIGKILL loses nothing (what was not on disk is still pending and read again at start) and
duplicates nothing (the last id on disk per stream is recovered from the files; anything at or
below it is acked without writing). It records whatever the control state: a halt's log is worth
having.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from redis.exceptions import ResponseError

from common import metrics
from common.bus.reader import GroupReader
from common.config.settings import Settings
from common.runner import Context, WorkerSpec, health
from workers.recorder.files import StreamFiles, WriteFailed, delete_older_than
from workers.recorder.records import Record, wanted

#: The recorder's consumer group on every stream.
GROUP = "recorder"
#: A cursor meaning "this stream's pending entries are read; now only new ones".
NEW = ">"
#: Where the recording's state lives across restarts of the loop (``ctx.resources``).
RECORDING = "recording"


def record_root(settings: Settings) -> Path:
    return Path(settings.recorder.dir or Path(settings.data_dir) / "record")


@dataclass
class Recording:
    files: StreamFiles
    #: Per stream: the id after which to read its own pending entries next, or ``NEW``.
    cursors: dict[str, str] = field(default_factory=dict)
    #: Ids to ack once the buffered lines are on disk.
    acks: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    #: Streams found and not recorded (each checked once for a group left by an earlier setting).
    ignored: set[str] = field(default_factory=set)
    entries: int = 0
    lag_entries: int = 0
    lag_ms: int = 0

    def restart(self) -> None:
        """After Redis went away: every stream's own pending entries first again, none to ack."""
        self.cursors = dict.fromkeys(self.cursors, "0")
        self.acks.clear()


async def record(ctx: Context) -> None:
    cfg = ctx.settings.recorder
    rec = _recording(ctx)
    next_scan, next_flush = 0.0, ctx.clock.monotonic() + cfg.flush_interval_s
    try:
        while not ctx.stopping.is_set():
            now = ctx.clock.monotonic()
            if now >= next_scan:
                await _rescan(ctx, rec)
                next_scan = now + cfg.rescan_interval_s
            if rec.cursors:
                await _read(ctx, rec)
            else:
                await ctx.sleep(min(cfg.rescan_interval_s, cfg.flush_interval_s))
            if rec.files.buffered() >= cfg.flush_entries or ctx.clock.monotonic() >= next_flush:
                await _flush(ctx, rec)
                next_flush = ctx.clock.monotonic() + cfg.flush_interval_s
        await _flush(ctx, rec)
    finally:
        # Redis went away: on disk now, acked after the restart's dedupe.
        if ctx.resources.get(RECORDING) is rec:
            try:
                rec.files.flush()
            except WriteFailed:
                del ctx.resources[RECORDING]


def _recording(ctx: Context) -> Recording:
    kept = ctx.resources.get(RECORDING)
    if isinstance(kept, Recording):  # the loop restarted (Redis went away): what it knows of the files holds
        kept.restart()
        return kept
    # First start, or after a failed write: what is on disk is read again.
    rec = ctx.resources[RECORDING] = Recording(
        StreamFiles(record_root(ctx.settings), ctx.settings.recorder.rotate_bytes)
    )
    return rec


async def _rescan(ctx: Context, rec: Recording) -> None:
    """Join the streams that appeared; measure the lag; delete days past retention."""
    cfg = ctx.settings.recorder
    async for raw in ctx.redis.scan_iter(count=1_000, _type="stream"):
        stream = raw.decode() if isinstance(raw, bytes) else str(raw)
        if stream in rec.cursors or stream in rec.ignored:
            continue
        if wanted(stream, cfg.include_prefixes, cfg.exclude_prefixes):
            await _join(ctx, rec, stream)
        else:
            await _leave(ctx, rec, stream)
    lag_entries, lag_ms = 0, 0
    for stream in list(rec.cursors):
        st = await GroupReader(ctx.redis, stream=stream, group=GROUP, consumer=ctx.instance, cfg=ctx.settings.bus,
                               block_ms=0).status()  # fmt: skip
        metrics.CONSUMER_PENDING.labels(ctx.name, stream, GROUP).set(st.pending)
        metrics.CONSUMER_LAG_MS.labels(ctx.name, stream, GROUP).set(st.lag_ms)
        if st.lag_entries is not None:
            metrics.CONSUMER_LAG_ENTRIES.labels(ctx.name, stream, GROUP).set(st.lag_entries)
            lag_entries += st.lag_entries
        lag_ms = max(lag_ms, st.lag_ms)
    rec.lag_entries, rec.lag_ms = lag_entries, lag_ms
    await _report(ctx, rec)
    today = datetime.fromtimestamp(ctx.clock.now_ms() / 1000, UTC).date()
    for day in delete_older_than(rec.files.root, cfg.retention_days, today):
        ctx.log.info("recording_deleted", day=day, retention_days=cfg.retention_days)


async def _join(ctx: Context, rec: Recording, stream: str) -> None:
    try:
        await ctx.redis.xgroup_create(stream, GROUP, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):  # BUSYGROUP: joined in an earlier run
            raise
    last = rec.files.recover(stream)
    rec.cursors[stream] = "0"
    ctx.log.info("recording_stream", stream=stream, last_id_on_disk=f"{last[0]}-{last[1]}")


async def _leave(ctx: Context, rec: Recording, stream: str) -> None:
    """A stream no longer recorded loses our group: its pending entries would hold its trimming back."""
    rec.ignored.add(stream)
    if any(_text(g["name"]) == GROUP for g in await ctx.redis.xinfo_groups(stream)):
        await ctx.redis.xgroup_destroy(stream, GROUP)
        ctx.log.info("recording_stopped", stream=stream, reason="excluded by recorder.include/exclude_prefixes")


async def _read(ctx: Context, rec: Recording) -> None:
    count = ctx.settings.recorder.read_count
    own = {s: c for s, c in rec.cursors.items() if c != NEW}
    try:
        if own:  # entries read before a crash and not acked: first, in order
            reply = await ctx.redis.xreadgroup(GROUP, ctx.instance, own, count=count)
        else:
            reply = await ctx.redis.xreadgroup(GROUP, ctx.instance, {s: NEW for s in rec.cursors}, count=count,
                                               block=ctx.settings.redis.block_ms)  # fmt: skip
    except ResponseError as exc:
        if "NOGROUP" not in str(exc):
            raise
        # A stream was deleted (or Redis lost its data): write what we hold, then join afresh.
        ctx.log.warning("recorded_stream_vanished", error=str(exc))
        await _flush(ctx, rec)
        for stream in list(rec.cursors):
            rec.files.forget(stream)
        rec.cursors.clear()
        await _rescan(ctx, rec)
        return
    seen = set()
    for raw_stream, entries in _pairs(reply):
        stream = raw_stream.decode() if isinstance(raw_stream, bytes) else str(raw_stream)
        seen.add(stream)
        if own and stream in own:
            if not entries:
                rec.cursors[stream] = NEW
                continue
            rec.cursors[stream] = _text(entries[-1][0])
        for raw_id, fields in entries:
            _take(ctx, rec, stream, _text(raw_id), fields)
    for stream in own:
        if stream not in seen:
            rec.cursors[stream] = NEW


def _take(ctx: Context, rec: Recording, stream: str, entry_id: str, fields: Any) -> None:
    rec.acks[stream].append(entry_id)
    if not fields:  # trimmed away while pending
        metrics.RECORD_LOST.labels(ctx.name, stream).inc()
        ctx.log.warning("recorded_entry_trimmed", stream=stream, id=entry_id)
        return
    record = Record(stream, entry_id, dict(fields))
    if rec.files.is_duplicate(record):
        metrics.RECORD_DUPLICATES.labels(ctx.name).inc()
        return
    rec.files.append(record)
    rec.entries += 1
    metrics.RECORD_ENTRIES.labels(ctx.name, stream).inc()


async def _flush(ctx: Context, rec: Recording) -> None:
    """Buffered lines to disk (fsynced), then their acks: never an ack before the bytes are down."""
    before = rec.files.bytes_written
    try:
        rec.files.flush()
    except WriteFailed as exc:
        # Nothing is acked: the entries stay pending in Redis and are written once the disk takes
        # them, after the files are read again (a torn member cut off).
        ctx.log.critical("recording_write_failed", dir=str(rec.files.root), error=str(exc))
        ctx.resources.pop(RECORDING, None)
        raise
    metrics.RECORD_BYTES.labels(ctx.name).inc(rec.files.bytes_written - before)
    if not rec.acks:
        return
    pipe = ctx.redis.pipeline(transaction=False)
    for stream, ids in rec.acks.items():
        pipe.xack(stream, GROUP, *ids)
    await pipe.execute()
    rec.acks.clear()


async def _report(ctx: Context, rec: Recording) -> None:
    pipe = ctx.redis.pipeline(transaction=True)
    pipe.hset(health.key(ctx.instance), mapping={
        "record_streams": len(rec.cursors), "record_entries": rec.entries,
        "record_bytes": rec.files.bytes_written, "record_lag_entries": rec.lag_entries,
        "record_lag_ms": rec.lag_ms,
    })  # fmt: skip
    pipe.pexpire(health.key(ctx.instance), ctx.settings.runner.health_ttl_s * 1000)
    await pipe.execute()


def _pairs(reply: Any) -> list[tuple[Any, list[tuple[Any, Any]]]]:
    """XREADGROUP's reply (RESP2, as ``connect`` speaks) as (stream, entries) pairs."""
    return [(s, e) for s, e in (reply or [])]


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


SPEC = WorkerSpec(name="recorder", source=record)
