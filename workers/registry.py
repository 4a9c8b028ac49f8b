"""Every worker by name. ``updown worker NAME`` runs one; supervisord runs them all.

A name may also be ``package.module:ATTR`` for a spec outside this table (tests use that).
"""

from __future__ import annotations

import importlib

from common.runner.catalog import WORKER_MODULES
from common.runner.spec import WorkerSpec

#: The table lives in common/ so that the control API can check a target without importing workers.
WORKERS: dict[str, str] = WORKER_MODULES


class UnknownWorker(LookupError):
    pass


def load(name: str) -> WorkerSpec:
    module_name, _, attr = name.partition(":")
    if not attr:
        if name not in WORKERS:
            raise UnknownWorker(f"no worker named {name!r}; known: {', '.join(sorted(WORKERS))}")
        module_name, attr = WORKERS[name], "SPEC"
    try:
        spec = getattr(importlib.import_module(module_name), attr if attr else "SPEC")
    except (ImportError, AttributeError) as exc:
        raise UnknownWorker(f"cannot load worker {name!r}: {exc}") from None
    if not isinstance(spec, WorkerSpec):
        raise UnknownWorker(f"{name!r} is not a WorkerSpec")
    return spec
