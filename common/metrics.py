"""The Prometheus metrics every worker exports, served on the worker's own port."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, start_http_server

from common.fast_histogram import FastHistogram

#: Handler latency buckets, seconds: 50 µs to 5 s.
HANDLER_BUCKETS_S = (
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0
)  # fmt: skip

PROCESSED = Counter("updown_processed_total", "Entries handled and acked", ["worker", "stream"])
FAILED = Counter("updown_failed_total", "Handler failures (the entry is retried)", ["worker", "stream"])
DEAD_LETTERED = Counter(
    "updown_dead_lettered_total", "Entries moved to a dead-letter stream", ["worker", "stream", "reason"]
)
HANDLER_SECONDS = FastHistogram(
    "updown_handler_seconds", "Time to handle one entry", ["worker", "stream"], buckets=HANDLER_BUCKETS_S
)
CONSUMER_LAG_MS = Gauge(
    "updown_consumer_lag_ms", "Newest entry minus last delivered, by entry time", ["worker", "stream", "group"]
)
CONSUMER_LAG_ENTRIES = Gauge(
    "updown_consumer_lag_entries", "Entries not yet delivered to the group (Redis 7+)", ["worker", "stream", "group"]
)
CONSUMER_PENDING = Gauge(
    "updown_consumer_pending", "Entries delivered but not acked", ["worker", "stream", "group"]
)
CLAIMED = Counter("updown_claimed_total", "Abandoned entries taken over", ["worker", "stream"])
REDIS_RECONNECTS = Counter("updown_redis_reconnects_total", "Redis connection losses survived", ["worker"])
WORKER_STATE = Gauge("updown_worker_state", "1 for the worker's current state", ["worker", "state"])
PUBLISHED = Counter("updown_published_total", "Entries written by a source loop", ["worker", "stream"])
BACKLOG_ENTRIES = Gauge("updown_bus_backlog_entries", "Entries a source holds while Redis cannot be written",
                        ["worker"])  # fmt: skip
BACKLOG_DROPPED = Counter("updown_bus_backlog_dropped_total",
                          "Oldest market data dropped from a full backlog (Redis could not be written)",
                          ["worker"])  # fmt: skip
PUBLISH_FAILURES = Counter("updown_bus_publish_failures_total", "Failed attempts to write a source's entries",
                           ["worker"])  # fmt: skip


def serve(port: int, host: str) -> None:
    """Start the metrics server (port 0: none)."""
    if port:
        start_http_server(port, addr=host)

#: Feed latency buckets, milliseconds: venue stamp to our receive time.
FEED_LAG_BUCKETS_MS = (1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)

FEED_FRAMES = Counter("updown_feed_frames_total", "Frames received", ["worker", "feed"])
FEED_MALFORMED = Counter("updown_feed_malformed_total", "Frames that failed to parse (dead-lettered)",
                         ["worker", "feed"])  # fmt: skip
FEED_EVENTS = Counter("updown_feed_events_total", "Normalized events published", ["worker", "feed", "type"])
FEED_UP = Gauge("updown_feed_up", "1 while the feed's connection is up", ["worker", "feed"])
FEED_GAPS = Counter("updown_feed_gaps_total", "Times the feed went down", ["worker", "feed"])
FEED_RESYNCS = Counter("updown_feed_resyncs_total",
                       "Reconnects forced by a hole in the stream (seq gap, server drops)", ["worker", "feed"])
FEED_GAP_SECONDS = Counter("updown_feed_gap_seconds_total", "Time spent down", ["worker", "feed"])
FEED_LAG_MS = FastHistogram("updown_feed_lag_ms", "Venue timestamp to receive time", ["worker", "feed"],
                        buckets=FEED_LAG_BUCKETS_MS)  # fmt: skip
WINDOWS_MISSING = Counter("updown_windows_missing_total", "Windows not found in time", ["worker", "series"])

RECORD_BYTES = Counter("updown_record_bytes_total", "Compressed bytes the recorder wrote to disk", ["worker"])
RECORD_ENTRIES = Counter("updown_record_entries_total", "Entries the recorder wrote to disk", ["worker", "stream"])
RECORD_DUPLICATES = Counter("updown_record_duplicates_total",
                            "Redelivered entries the recorder had written already (skipped)", ["worker"])  # fmt: skip
RECORD_LOST = Counter("updown_record_lost_total",
                      "Entries trimmed away while the recorder had them pending (not yet on disk)",
                      ["worker", "stream"])  # fmt: skip
