"""The Prometheus config and alert rules, checked as promtool would at least: structure, every
PromQL expression parsed, every worker's metrics port scraped, and the money-losing alerts present."""

import pytest

from tests.unit.deploy.tools import load_yaml, metric_names, supervisord_metrics_ports

SEVERITIES = {"critical", "warning", "info"}


def config():
    return load_yaml("conf/deploy/prometheus/prometheus.yml")


def rules():
    return [rule for group in load_yaml("conf/deploy/prometheus/alerts.yml")["groups"] for rule in group["rules"]]


def test_the_config_loads_the_alert_rules_file_compose_mounts():
    assert config()["rule_files"] == ["/etc/prometheus/alerts.yml"]


def test_every_worker_metrics_port_in_supervisord_conf_is_scraped_with_its_program_label():
    # Arrange
    ports = supervisord_metrics_ports()
    job = next(j for j in config()["scrape_configs"] if j["job_name"] == "updown")

    # Act
    targets = {t: sc["labels"]["program"] for sc in job["static_configs"] for t in sc["targets"]}

    # Assert
    assert ports, "supervisord.conf declares no metrics port"
    assert targets == {f"updown:{port}": program for program, port in ports.items()}


def test_scrape_jobs_have_unique_names_and_a_timeout_below_the_interval():
    names = [j["job_name"] for j in config()["scrape_configs"]]
    assert len(names) == len(set(names))
    g = config()["global"]
    assert int(g["scrape_timeout"].rstrip("s")) < int(g["scrape_interval"].rstrip("s"))


def test_every_alert_rule_has_a_parsing_expression_a_severity_and_a_summary():
    for rule in rules():
        assert metric_names(rule["expr"]), rule["alert"]
        assert rule["labels"]["severity"] in SEVERITIES, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations", "keep_firing_for"}


def test_alert_names_are_unique():
    names = [r["alert"] for r in rules()]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(
    ("alert", "metric"),
    [
        ("UpdownFeedDown", "updown_feed_up"),
        ("UpdownVenueHeartbeatFailing", "updown_venue_heartbeat_age_ms"),
        ("UpdownWorkerDown", "up"),
        ("UpdownLossLimitNear", "updown_pnl_daily_micro"),
    ],
)
def test_the_money_losing_conditions_each_have_a_critical_alert(alert, metric):
    rule = next(r for r in rules() if r["alert"] == alert)
    assert metric in metric_names(rule["expr"])
    assert rule["labels"]["severity"] == "critical"


def test_a_broken_expression_is_refused_by_the_parser():
    with pytest.raises(ValueError):
        metric_names("sum(rate(updown_processed_total[1m]) by (worker)")
