"""Imports run one way: ``common/`` never imports ``workers/``, ``cli/`` or ``bench/``.

The command (``cli/``) and the benches (``bench/``) sit at the top of the import graph and may
import anything; the workers import ``common/``; ``common/`` imports only itself. Walked from the
source with ``ast`` (every ``import`` and ``from`` statement, at any depth, including those inside
functions), so a lazy import inside a function is caught too.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
UPWARD = {
    "common": ("workers", "cli", "bench", "backtest"),
    "workers": ("cli", "bench", "backtest"),
    "sim": ("cli", "bench", "backtest"),
}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def upward_imports(package: str) -> list[str]:
    banned = UPWARD[package]
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for line, module in imported_modules(path):
            if module.split(".")[0] in banned:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return bad


def test_common_never_imports_workers_cli_or_bench() -> None:
    assert upward_imports("common") == []


def test_workers_and_sim_never_import_the_command_or_the_benches() -> None:
    assert upward_imports("workers") + upward_imports("sim") == []


def test_the_walk_sees_a_lazy_import(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("def f():\n    from workers.alpha import core\n    import cli.main\n")
    assert [m for _, m in imported_modules(source)] == ["workers.alpha", "cli.main"]
