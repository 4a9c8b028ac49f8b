"""A real browser for the tests: headless Chromium from the distribution, driven over the Chrome
DevTools Protocol with the ``websockets`` the bot already depends on (no browser download, no new
package). Without ``chromium`` on PATH the tests that need it skip, naming the install command.
"""

from __future__ import annotations

import base64
import itertools
import json
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

#: What installs the browser on Debian and Ubuntu (``.ci/run`` does it).
INSTALL = "apt-get install -y chromium chromium-driver"
#: How long Chromium gets to open its DevTools port.
START_TIMEOUT_S = 30.0
#: How long one DevTools command may take (a navigation, a screenshot).
COMMAND_TIMEOUT_S = 30.0
#: A start-up that fetches, syncs or updates nothing: a machine without internet behaves the same.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-port=0", "--remote-allow-origins=*")  # fmt: skip


def chromium_or_skip() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip(f"needs headless Chromium from the distribution's packages: {INSTALL}")
    return path


class Page:
    """One tab: navigate, evaluate JavaScript, take a screenshot."""

    def __init__(self, socket: ClientConnection) -> None:
        self._socket = socket
        self._ids = itertools.count(1)

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """One DevTools command and its result (the events that come meanwhile are not needed here)."""
        sent = next(self._ids)
        self._socket.send(json.dumps({"id": sent, "method": method, "params": params}))
        while True:
            reply = json.loads(self._socket.recv(timeout=COMMAND_TIMEOUT_S))
            if reply.get("id") == sent:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply["result"]
                return result

    def goto(self, url: str) -> None:
        self.send("Page.navigate", url=url)

    def eval(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait(self, expression: str, timeout_s: float, what: str) -> Any:
        """Evaluate ``expression`` until it is truthy; its value."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            value = self.eval(expression)
            if value:
                return value
            time.sleep(0.25)
        raise AssertionError(f"timed out after {timeout_s}s waiting for {what}: {self.eval('document.body.innerText')}")

    def screenshot(self, path: Path, width: int, height: int) -> None:
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
        shot = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=False)
        path.write_bytes(base64.b64decode(shot["data"]))


@contextmanager
def chromium(profile: Path) -> Iterator[Page]:
    """Headless Chromium with a new empty profile in ``profile``, on one blank tab."""
    binary = chromium_or_skip()
    profile.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        port = _devtools_port(profile, proc)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=COMMAND_TIMEOUT_S) as reply:
            tab = next(t for t in json.load(reply) if t["type"] == "page")
        with connect(tab["webSocketDebuggerUrl"], max_size=None, open_timeout=COMMAND_TIMEOUT_S) as socket:
            yield Page(socket)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _devtools_port(profile: Path, proc: subprocess.Popen[bytes]) -> int:
    """Chromium writes the port it chose into the profile (``DevToolsActivePort``)."""
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"chromium exited with {proc.returncode} before opening its DevTools port")
        lines = marker.read_text().splitlines() if marker.is_file() else []
        if lines and lines[0].isdigit():
            return int(lines[0])
        time.sleep(0.1)
    raise RuntimeError(f"chromium opened no DevTools port in {START_TIMEOUT_S}s")
