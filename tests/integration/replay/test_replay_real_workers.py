"""Real alpha and quoter processes, fed a recording's market data as fast as it goes (their loops
racing), steered by control commands and a ledger that comes and goes, on the event clock: what
they wrote, recorded, replays with every signal and intent identical."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
import redis
import redis.asyncio as aioredis

from common import state
from common.bus import streams
from common.bus.codec import decode
from common.clock import SYSTEM_CLOCK
from common.runner import control, health
from common.schemas.feed import FeedStatus
from common.schemas.market import MarketRecord
from common.schemas.positions import AccountPosition, MarketPosition
from common.schemas.trace import DecisionTrace  # noqa: F401  (registers the type decoded)
from tests.integration.bus.procs import ROOT, start_worker, stop_all, wait_for
from workers.recorder.files import StreamFiles
from workers.recorder.reading import read_recording
from workers.recorder.records import Record

pytestmark = pytest.mark.integration

FIXTURE = ROOT / "tests" / "fixtures" / "recording"
#: What the two stages read that neither writes: the rest of the pipeline's output, as recorded.
FED = ("ref.", "book.", "markets", "fills", "positions", "rewards", "feeds")
#: The streams each stage reads (each traces where it began to read them).
STARTS = {"alpha": 4, "quoter": 6}
#: A fake ledger's health hash: the quoter trusts positions while it exists.
LEDGER_HEALTH = health.key("ledger-0")
#: Generous: a few thousand entries through two workers on a shared machine.
QUIET_TIMEOUT_S = 120.0
REPLAY_TIMEOUT_S = 300


def started(client: redis.Redis, stage: str, runs: int = 1) -> bool:
    entries = client.xrange(streams.trace(stage))
    return sum(1 for _, f in entries if b"start" in f[b"body"]) >= STARTS[stage] * runs


def keep_state(client: redis.Redis, record: Record) -> None:
    """The hashes discovery, the ledger and the feeds keep beside their streams (a restart reads them)."""
    if record.stream not in (streams.MARKETS, streams.POSITIONS, streams.FEEDS):
        return
    body = decode(record.fields).body
    if isinstance(body, MarketRecord):
        state.put(client, state.MARKETS, body.slug, body)
    elif isinstance(body, MarketPosition):
        state.put(client, state.POSITIONS, body.market, body)
    elif isinstance(body, AccountPosition):
        state.put(client, state.POSITIONS, state.ACCOUNT, body)
    elif isinstance(body, FeedStatus):
        state.put(client, state.FEEDS, body.feed, body)


def replayed(redis_url: str, client: redis.Redis, root: Path) -> str:
    """Record what is in Redis, replay it, and expect every intent identical; the report."""
    record_everything(client, root)
    done = subprocess.run([sys.executable, "-m", "cli.main", "replay", str(root)], cwd=ROOT, capture_output=True,
                          text=True, timeout=REPLAY_TIMEOUT_S)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    intents = client.xlen(streams.intent("btc-updown-60s"))
    assert f"replay: {intents} of {intents} intents identical" in done.stdout, done.stdout
    return done.stdout


def quiet(client: redis.Redis) -> bool:
    """Every group of the two stages has read and acked everything."""
    for stream in (s.decode() for s in client.scan_iter(_type="stream")):
        for group in client.xinfo_groups(stream):
            if group["name"].decode() in ("alpha", "quoter") and (group["pending"] or group.get("lag")):
                return False
    return True


def issue(redis_url: str, action: str, target: str = "*") -> None:
    async def go() -> None:
        client = aioredis.Redis.from_url(redis_url)
        await control.issue(client, action, target=target, issued_by="test", reason="replay test",  # type: ignore[arg-type]
                            clock=SYSTEM_CLOCK)  # fmt: skip
        await client.aclose()

    asyncio.run(go())


def record_everything(client: redis.Redis, root: Path) -> None:
    """What the recorder would have written: every stream, entry by entry, with its id."""
    files = StreamFiles(root, rotate_bytes=64 << 20)
    for stream in sorted(s.decode() for s in client.scan_iter(_type="stream")):
        for entry_id, fields in client.xrange(stream):
            files.append(Record(stream, entry_id.decode(), dict(fields)))
    files.flush()


def test_real_racing_workers_on_the_event_clock_are_replayed_with_every_output_identical(
    redis_url: str, tmp_path: Path
) -> None:
    if not any(FIXTURE.glob("*/*.jsonl.gz")):
        pytest.skip(f"no recording in {FIXTURE}: make it with `make fixture`")
    client = redis.Redis.from_url(redis_url)
    client.hset(LEDGER_HEALTH, mapping={"worker": "ledger", "instance": "ledger-0"})
    workers = [start_worker(stage, redis_url, tmp_path, f"{stage}-0", UPDOWN_RUNNER__CLOCK="event")
               for stage in ("alpha", "quoter")]  # fmt: skip
    wait_for(lambda: started(client, "alpha") and started(client, "quoter"), timeout_s=60, what="both stages reading")
    fed = [r for r in read_recording(FIXTURE, lambda s: s.startswith(FED))]

    for i, r in enumerate(fed):  # as fast as it goes: the stages' loops race
        client.xadd(r.stream, r.fields)
        if i == len(fed) // 4:
            issue(redis_url, "reduce-only")
            client.delete(LEDGER_HEALTH)  # the ledger goes away: positions untrusted
        elif i == len(fed) // 3:
            issue(redis_url, "pause", target="quoter")
        elif i == len(fed) // 2:
            issue(redis_url, "resume", target="quoter")
            issue(redis_url, "resume")
            client.hset(LEDGER_HEALTH, mapping={"worker": "ledger", "instance": "ledger-0"})
    wait_for(lambda: quiet(client), timeout_s=QUIET_TIMEOUT_S, what="both stages done with every entry")
    assert stop_all(workers) == [0, 0]

    print(replayed(redis_url, client, tmp_path / "record"))


def test_a_quoter_killed_and_started_again_is_replayed_run_by_run_with_every_output_identical(
    redis_url: str, tmp_path: Path
) -> None:
    if not any(FIXTURE.glob("*/*.jsonl.gz")):
        pytest.skip(f"no recording in {FIXTURE}: make it with `make fixture`")
    client = redis.Redis.from_url(redis_url)
    client.hset(LEDGER_HEALTH, mapping={"worker": "ledger", "instance": "ledger-0"})
    alpha, quoter = (start_worker(stage, redis_url, tmp_path, f"{stage}-0", UPDOWN_RUNNER__CLOCK="event")
                     for stage in ("alpha", "quoter"))  # fmt: skip
    wait_for(lambda: started(client, "alpha") and started(client, "quoter"), timeout_s=60, what="both stages reading")
    fed = [r for r in read_recording(FIXTURE, lambda s: s.startswith(FED))]

    for i, r in enumerate(fed):
        client.xadd(r.stream, r.fields)
        keep_state(client, r)
        if i == len(fed) // 2:
            wait_for(lambda: quiet(client), timeout_s=QUIET_TIMEOUT_S, what="the quoter done with what it has")
            quoter.kill()  # SIGKILL: no goodbye
            quoter.wait(10)
            quoter = start_worker("quoter", redis_url, tmp_path, "quoter-0", UPDOWN_RUNNER__CLOCK="event")
            wait_for(lambda: started(client, "quoter", runs=2), timeout_s=60, what="the quoter reading again")
    wait_for(lambda: quiet(client), timeout_s=QUIET_TIMEOUT_S, what="both stages done with every entry")
    assert stop_all([alpha, quoter]) == [0, 0]

    report = replayed(redis_url, client, tmp_path / "record")

    runs = {decode(f).body.run_ms for _, f in client.xrange(streams.trace("quoter"))}  # type: ignore[attr-defined]
    assert len(runs) == 2, "the quoter ran twice: each run is replayed from its own start"
    print(report)
