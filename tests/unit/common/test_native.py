"""Compiled cores are never run from other sources than the ones beside them."""

from __future__ import annotations

import importlib.machinery
from pathlib import Path

import pytest

from common import native

SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]


def _tree(root: Path) -> Path:
    for pkg in native.PACKAGES:
        (root / pkg).mkdir(parents=True)
        (root / pkg / "__init__.py").write_text("")
        (root / pkg / "engine.py").write_text("X = 1\n")
    return root


def test_a_tree_without_binaries_is_pure_python_and_fine(tmp_path: Path) -> None:
    root = _tree(tmp_path)

    native.ensure_fresh(root)
    assert native.status(root).startswith("pure Python")


def test_binaries_from_other_sources_are_refused_until_rebuilt_or_cleaned(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    core = root / native.PACKAGES[0] / "engine.py"
    (root / native.STAMP).write_text(native.fingerprint(root) + "\n")
    core.with_name("engine" + SUFFIX).write_bytes(b"\x7fELF")
    native.ensure_fresh(root)  # built from exactly these sources
    assert native.status(root).startswith("compiled")

    core.write_text("X = 2\n")  # edited after the build

    with pytest.raises(native.StaleBuild, match=r"common\.native build"):
        native.ensure_fresh(root)
    assert native.status(root).startswith("STALE")
    assert native.clean(root) == 1
    native.ensure_fresh(root)
    assert not (root / native.STAMP).exists()


def test_a_binary_without_a_fingerprint_is_stale(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    (root / "workers" / ("cores_native__mypyc" + SUFFIX)).write_bytes(b"\x7fELF")

    with pytest.raises(native.StaleBuild):
        native.ensure_fresh(root)


def test_the_cores_imported_here_are_the_ones_built_from_these_sources() -> None:
    import workers.alpha.core.engine as alpha_engine
    import workers.quoter.core.engine as quoter_engine

    compiled = [m.__file__ for m in (alpha_engine, quoter_engine) if m.__file__ and not m.__file__.endswith(".py")]
    if compiled:
        assert native.status().startswith("compiled"), native.status()
