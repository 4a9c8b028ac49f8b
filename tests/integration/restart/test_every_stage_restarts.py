"""Every stage restarts in the middle of a trading run: the whole bot runs against the emulator
until Redis holds what a run leaves there (every state hash with the ledger's account beside its
markets, the streams and their groups, our live orders), then each worker in turn is killed with
SIGKILL and started again, and must come back running and stay up.

The quoter did not: it read the ledger's ``AccountPosition`` in ``state:positions`` as a market,
failed validation at start and crash-looped to FATAL (issue 14, scenario 1).
"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest
import redis
from eth_account import Account

from cli.keys import derive_credentials, write_secret
from common import state
from common.bus import streams
from common.config import load_settings
from common.redis_server import free_port
from common.runner import health
from tests.integration.bus.procs import start_worker, stop_all, wait_for
from tests.integration.emulator import emulator, venue_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]
#: Every stage of a sim run (``executor-paper`` is the paper mode's executor: not part of it).
STAGES = ("hb-producer", "hb-relay", "discovery", "feed-book", "feed-ref", "feed-user", "ledger", "alpha",
          "quoter", "executor", "merger", "rewards", "control", "recorder")  # fmt: skip
#: The quoter's intents of the series run (the bus names ``btc-5m`` ``btc-updown-5m``).
INTENTS = streams.intent("btc-updown-5m")
#: A restarted stage must stay up this long (a setup that fails exits within it).
STAY_UP_S = 4.0


def healthy(client: redis.Redis, instance: str, pid: int) -> bool:
    h = client.hgetall(health.key(instance))
    return bool(h.get(b"pid") == str(pid).encode() and h.get(b"state") == b"running")


def not_yet_left(client: redis.Redis) -> list[str]:
    """What Redis does not hold yet of what a trading run leaves: every state hash (the account
    beside the markets in ``state:positions``), the intents, the executor's reports, fills."""
    fields = {k.decode() for k in client.hkeys(state.POSITIONS)}
    wanted = {"account and markets in state:positions": state.ACCOUNT in fields and len(fields) > 1,
              "state:markets, state:feeds, state:pnl": client.exists(state.MARKETS, state.FEEDS, state.PNL) == 3,
              "intents": client.xlen(INTENTS) > 0, "exec reports": client.xlen(streams.EXEC) > 0,
              "fills": client.xlen(streams.FILLS) > 0}  # fmt: skip
    return [what for what, there in wanted.items() if not there]


@pytest.mark.timeout(900)
def test_every_stage_killed_in_the_middle_of_a_trading_run_comes_back_running(redis_url: str, tmp_path: Path) -> None:
    client = redis.Redis.from_url(redis_url)
    secrets = tmp_path / "secrets"
    with emulator(tmp_path, "--series", "btc-5m", "--seed", "14") as url:
        env = {**venue_env(url), "UPDOWN_SERIES": '["btc-5m"]', "UPDOWN_SECRETS_DIR": str(secrets),
               "UPDOWN_CONTROL__PORT": str(free_port())}  # fmt: skip
        ours = Account.create()
        write_secret(secrets, "wallet__private_key", ours.key.hex())
        derive_credentials(load_settings(env={**env, "UPDOWN_WALLET__PRIVATE_KEY": ours.key.hex()}), secrets)
        ports = {name: str(free_port()) for name in STAGES}

        def start(name: str) -> subprocess.Popen[bytes]:
            return start_worker(name, redis_url, tmp_path, f"{name}-0", UPDOWN_RUNNER__METRICS_PORT=ports[name], **env)

        procs = {name: start(name) for name in STAGES}
        try:
            wait_for(lambda: all(healthy(client, f"{n}-0", p.pid) for n, p in procs.items()), timeout_s=180,
                     what="every stage running")  # fmt: skip
            try:
                wait_for(lambda: not not_yet_left(client), timeout_s=300, what="a trading run's state in Redis")
            except AssertionError:
                raise AssertionError(f"missing after 300 s: {not_yet_left(client)}") from None
            groups = {g["name"] for g in client.xinfo_groups(streams.POSITIONS)}
            assert {b"quoter"} <= groups  # the quoter's group is there: a restart resumes it

            came_back: dict[str, bool] = {}
            for name in STAGES:
                procs[name].send_signal(signal.SIGKILL)
                procs[name].wait(10)
                procs[name] = proc = start(name)
                wait_for(lambda: healthy(client, f"{name}-0", proc.pid) or proc.poll() is not None,  # noqa: B023
                         timeout_s=120, what=f"{name} restarted")  # fmt: skip
                time.sleep(STAY_UP_S)
                came_back[name] = proc.poll() is None and healthy(client, f"{name}-0", proc.pid)
            assert came_back == dict.fromkeys(STAGES, True), came_back
            last = client.xrevrange(INTENTS, count=1)[0][0]
            wait_for(lambda: client.xrevrange(INTENTS, count=1)[0][0] != last, timeout_s=30,
                     what="the restarted quoter deciding again")  # fmt: skip
        finally:
            codes = stop_all(list(procs.values()))

    assert codes == [0] * len(STAGES)
