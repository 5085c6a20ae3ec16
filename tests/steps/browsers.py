"""Headless Chromium for the browser tests: where it is, one run that prints the page
(``--dump-dom``), and a browser driven over the DevTools protocol through a pipe (standard
library only).

``--dump-dom`` with a virtual-time budget runs timers but draws no frames, so nothing that waits
for layout (ResizeObserver, requestAnimationFrame) ever happens there. Pages that must be seen
being laid out (an iframe shown after it loaded) are driven in real time by ``Browser`` instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from typing import Any

CHROMIUM = next(
    (path for path in (shutil.which(name) for name in ("chromium", "chromium-browser")) if path),
    None,
)
"""Debian's chromium (None where it is not installed: the browser tests are skipped)."""


def chromium(*args: str, user_data_dir: Any, timeout: float = 90) -> subprocess.CompletedProcess:
    """One headless run with ``args`` (a page, ``--dump-dom``, ``--screenshot``, …), offline and
    quiet; its console messages go to stderr."""
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-extensions", "--enable-logging=stderr", "--v=0",
        f"--user-data-dir={user_data_dir}", *args,
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)


class Browser:
    """``with Browser(chromium, profile) as tab: tab.open(url); tab.evaluate("1 + 1")``."""

    def __init__(
        self,
        executable: str,
        user_data_dir: Any,
        width: int = 1920,
        height: int = 1080,
        wrapper: tuple[str, ...] = (),
    ):
        """``wrapper``: a command that runs Chromium (``unshare -n …``: no network but its own)."""
        self.executable, self.user_data_dir = executable, str(user_data_dir)
        self.width, self.height = width, height
        self.wrapper = wrapper
        self.events: list[dict] = []
        """The DevTools events that arrived (Network.requestWillBeSent, …), oldest first."""
        self._next_id = 0

    def __enter__(self) -> Browser:
        to_chromium_read, self._write = os.pipe()
        self._read, from_chromium_write = os.pipe()

        def pipes_as_3_and_4() -> None:  # the pipe Chromium's --remote-debugging-pipe expects
            os.dup2(to_chromium_read, 3)
            os.dup2(from_chromium_write, 4)

        self.process = subprocess.Popen(
            [
                *self.wrapper,
                self.executable,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-sync",
                "--disable-extensions",
                "--remote-debugging-pipe",
                f"--user-data-dir={self.user_data_dir}",
                f"--window-size={self.width},{self.height}",
                "about:blank",
            ],  # fmt: skip
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=pipes_as_3_and_4,
            pass_fds=(3, 4),  # kept open by number: the dup2 above made them the pipes
        )
        os.close(to_chromium_read)
        os.close(from_chromium_write)
        self._buffer = b""
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=self.width, height=self.height, deviceScaleFactor=1, mobile=False,
            session=True,
        )  # fmt: skip
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.kill()
        self.process.wait(timeout=30)
        os.close(self._write)
        os.close(self._read)

    def send(self, method: str, session: bool = False, **params: Any) -> dict:
        """One command and its answer (events that arrive meanwhile go to ``events``)."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self._buffer:
                chunk = os.read(self._read, 1 << 16)
                if not chunk:
                    raise RuntimeError("chromium closed the DevTools pipe")
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            answer = json.loads(raw)
            if "method" in answer:
                self.events.append(answer)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer["result"]

    def evaluate(self, expression: str) -> Any:
        result = self.send(
            "Runtime.evaluate", session=True, expression=expression, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression!r} threw: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, url: str, timeout: float = 30) -> None:
        """Go to url and wait until it has loaded."""
        self.send("Page.navigate", session=True, url=url)
        self.wait_for("document.readyState === 'complete'", timeout)

    def wait_for(self, expression: str, timeout: float = 30) -> Any:
        """Poll expression until it is truthy; its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"{expression!r} still false after {timeout} s")
            time.sleep(0.05)
