"""What ``updown run`` checks and reads around supervisord: the live-mode preflight, the ports it
needs, and supervisorctl's status lines (which programs run, which do not)."""

from __future__ import annotations

import configparser
import os
import re
import socket
from pathlib import Path

from cli.console import say
from common.config import Mode, Settings
from common.config.settings import METRICS_PORT_STRIDE

#: The supervisord config, beside the packages.
CONF = Path(__file__).resolve().parents[1] / "supervisord.conf"


def live_preflight(settings: Settings, confirmed: bool) -> bool:
    """Live mode starts only when asked for explicitly and when every doctor check passes."""
    if not (confirmed or os.environ.get("UPDOWN_LIVE_CONFIRM") == "yes"):
        say("refusing live mode: real keys, real money. Pass --i-understand-this-trades-real-money "
            "(or UPDOWN_LIVE_CONFIRM=yes) once `updown doctor` passes")  # fmt: skip
        return False
    import asyncio

    from common.clock import SYSTEM_CLOCK
    from common.doctor.run import examine

    results = asyncio.run(examine(settings, SYSTEM_CLOCK))
    for check in results:
        say(check.line())
    if any(not c.ok for c in results):
        say("refusing live mode: the preflight (updown doctor) failed")
        return False
    return True


def busy_ports(settings: Settings) -> list[str]:
    """The loopback ports this run needs that something else already holds."""
    wanted = {f"metrics port of {name}": port for name, port in metrics_ports().items()}
    for name, count in settings.runner.instances.items():  # a scaled stage's other instances
        base = wanted.get(f"metrics port of {name}", 0)
        for index in range(1, count if base else 0):
            wanted[f"metrics port of {name}-{index}"] = base + index * METRICS_PORT_STRIDE
    if settings.mode is Mode.SIM:
        wanted["the emulator's port (sim.port)"] = settings.sim.port
    busy = []
    for what, port in wanted.items():
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                busy.append(f"{port} ({what})")
    return busy


def metrics_ports() -> dict[str, int]:
    parser = configparser.RawConfigParser()
    parser.read(CONF)
    ports = {}
    for section in parser.sections():
        env = parser.get(section, "environment", fallback="")
        found = re.search(r'UPDOWN_RUNNER__METRICS_PORT="(\d+)"', env)
        if section.startswith("program:") and found:
            ports[section.removeprefix("program:")] = int(found.group(1))
    return ports


def unhealthy(status: str) -> list[str]:
    """Programs supervisord reports in a state other than RUNNING or deliberately STOPPED."""
    bad = []
    for line in status.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1] in ("FATAL", "BACKOFF", "EXITED", "STARTING", "UNKNOWN"):
            bad.append(f"{parts[0]} {parts[1]}")
    return bad


def started_line(status: str) -> str:
    """``started: a, b, c`` and, on their own, the programs in another state than RUNNING."""
    states: dict[str, list[str]] = {}
    for line in status.splitlines():
        parts = line.split()
        if len(parts) >= 2:
            states.setdefault(parts[1], []).append(parts[0])
    running = states.pop("RUNNING", [])
    others = "; ".join(f"{state.lower()}: {', '.join(names)}" for state, names in sorted(states.items()))
    return f"started {len(running)} programs: {', '.join(running)}" + (f"; {others}" if others else "")


def programs(status: str) -> list[str]:
    return [line.split()[0] for line in status.splitlines() if line.split()]


