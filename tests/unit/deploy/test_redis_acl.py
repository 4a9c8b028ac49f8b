"""The Redis ACL template: new_secrets.py makes a password per user, render_acl.sh hashes them into
a file Redis loads, and a real redis-server then lets each user do its job and nothing else."""

import hashlib
import importlib.util
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from common.redis_server import find_redis_server, free_port
from tests.unit.deploy.tools import ROOT

RENDER = ROOT / "conf" / "deploy" / "redis" / "render_acl.sh"
TEMPLATE = ROOT / "conf" / "deploy" / "redis" / "users.acl"
#: How long a test redis-server gets to accept connections.
START_WAIT_S = 10


def _load_new_secrets():
    """conf/deploy/new_secrets.py is a script (conf/deploy/ is not a package): load it by path."""
    spec = importlib.util.spec_from_file_location("new_secrets", ROOT / "conf" / "deploy" / "new_secrets.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


new_secrets = _load_new_secrets()


def render(secrets: Path, output: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", str(RENDER), str(TEMPLATE), str(output), str(secrets)],
                          capture_output=True, text=True, timeout=30)  # fmt: skip


@pytest.fixture
def rendered(tmp_path):
    if shutil.which("sha256sum") is None:
        pytest.skip("render_acl.sh needs sha256sum (coreutils), as in the redis image")
    secrets = tmp_path / "secrets"
    new_secrets.create(secrets)
    output = tmp_path / "users.acl"
    done = render(secrets, output)
    assert done.returncode == 0, done.stderr
    return secrets, output


def test_new_secrets_makes_one_password_per_acl_user_and_the_workers_url_with_the_updown_user(tmp_path):
    # Act
    created = new_secrets.create(tmp_path)
    again = new_secrets.create(tmp_path)

    # Assert
    users = new_secrets.acl_users()
    assert {"updown", "hb-producer", "executor", "fatal-listener"} <= set(users)
    for user in users:
        assert len((tmp_path / f"redis_{user}_password").read_text()) >= 40
        assert (tmp_path / f"redis_{user}_password").stat().st_mode & 0o077 == 0
    password = (tmp_path / "redis_updown_password").read_text()
    assert (tmp_path / "redis__url").read_text() == f"redis://updown:{password}@redis:6379/0"
    assert not (tmp_path / "wallet__private_key").exists()  # the operator's, for live only
    assert "redis__url" in created and again == []


def test_the_rendered_file_holds_only_user_lines_with_each_password_hash(rendered):
    secrets, output = rendered
    lines = output.read_text().splitlines()
    assert lines and all(line.startswith("user ") for line in lines)
    for user in new_secrets.acl_users():
        digest = hashlib.sha256((secrets / f"redis_{user}_password").read_bytes()).hexdigest()
        assert f"user {user} on #{digest} " in output.read_text()
    assert "{{" not in output.read_text()


def test_rendering_refuses_a_missing_password_and_writes_nothing(tmp_path, rendered):
    secrets, _ = rendered
    (secrets / "redis_executor_password").unlink()
    done = render(secrets, tmp_path / "other.acl")
    assert done.returncode == 1
    assert "redis_executor_password" in done.stderr
    assert not (tmp_path / "other.acl").exists()


@pytest.mark.integration
def test_a_real_redis_loads_the_users_and_each_one_may_do_only_its_job(tmp_path, rendered):
    # Arrange: a redis-server with the rendered ACL file
    secrets, acl = rendered
    port = free_port()
    server = subprocess.Popen(
        [find_redis_server().path, "--port", str(port), "--bind", "127.0.0.1", "--aclfile", str(acl),
         "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip

    def as_user(user: str) -> redis.Redis:
        return redis.Redis(port=port, username=user, password=(secrets / f"redis_{user}_password").read_text())

    try:
        deadline = time.monotonic() + START_WAIT_S
        while True:
            try:
                assert redis.Redis(port=port, username="healthcheck", password="-").ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
        producer, relay, listener = as_user("hb-producer"), as_user("hb-relay"), as_user("fatal-listener")

        # Act and assert: each does its job
        producer.xadd("hb", {"n": 1})
        relay.xgroup_create("hb", "hb-relay", id="0")
        assert relay.xreadgroup("hb-relay", "c1", {"hb": ">"})
        relay.xadd("hb.seen", {"n": 1})
        listener.xadd("alerts", {"kind": "PROCESS_STATE_FATAL"})
        assert as_user("updown").eval("return redis.call('XLEN', KEYS[1])", 1, "hb") == 1

        # ... and nothing else
        with pytest.raises(redis.exceptions.NoPermissionError):
            producer.xadd("fills", {"n": 1})
        with pytest.raises(redis.exceptions.NoPermissionError):
            listener.xrange("hb")
        with pytest.raises(redis.exceptions.NoPermissionError):
            as_user("updown").flushall()
        once = Retry(NoBackoff(), 0)  # redis-py retries a failed handshake by default; one try is the point
        with pytest.raises(redis.exceptions.AuthenticationError):
            redis.Redis(port=port, retry=once).ping()
        with pytest.raises(redis.exceptions.AuthenticationError):
            redis.Redis(port=port, username="executor", password="wrong", retry=once).ping()
    finally:
        server.terminate()
        server.wait(timeout=30)
