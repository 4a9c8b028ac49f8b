"""``runner.instances``: the stages that can split the series may run several instances; any other
stage, or a count below one, is refused when the configuration loads."""

from __future__ import annotations

import pytest

from common.config import load_settings
from common.config.errors import ConfigError
from common.runner.scale import group_of, metrics_port
from common.runner.spec import Input


def test_a_stage_not_named_runs_one_instance_and_a_named_one_its_count() -> None:
    settings = load_settings(env={"UPDOWN_RUNNER__INSTANCES": '{"quoter": 2, "feed-book": 3}'})

    assert (settings.runner.instances_of("quoter"), settings.runner.instances_of("feed-book")) == (2, 3)
    assert settings.runner.instances_of("alpha") == 1


@pytest.mark.parametrize("instances", ['{"merger": 2}', '{"ledger": 2}', '{"quoter": 0}'])
def test_a_stage_that_cannot_scale_or_a_count_below_one_is_refused(instances: str) -> None:
    with pytest.raises(ConfigError, match=r"runner\.instances"):
        load_settings(env={"UPDOWN_RUNNER__INSTANCES": instances})


def test_each_instance_has_its_metrics_port_and_its_own_group_on_what_every_instance_needs() -> None:
    settings = load_settings(env={"UPDOWN_RUNNER__METRICS_PORT": "9107", "UPDOWN_RUNNER__INSTANCE_INDEX": "1"})
    from workers.quoter.worker import SPEC

    assert metrics_port(settings) == 9207
    markets, signals = Input("markets"), Input("signal.btc-updown-15m", per_series=True)
    assert group_of(SPEC, markets, "quoter-1", scaled=True) == "quoter.quoter-1"
    assert group_of(SPEC, signals, "quoter-1", scaled=True) == "quoter"
    assert group_of(SPEC, markets, "quoter-1", scaled=False) == "quoter"
