"""The container health check: healthy while supervisord answers and every program that should run
does. ``supervisorctl status`` alone is not enough: it fails on a program that is STOPPED on
purpose (``autostart=false``, e.g. the emulator outside sim mode).

    python -m common.ops.healthcheck [-c /app/supervisord.conf]     # exit 0 healthy, 1 not
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping
from typing import Any

#: States a program passes through while healthy or recovering (BACKOFF ends RUNNING or FATAL).
LIVE_STATES = frozenset({"RUNNING", "STARTING", "BACKOFF", "STOPPING"})
#: supervisord's default config in the image.
DEFAULT_CONFIG = "/app/supervisord.conf"


def problems(infos: Iterable[Mapping[str, Any]], autostart: Mapping[str, bool]) -> list[str]:
    """What is wrong, one line per program (empty: healthy).

    ``infos`` are ``supervisor.getAllProcessInfo()`` entries; ``autostart`` maps ``group:name`` to
    the program's ``autostart``.
    """
    found = []
    for info in infos:
        key = f"{info['group']}:{info['name']}"
        state = info["statename"]
        if state in LIVE_STATES or (state == "STOPPED" and not autostart.get(key, True)):
            continue
        found.append(f"{key} is {state}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="healthcheck", description="supervisord programs health")
    parser.add_argument("-c", "--configuration", default=DEFAULT_CONFIG)
    args = parser.parse_args(argv)
    from supervisor.options import ClientOptions

    options = ClientOptions()
    options.realize(args=["-c", args.configuration], doc="")
    proxy = options.getServerProxy()
    try:
        infos = proxy.supervisor.getAllProcessInfo()
        configs = proxy.supervisor.getAllConfigInfo()
    except Exception as exc:  # any failure to reach supervisord is unhealthy
        print(f"unhealthy: supervisord does not answer: {exc}", file=sys.stderr)
        return 1
    finally:
        proxy("close")()
    autostart = {f"{c['group']}:{c['name']}": bool(c["autostart"]) for c in configs}
    found = problems(infos, autostart)
    for line in found:
        print(f"unhealthy: {line}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
