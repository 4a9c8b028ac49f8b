"""Fetch the emulator chain's pinned contract artifacts (``sim/chain/artifacts.py``) into
``$UPDOWN_ARTIFACTS_DIR`` with npm, at image build time, so the runtime image needs no npm.

Loads that one module by path: it uses only the standard library, so no dependency is needed.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "sim" / "chain" / "artifacts.py"


def main() -> int:
    spec = importlib.util.spec_from_file_location("updown_artifacts", SOURCE)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {SOURCE}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    for artifact_spec in (module.CTF, module.COLLATERAL):
        artifact = module.load_artifact(artifact_spec)
        print(f"{artifact_spec.package}@{artifact_spec.version}: {artifact.name} ok", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
