"""docker-compose.yml against the Compose Specification schema, and the deployment's promises:
only Grafana and the control API published, on loopback; Redis 7 with AOF and ACL users; secrets
as files; health checks and restart policies; the emulator as an optional profile."""

import hashlib
import json
import re

from common.ops import redis_acl
from tests.unit.deploy.tools import HERE, ROOT, load_yaml, need

SCHEMA = HERE / "schemas" / "compose-spec.json"
SCHEMA_SHA256 = "46b7d35f19dd93a05f8fea530291bf84d881c1791ec167ecf0e6fb94e639d496"
#: Services that run once and exit (no health check, no restart).
ONE_SHOT = {"redis-acl"}


def compose():
    return load_yaml("docker-compose.yml")


def test_the_vendored_schema_is_the_one_from_the_registry_package():
    assert hashlib.sha256(SCHEMA.read_bytes()).hexdigest() == SCHEMA_SHA256


def test_the_compose_file_is_valid_against_the_compose_specification_schema():
    jsonschema = need("jsonschema")
    validator = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text()))
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(compose())]
    assert errors == []


def test_the_schema_check_would_catch_a_misspelt_key():
    jsonschema = need("jsonschema")
    validator = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text()))
    broken = compose()
    broken["services"]["redis"]["restrat"] = "always"
    assert any("restrat" in e.message for e in validator.iter_errors(broken))


def test_only_grafana_and_the_control_api_are_published_and_only_on_loopback():
    published = {name: svc.get("ports", []) for name, svc in compose()["services"].items() if svc.get("ports")}
    assert set(published) == {"grafana", "updown"}
    for ports in published.values():
        for port in ports:
            assert isinstance(port, str) and port.startswith("127.0.0.1:"), port


def test_every_long_running_service_has_a_health_check_and_a_restart_policy():
    for name, svc in compose()["services"].items():
        if name in ONE_SHOT:
            assert svc.get("restart") == "no"
            continue
        assert svc.get("healthcheck", {}).get("test"), name
        assert svc.get("restart") in ("unless-stopped", "always"), name


def test_redis_is_version_7_with_the_append_only_file_and_no_default_user():
    svc = compose()["services"]["redis"]
    assert re.match(r"redis:7\.", svc["image"])
    conf = (ROOT / "conf" / "deploy" / "redis" / "redis.conf").read_text().split("\n")
    assert "appendonly yes" in conf
    assert "aclfile /acl/users.acl" in conf
    assert "user default off" in (ROOT / "conf" / "deploy" / "redis" / "users.acl").read_text()
    assert compose()["services"]["redis"]["depends_on"]["redis-acl"]["condition"] == "service_completed_successfully"


def test_every_acl_user_gets_its_password_secret_and_every_secret_is_a_file_under_secrets():
    # Arrange
    doc = compose()
    template = (ROOT / "conf" / "deploy" / "redis" / "users.acl").read_text()
    users = re.findall(r"^user .*#\{\{([A-Za-z0-9_-]+)\}\}", template, flags=re.MULTILINE)

    # Assert
    assert set(doc["services"]["redis-acl"]["secrets"]) == {f"redis_{u}_password" for u in users}
    for name, secret in doc["secrets"].items():
        assert secret["file"] == f"./secrets/{name}"
    used = {s for svc in doc["services"].values() for s in svc.get("secrets", [])}
    assert used == set(doc["secrets"])


def test_the_live_overlay_is_valid_and_adds_the_wallet_secrets_to_the_updown_container_only():
    jsonschema = need("jsonschema")
    overlay = load_yaml("conf/deploy/compose.live.yml")
    assert list(jsonschema.Draft7Validator(json.loads(SCHEMA.read_text())).iter_errors(overlay)) == []
    assert set(overlay["services"]) == {"updown"}
    assert {"redis__url", "wallet__private_key", "wallet__api_secret"} <= set(overlay["services"]["updown"]["secrets"])
    for name, secret in overlay["secrets"].items():
        # relative to the project directory (the first -f file's), not to conf/deploy/
        assert secret["file"] == f"./secrets/{name}"
    assert not any(s.startswith("wallet__") for s in compose()["services"]["updown"]["secrets"])


def test_the_workers_read_their_secrets_as_files_from_run_secrets_and_each_gets_its_own_acl_password():
    svc = compose()["services"]["updown"]
    assert svc["environment"]["UPDOWN_SECRETS_DIR"] == "/run/secrets"
    assert "redis__url" in svc["secrets"]
    passwords = {s for s in svc["secrets"] if s.startswith("redis_") and s.endswith("_password")}
    assert passwords == {f"redis_{user.name}_password" for user in redis_acl.WORKERS}
    assert svc["environment"]["UPDOWN_RUNNER__METRICS_HOST"] == "0.0.0.0"


def test_the_emulator_runs_only_with_the_sim_profile_and_sim_mode_points_the_venue_at_it():
    doc = compose()
    sim = doc["services"]["sim"]
    assert sim["profiles"] == ["sim"]
    assert sim["command"][:2] == ["updown", "sim"]
    assert all("profiles" not in svc for name, svc in doc["services"].items() if name != "sim")
    env = (ROOT / "conf" / "deploy" / "env" / "sim.env").read_text()
    assert "UPDOWN_VENUE__CLOB_URL=http://sim:18080" in env


def test_the_updown_service_stops_later_than_supervisord_gives_up_on_a_worker():
    grace = compose()["services"]["updown"]["stop_grace_period"]
    stopwait = max(int(x) for x in re.findall(r"^stopwaitsecs=(\d+)", (ROOT / "supervisord.conf").read_text(), re.M))
    assert int(grace.removesuffix("s")) > stopwait


def test_every_file_the_compose_file_mounts_from_the_repo_exists():
    for name, svc in compose()["services"].items():
        for volume in svc.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name}: {source}"


def test_every_mode_sets_what_supervisord_conf_reads_from_the_environment():
    # updown run sets these per mode; under compose the mode's env file does
    needed = set(re.findall(r"%\(ENV_(\w+)\)s", (ROOT / "supervisord.conf").read_text())) - {"PATH"}
    needed -= {"UPDOWN_SIM_AUTOSTART"}  # the emulator never runs inside the updown container
    for mode in ("sim", "paper", "live"):
        env = (ROOT / "conf" / "deploy" / "env" / f"{mode}.env").read_text()
        for name in needed:
            assert re.search(rf"^{name}=(true|false)$", env, re.M), f"{mode}.env lacks {name}"
    assert compose()["services"]["updown"]["environment"]["UPDOWN_SIM_AUTOSTART"] == "false"
