"""`abusedesk up` keeps answering while many clients trickle request bodies (slowloris on the body)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from test_cli_commands import _free_port, _wait_http

SLOW_CLIENTS = 40


def _slow_body(port: int) -> socket.socket:
    """Headers promising 64 KiB, then one byte: the server now waits for the rest of the body."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(b"POST /api/v1/reports HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 65536\r\n\r\n{")
    return sock


def test_slow_request_bodies_do_not_starve_the_server(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ABUSEDESK_")}
    env["DJANGO_SETTINGS_MODULE"] = "abusedesk.settings"
    proc = subprocess.Popen([sys.executable, "-m", "abusedesk.cli", "up", "--port", str(port), "--data-dir",
                             str(tmp_path / "data"), "--web-processes", "1", "--workers", "0", "--no-admin"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    sockets: list[socket.socket] = []
    try:
        _wait_http(f"{base}/healthz", 90)
        sockets = [_slow_body(port) for _ in range(SLOW_CLIENTS)]
        time.sleep(2)  # let the server pick every one of them up
        for sock in sockets:
            sock.sendall(b" ")  # still trickling
        started = time.monotonic()
        # Generous on a loaded 2-core machine; before the fix this waited until the slow clients gave up.
        with urllib.request.urlopen(f"{base}/healthz", timeout=20) as response:
            assert response.status == 200
        assert time.monotonic() - started < 20
    finally:
        for sock in sockets:
            sock.close()
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
