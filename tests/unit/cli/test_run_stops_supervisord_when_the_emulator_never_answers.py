"""``updown run`` in sim mode whose emulator never hands out credentials exits, and takes supervisord
(and so every program on the run's fixed ports) down with it; it used to leave them running, so the
next run on the machine was refused its ports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cli import launch
from common.config import load_settings


def test_supervisord_is_stopped_when_the_credentials_never_come(monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:  # fmt: skip
    started: list[subprocess.Popen[bytes]] = []
    real_popen = subprocess.Popen

    def supervisord(_argv: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        """A stand-in for supervisord: a process that would run for a minute."""
        proc = real_popen([sys.executable, "-c", "import time; time.sleep(60)"], **kwargs)
        started.append(proc)
        return proc

    def never(*_: object, **__: object) -> str:
        raise SystemExit("updown keys: the venue did not give credentials")

    monkeypatch.setattr(launch, "busy_ports", lambda _settings: [])
    monkeypatch.setattr(launch.keys, "ensure_private_key", lambda _folder: ("0x" + "11" * 20, False))
    monkeypatch.setattr(launch.keys, "ensure_control_token", lambda _folder: False)
    monkeypatch.setattr(launch.keys, "derive_credentials", never)
    monkeypatch.setattr(launch.supervisor_conf, "write", lambda *_: tmp_path / "supervisord.conf")
    monkeypatch.setattr(launch.subprocess, "Popen", supervisord)
    monkeypatch.setenv("UPDOWN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("UPDOWN_SECRETS_DIR", str(tmp_path / "secrets"))

    with pytest.raises(SystemExit, match="did not give credentials"):
        launch.supervise(load_settings(), "redis://127.0.0.1:1/0", 30.0)

    assert len(started) == 1
    left = started[0].poll() is None
    if left:
        started[0].kill()  # never leave the stand-in behind, even when the test fails
        started[0].wait()
    assert not left, "supervisord left running after the run gave up"
