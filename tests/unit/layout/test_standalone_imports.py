"""Every module of ``common/`` imports on its own, first, in a fresh interpreter state: an import
cycle inside ``common/`` only shows when the cycle's module is the first one imported (a worker or
a test that starts there fails at import, while the suite, which imported another first, passes)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PROBE = r"""
import importlib, sys, traceback
from prometheus_client import REGISTRY
failed = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == "common" or m.startswith("common.")]:
        del sys.modules[loaded]
    for collector in list(REGISTRY._collector_to_names):  # common.metrics registers anew
        REGISTRY.unregister(collector)
    try:
        importlib.import_module(name)
    except Exception:
        failed.append(name + ": " + traceback.format_exc(limit=1).strip().splitlines()[-1])
print("\n".join(failed))
sys.exit(1 if failed else 0)
"""


def common_modules() -> list[str]:
    names = []
    for path in sorted((ROOT / "common").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_every_common_module_imports_first() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE, *common_modules()], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, f"modules that fail when imported first:\n{done.stdout}{done.stderr[-2000:]}"
