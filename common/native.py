"""The alpha and quoter cores compiled to C extensions with mypyc (twice as fast), kept honest.

The cores are plain typed Python; ``python -m common.native build`` (run by ``make``) compiles them
in place, next to their sources, and records a fingerprint of those sources. Python imports a
compiled module before its ``.py``, so an edited core with a binary left from before would run the
old code: every core package calls :func:`ensure_fresh` first, which refuses to import a stale
build and says how to fix it. No compiler, or a failed build: the pure-Python cores run, slower,
and the build says so. ``python -m common.native clean`` removes the binaries; ``status`` tells.

    python -m common.native build | clean | status
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The packages compiled (their ``__init__`` stays Python: it runs the freshness check).
PACKAGES = ("workers/alpha/core", "workers/quoter/core")
#: The mypyc group: its shared runtime library lands in ``workers/`` as ``cores_native__mypyc*``.
GROUP = "workers.cores_native"
#: The fingerprint of the sources the binaries were built from.
STAMP = "workers/cores_native.sha256"
#: Set to skip the build (pure-Python cores), e.g. ``UPDOWN_NATIVE=0 make test``.
ENV_SWITCH = "UPDOWN_NATIVE"


class StaleBuild(ImportError):
    """A compiled core older than its source."""


def sources(root: Path = ROOT) -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (root / pkg).glob("*.py") if p.name != "__init__.py")


def fingerprint(root: Path = ROOT) -> str:
    h = hashlib.sha256()
    for path in sources(root):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def binaries(root: Path = ROOT) -> list[Path]:
    """Compiled modules of the cores and the group's runtime library, wherever they are."""
    found = [root / "workers" / f"cores_native__mypyc{s}" for s in importlib.machinery.EXTENSION_SUFFIXES]
    for path in sources(root):
        found += [path.with_name(path.stem + s) for s in importlib.machinery.EXTENSION_SUFFIXES]
    return [p for p in found if p.exists()]


def ensure_fresh(root: Path = ROOT) -> None:
    """Raise :class:`StaleBuild` when compiled cores exist that were built from other sources."""
    if not binaries(root):
        return
    stamp = root / STAMP
    built = stamp.read_text().strip() if stamp.exists() else ""
    if built != fingerprint(root):
        raise StaleBuild(
            "the compiled alpha/quoter cores were built from other sources than the ones here: "
            "run `make` (or `python -m common.native build`) to rebuild them, or "
            "`python -m common.native clean` to run the pure-Python cores"
        )


def clean(root: Path = ROOT) -> int:
    gone = binaries(root)
    for path in gone:
        path.unlink()
    (root / STAMP).unlink(missing_ok=True)
    return len(gone)


def build(root: Path = ROOT) -> bool:
    """Compile the cores in place; False (and the pure-Python cores) when that cannot be done."""
    clean(root)
    modules = [p.relative_to(root).as_posix() for p in sources(root)]
    script = (
        "import sys\n"
        "from setuptools import setup\n"
        "from mypyc.build import mypycify\n"
        f"exts = mypycify({modules!r}, group_name={GROUP!r}, opt_level='3', target_dir=sys.argv[1])\n"
        "setup(name='updown-cores', ext_modules=exts, script_args=['build_ext', '--inplace', '-q',\n"
        "      '--build-temp', sys.argv[1] + '/temp', '--build-lib', sys.argv[1] + '/lib'])\n"
    )
    with tempfile.TemporaryDirectory(prefix="updown-native-") as tmp:
        done = subprocess.run([sys.executable, "-c", script, tmp], cwd=root, capture_output=True, text=True)
        shutil.rmtree(root / "build", ignore_errors=True)  # setuptools' own leftovers, if any
    if done.returncode != 0:
        clean(root)
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
        print(f"native: the cores could not be compiled; the pure-Python cores will run (slower):\n{tail}",
              file=sys.stderr)  # fmt: skip
        return False
    (root / STAMP).write_text(fingerprint(root) + "\n")
    print(f"native: compiled {len(modules)} core modules with mypyc")
    return True


def status(root: Path = ROOT) -> str:
    if not binaries(root):
        return "pure Python (no compiled cores)"
    try:
        ensure_fresh(root)
    except StaleBuild:
        return "STALE: compiled cores older than their sources (rebuild or clean)"
    return "compiled (mypyc), up to date"


def main(argv: list[str]) -> int:
    action = argv[0] if argv else "status"
    if action == "build" and os.environ.get(ENV_SWITCH) == "0":
        print(f"native: {ENV_SWITCH}=0, pure-Python cores (removed {clean()} compiled files)")
        return 0
    if action == "build":
        build()
        return 0  # a failed build leaves working pure-Python cores: say so, do not fail the setup
    if action == "clean":
        print(f"native: removed {clean()} compiled files")
        return 0
    if action == "status":
        print(f"native cores: {status()}")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
