"""The emulator's fault switch: episodes started by hand, and what each kind has refused so far."""

from __future__ import annotations

from aiohttp import web

from sim.faults import FaultKind, Faults

FAULTS_PATH = "/sim/faults"


def add_fault_routes(app: web.Application, faults: Faults) -> None:
    """``POST /sim/faults/{kind}?duration_ms=N`` starts an episode of ``kind`` now (``duration_ms=0``
    ends it), whatever the profile; ``GET /sim/faults`` counts the episodes fired and the requests
    refused per kind. Under ``/sim/``: loopback tooling for tests and demos, not part of the venue."""

    async def force(request: web.Request) -> web.Response:
        try:
            kind = FaultKind(request.match_info["kind"])
            duration_ms = int(request.query.get("duration_ms", faults.profile.durations_ms.get(kind, 0)))
        except ValueError as exc:
            return web.json_response({"error": str(exc)}, status=400)
        faults.force(kind, duration_ms)
        return web.json_response({"kind": kind.value, "duration_ms": duration_ms})

    async def counts(request: web.Request) -> web.Response:
        return web.json_response({"fired": {k.value: n for k, n in faults.fired.items() if n},
                                  "refused": {k.value: n for k, n in faults.refused.items() if n}})

    app.router.add_post(FAULTS_PATH + "/{kind}", force)
    app.router.add_get(FAULTS_PATH, counts)
