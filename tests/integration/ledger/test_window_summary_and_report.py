"""A window traded, resolved and reported: the ledger's summary of a real emulator window on
``positions`` and in ``state:pnl``, and ``updown report`` printing it from Redis once the workers
have stopped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from eth_account import Account

from cli.keys import derive_credentials, write_secret
from common import state
from common.bus import streams
from common.bus.codec import decode
from common.config import load_settings
from common.schemas.positions import WindowSummary
from tests.integration.bus.procs import ROOT, start_worker, stop_all, wait_for
from tests.integration.emulator import emulator, venue_env
from tests.integration.ledger.test_ledger_against_the_emulator import client_for, post
from tests.integration.windows import open_window

pytestmark = [pytest.mark.integration, pytest.mark.slow]
#: Short windows (resolved 3 s after they end) so that one resolves within the test.
WINDOW_S = 10
#: Time left in a window for the test to trade in it.
TRADE_TIME_S = 5


def test_a_traded_window_resolves_into_a_summary_that_updown_report_prints_after_the_run(
    redis_url: str, tmp_path: Path
) -> None:
    client = redis.Redis.from_url(redis_url)
    secrets = tmp_path / "secrets"
    with emulator(tmp_path, "--series", f"btc-{WINDOW_S}s", "--rule", "spot", "--no-traders", "--no-chain",
                  "--seed", "5") as url:  # fmt: skip
        env = {**venue_env(url), "UPDOWN_SERIES": f'["btc-{WINDOW_S}s"]', "UPDOWN_SECRETS_DIR": str(secrets)}
        ours = Account.create()
        write_secret(secrets, "wallet__private_key", ours.key.hex())
        derive_credentials(load_settings(env={**env, "UPDOWN_WALLET__PRIVATE_KEY": ours.key.hex()}), secrets)
        workers = [start_worker(name, redis_url, tmp_path, f"{instance}-0", **env)
                   for name, instance in (("discovery", "discovery"), ("feed-user", "feed-user"),
                                          ("workers.ledger.worker:SPEC", "ledger"))]  # fmt: skip
        try:
            wait_for(lambda: client.hexists("state:ledger", "initial_cash_micro"), timeout_s=30, what="the ledger")

            window = open_window(client, lasting_s=TRADE_TIME_S)
            up, down = window.token_ids
            me, other = client_for(url, ours.key.hex()), client_for(url, Account.create().key.hex())
            post(me, up, 0.40, 10)
            post(other, down, 0.60, 5, rest=False)  # our maker BUY Up 5 @ 0.40

            def summary() -> WindowSummary | None:
                raw = client.hget(state.PNL, window.slug)
                found = None if raw is None else WindowSummary.model_validate_json(raw)
                return found if found is not None and found.winner is not None else None

            wait_for(lambda: summary() is not None, timeout_s=40, what="the window's resolution")
        finally:
            assert stop_all(workers) == [0] * len(workers)

    resolved = summary()
    assert resolved is not None and resolved.fills == 1 and resolved.volume_micro == 2_000_000
    expected_pnl = 5_000_000 - 2_000_000 if resolved.winner == "Up" else -2_000_000
    assert resolved.realized_pnl_micro == expected_pnl
    on_stream = [decode(f).body for _, f in client.xrange(streams.POSITIONS)]
    assert [s.slug for s in on_stream if isinstance(s, WindowSummary)].count(window.slug) == 1

    # What `updown report` runs (its entry in cli.main.COMMANDS is the lead's to add).
    command = "import sys; from cli.report import main; sys.exit(main(sys.argv[1:]))"
    report = subprocess.run([sys.executable, "-c", command], cwd=ROOT, capture_output=True, text=True,
                            env=dict(os.environ, REDIS_URL=redis_url), timeout=30)  # fmt: skip
    assert report.returncode == 0, report.stderr
    row = next(line.split() for line in report.stdout.splitlines() if line.startswith(window.slug))
    assert row[1:3] == [resolved.winner, "0"] and row[5:7] == ["1", "2.00"]
    assert any(line.startswith("TOTAL") for line in report.stdout.splitlines())
