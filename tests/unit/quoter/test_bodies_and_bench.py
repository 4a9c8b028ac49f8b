from bench.quoter import main, run
from common.bus.codec import decode, encode
from common.schemas.base import registry
from tests.unit.alpha.builders import START_S, WINDOW, fed_core
from tests.unit.quoter.builders import make_inputs
from workers.quoter.core import Positions, QuoterCore


def test_signal_and_intent_bodies_survive_the_bus_codec_unchanged():
    core, _ = fed_core()
    signal = core.evaluate((START_S + 600) * 1000 + 500, WINDOW)
    holding = Positions(up_micro=20_000_000, up_cost_micro=8_000_000)
    intent = QuoterCore().decide(make_inputs(positions=holding))
    assert intent.orders and intent.takers
    for body in (signal, intent):
        fields = encode(body, src="test", key="btc-15m", event_ms=1, ingest_ms=2, emit_ms=3)
        assert decode(fields).body == body
    assert registry()["signal"] is type(signal) and registry()["intent"] is type(intent)


def test_the_benchmark_times_a_full_two_sided_five_level_ladder():
    figures = run(events=300, seed=1)
    assert figures["orders_per_intent"] == 10.0
    assert 0 < figures["p50_us"] <= figures["p99_us"] <= figures["p999_us"]


def test_the_benchmark_prints_its_figures(capsys):
    main(["--events", "200", "--rounds", "2"])
    out = capsys.readouterr().out
    assert "p50" in out and "p99" in out and "target p99 < 200 us" in out
