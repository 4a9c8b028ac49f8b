"""updown run refuses to start on busy ports and fails when a program is not running."""

from __future__ import annotations

import socket

from cli.launch_checks import busy_ports, metrics_ports, unhealthy
from common.config import load_settings


def test_a_program_in_backoff_or_fatal_is_unhealthy_and_a_stopped_one_is_not() -> None:
    status = "discovery  RUNNING   pid 1, uptime 0:01:00\nfeed-book  BACKOFF   Exited too quickly\n" \
             "executor   FATAL     Exited too quickly\nsim        STOPPED   Not started"

    assert unhealthy(status) == ["feed-book BACKOFF", "executor FATAL"]


def test_a_port_the_run_needs_that_is_already_taken_is_named() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        settings = load_settings(env={"UPDOWN_SIM__PORT": str(port)})

        busy = busy_ports(settings)

    assert any(entry.startswith(f"{port} ") and "sim.port" in entry for entry in busy)


def test_every_worker_program_has_its_own_metrics_port() -> None:
    ports = metrics_ports()

    assert {"discovery", "feed-book", "alpha", "quoter"} <= set(ports)
    assert len(set(ports.values())) == len(ports)


def test_live_mode_is_refused_without_an_explicit_confirmation(monkeypatch: object, capsys: object) -> None:
    from cli.launch_checks import live_preflight

    monkeypatch.delenv("UPDOWN_LIVE_CONFIRM", raising=False)  # type: ignore[attr-defined]

    allowed = live_preflight(load_settings(env={"UPDOWN_MODE": "live"}), confirmed=False)

    assert allowed is False
    assert "refusing live mode" in capsys.readouterr().out  # type: ignore[attr-defined]


def test_the_end_of_run_check_passes_only_when_the_ledger_equals_the_emulator_and_nothing_rests() -> None:
    from cli.sim_check import compare

    agree = compare(0, 9_961_419_100, {"7": 41_340_000}, 9_961_419_100, {"7": 41_340_000, "8": 0})
    one_micro_off = compare(0, 9_961_419_100, {"7": 41_340_000}, 9_961_419_101, {"7": 41_340_000})
    resting = compare(2, 1, {}, 1, {})
    other_tokens = compare(0, 1, {"7": 5}, 1, {"7": 4})

    assert agree.ok
    assert not one_micro_off.ok and "+0.000001" in " ".join(one_micro_off.lines)
    assert not resting.ok and not other_tokens.ok
