"""The provisioned Grafana dashboard: every panel queries the provisioned Prometheus with an
expression that parses, and every metric it names is exported by the code today or is on the
list of planned metrics (issue 8 scope 2), which the lead's report lists."""

import json

from prometheus_client import REGISTRY

import common.metrics
import workers.alpha.metrics
import workers.executor.latency
import workers.executor.meters
import workers.ledger.metrics
import workers.quoter.metrics
import workers.rewards.metrics
from tests.unit.deploy.tools import ROOT, load_yaml, metric_names

DASHBOARD = ROOT / "conf" / "deploy" / "grafana" / "dashboards" / "updown.json"
#: Metrics the dashboard and the alerts use that no code exports yet (the metrics pack will).
PLANNED: set[str] = set()
#: Prometheus's own series.
BUILTIN = {"up"}


def exported() -> set[str]:
    """Every sample name the code's metrics produce (counters as ``_total``, histograms ``_bucket``...)."""
    assert common.metrics and workers.rewards.metrics and workers.alpha.metrics  # their registrations
    assert workers.ledger.metrics and workers.quoter.metrics
    assert workers.executor.latency and workers.executor.meters
    names = set()
    for family in REGISTRY.collect():
        if family.name.startswith("updown_"):
            names.add(family.name)
            names.update({f"{family.name}{s}" for s in ("_total", "_bucket", "_sum", "_count", "_created")})
    return names


def panels():
    dashboard = json.loads(DASHBOARD.read_text())
    return [p for p in dashboard["panels"] if p["type"] != "row"]


def datasource_uid() -> str:
    return load_yaml("conf/deploy/grafana/provisioning/datasources/prometheus.yml")["datasources"][0]["uid"]


def test_the_dashboard_has_a_uid_unique_panel_ids_and_a_layout():
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] == "updown-overview"
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    assert all({"x", "y", "w", "h"} <= set(p["gridPos"]) for p in dashboard["panels"])


def test_every_panel_and_target_queries_the_provisioned_prometheus_with_an_expression():
    uid = datasource_uid()
    assert panels()
    for panel in panels():
        assert panel["datasource"] == {"type": "prometheus", "uid": uid}, panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == uid
            assert target["expr"].strip(), panel["title"]


def test_every_metric_the_dashboard_and_alerts_query_is_exported_today_or_planned():
    # Arrange
    rules = [r for g in load_yaml("conf/deploy/prometheus/alerts.yml")["groups"] for r in g["rules"]]
    queried = {name for p in panels() for t in p["targets"] for name in metric_names(t["expr"])}
    queried |= {name for r in rules for name in metric_names(r["expr"])}

    # Act
    unknown = queried - exported() - PLANNED - BUILTIN

    # Assert
    assert unknown == set()


def test_the_dashboard_covers_the_metrics_pack_and_the_rewards_worker():
    queried = {name for p in panels() for t in p["targets"] for name in metric_names(t["expr"])}
    for wanted in ("updown_feed_lag_ms_bucket", "updown_consumer_lag_ms", "updown_consumer_pending",
                   "updown_rewards_two_sided_ratio", "updown_rewards_estimated_micro",
                   "updown_dead_lettered_total", "updown_worker_state"):  # fmt: skip
        assert wanted in queried


def test_the_dashboard_provider_reads_the_folder_compose_mounts():
    provider = load_yaml("conf/deploy/grafana/provisioning/dashboards/updown.yml")["providers"][0]
    compose = load_yaml("docker-compose.yml")
    mounts = compose["services"]["grafana"]["volumes"]
    assert f"./conf/deploy/grafana/dashboards:{provider['options']['path']}:ro" in mounts
