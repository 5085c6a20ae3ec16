"""Chromium with no network for the web tests: a network namespace with nothing but its own
loopback (root only), a web server inside it, and the requests a page made."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

from browsers import Browser


def network_namespace_works() -> bool:
    """Root can run a program in a network namespace of its own (only a loopback interface)."""
    if os.geteuid() != 0:
        return False
    try:
        done = subprocess.run(
            ["unshare", "-n", "--", "ip", "link", "set", "lo", "up"],
            capture_output=True, timeout=10, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def offline(serve: Path | None = None, port: int = 0, pid_file: Path | None = None) -> tuple:
    """A wrapper that runs Chromium with no network but its own loopback (and, given ``serve``,
    a web server for that folder on 127.0.0.1 inside it); () where namespaces are not allowed
    (every request is then still checked to have stayed local)."""
    if not network_namespace_works():
        return ()
    script = "ip link set lo up || exit 1; "
    if serve is not None:
        script += (
            f"{sys.executable} -m http.server --bind 127.0.0.1 {port} --directory '{serve}' "
            f">/dev/null 2>&1 & echo $! > '{pid_file}'; sleep 0.5; "
        )
    return ("unshare", "-n", "--", "sh", "-c", script + 'exec "$@"', "sh")


def requested(tab: Browser) -> list[str]:
    return [
        event["params"]["request"]["url"]
        for event in tab.events
        if event.get("method") == "Network.requestWillBeSent"
    ]


def all_local(urls: list[str]) -> list[str]:
    """The requests that left the machine (none should)."""
    return [
        url
        for url in urls
        if urlparse(url).scheme not in ("file", "blob", "data", "about")
        and urlparse(url).hostname != "127.0.0.1"
    ]


@contextlib.contextmanager
def serving(folder: Path, scratch: Path) -> Iterator[tuple[tuple, str]]:
    """``with serving(site, tmp_path) as (wrapper, base):`` a web server for ``folder`` on
    127.0.0.1 — inside Chromium's own network namespace where there is one (pass ``wrapper`` to
    Browser), else on this machine's loopback — and its address; stopped afterwards."""
    port = 8000 + (os.getpid() * 7 + len(str(folder))) % 1000
    pid_file = scratch / "server.pid"
    wrapper = offline(folder, port, pid_file)
    server = None
    if not wrapper:
        server = subprocess.Popen(
            [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port),
             "--directory", str(folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(0.5)
    try:
        yield wrapper, f"http://127.0.0.1:{port}"
    finally:
        if server is not None:
            server.kill()
            server.wait()
        elif pid_file.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid_file.read_text()), signal.SIGKILL)
