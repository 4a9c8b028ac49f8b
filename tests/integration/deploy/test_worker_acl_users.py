"""Every worker runs as its own Redis ACL user (conf/deploy/redis/users.acl, generated from
common/ops/redis_acl.py) against a real redis-server that loads the file: a trading run against the
emulator, the control API steered, and Redis refuses nothing they do; no worker user (nor the
password-less one) may kill or pause clients, flush, reconfigure or stop the server."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from cli.keys import CONTROL_TOKEN, write_secret
from common.ops import redis_acl
from common.redis_server import find_redis_server, free_port
from tests.integration.bus.procs import start_worker, stop_all, wait_for
from tests.integration.emulator import emulator
from tests.integration.executor.harness import wallet_env
from tests.unit.deploy.test_redis_acl import new_secrets, render

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = ROOT / "conf" / "deploy" / "redis" / "users.acl"
#: A user of this test only, to read ACL LOG: the deployment has none like it.
ADMIN = ("acl-test-admin", "acl-test-admin-password")
#: How long a test redis-server gets to accept connections.
START_WAIT_S = 10
#: Every worker of a sim run (the paper executor runs as "executor").
WORKERS = [user.name for user in redis_acl.WORKERS]
#: What a worker user must never do, each as a command line.
FORBIDDEN = [("CLIENT", "KILL", "ID", "1"), ("CLIENT", "PAUSE", "10"), ("FLUSHALL",), ("FLUSHDB",),
             ("CONFIG", "SET", "maxmemory", "1"), ("DEBUG", "SLEEP", "0"), ("SHUTDOWN", "NOSAVE"), ("KEYS", "*"),
             ("MONITOR",), ("ACL", "LIST")]  # fmt: skip


def test_the_acl_template_is_what_the_table_renders() -> None:
    assert TEMPLATE.read_text() == redis_acl.render(), "run: python -m common.ops.redis_acl > " + str(TEMPLATE)


@pytest.fixture
def acl_redis(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """A redis-server with the rendered ACL file (plus this test's admin); its port and the secrets."""
    secrets = tmp_path / "secrets"
    new_secrets.create(secrets)
    acl = tmp_path / "users.acl"
    done = render(secrets, acl)
    assert done.returncode == 0, done.stderr
    acl.write_text(acl.read_text() + f"user {ADMIN[0]} on >{ADMIN[1]} ~* &* +@all\n")
    port = free_port()
    server = subprocess.Popen([find_redis_server().path, "--port", str(port), "--bind", "127.0.0.1", "--aclfile",
                               str(acl), "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + START_WAIT_S
        while True:
            try:
                with redis.Redis(port=port, username="healthcheck", password="-") as probe:
                    probe.ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
        yield port, secrets
    finally:
        server.terminate()
        server.wait(timeout=30)


def as_user(port: int, secrets: Path, user: str) -> redis.Redis:
    return redis.Redis(port=port, username=user, password=(secrets / f"redis_{user}_password").read_text())


def test_no_worker_user_nor_the_passwordless_one_may_stop_blind_or_flush_the_server(
    acl_redis: tuple[int, Path],
) -> None:
    port, secrets = acl_redis
    clients = {user: as_user(port, secrets, user) for user in [*WORKERS, "updown", "fatal-listener"]}
    clients["healthcheck"] = redis.Redis(port=port, username="healthcheck", password="-")

    for user, client in clients.items():
        for command in FORBIDDEN:
            with pytest.raises(redis.exceptions.NoPermissionError):
                client.execute_command(*command)
                pytest.fail(f"{user} may run {' '.join(command)}")
    with pytest.raises(redis.exceptions.AuthenticationError), redis.Redis(port=port) as default:
        default.ping()  # the default user is off
    for client in clients.values():
        client.close()


@pytest.mark.slow
def test_every_worker_runs_as_its_own_user_and_redis_refuses_none_of_its_commands(
    acl_redis: tuple[int, Path], tmp_path: Path
) -> None:
    # Arrange: a trading run against the emulator, every worker connecting as its own user
    port, secrets = acl_redis
    admin = redis.Redis(port=port, username=ADMIN[0], password=ADMIN[1], decode_responses=True)
    admin.execute_command("ACL", "LOG", "RESET")  # the fixture's own start-up probe
    url = f"redis://127.0.0.1:{port}/0"  # no credentials: each worker's come from the secrets directory
    token = "acl-test-token"
    write_secret(secrets, CONTROL_TOKEN, token)
    control_port = free_port()
    with emulator(tmp_path, "--series", "btc-5m", "--seed", "7") as venue:
        env, _ = wallet_env(tmp_path, venue)
        assert env["UPDOWN_SECRETS_DIR"] == str(secrets)
        env["UPDOWN_CONTROL__PORT"] = str(control_port)
        procs = [start_worker(name, url, tmp_path, name, **env) for name in WORKERS]
        try:
            # Act: wait for the whole pipeline to trade, and steer it through the control API
            wait_for(lambda: all(admin.exists(f"health:{name}") for name in WORKERS), 90, "every worker up")
            for stream in ("markets", "book.btc-updown-5m", "ref.btc", "signal.btc-updown-5m",
                           "intent.btc-updown-5m", "exec", "positions", "hb.seen"):  # fmt: skip
                wait_for(lambda s=stream: admin.exists(s) == 1, 120, f"entries on {stream}")
            api = httpx.Client(base_url=f"http://127.0.0.1:{control_port}", timeout=10,
                               headers={"Authorization": f"Bearer {token}"})  # fmt: skip
            for path in ("/health", "/state/positions", "/state/orders", "/report/toxicity", "/page"):
                assert api.get(path).status_code == 200, path
            with api.stream("GET", "/page/events") as events:  # the page's reads, as the control user
                first = next(line for line in events.iter_lines() if line.startswith("event: "))
            assert first == "event: snapshot"
            paused = api.post("/control/pause?target=hb-relay", headers={"Idempotency-Key": "acl-1"})
            again = api.post("/control/pause?target=hb-relay", headers={"Idempotency-Key": "acl-1"})
            resumed = api.post("/control/resume?target=hb-relay")
            api.close()
            assert (paused.status_code, again.status_code, resumed.status_code) == (200, 200, 200)
            time.sleep(5)  # a few more rounds of every loop after the commands
        finally:
            codes = stop_all(procs)

    # Assert: nothing refused, by the server's own record and in the workers' logs
    refused = admin.execute_command("ACL", "LOG")
    admin.close()
    assert refused == [], "\n".join(str(entry) for entry in refused)
    logs = {name: (tmp_path / f"{name}.log").read_text() for name in WORKERS}
    assert not [name for name, text in logs.items() if "NOPERM" in text or "NoPermission" in text]
    assert codes == [0] * len(WORKERS)
