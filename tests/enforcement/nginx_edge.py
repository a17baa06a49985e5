"""A real nginx on loopback for the edge-blocklist tests, everything it writes kept inside the test's tmp dir."""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

CONF = """\
daemon on;
master_process on;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {root}/client_body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    include {map};
    server {{
        listen 127.0.0.1:{port};
        server_name _;
        location / {{
            # `return` takes a literal code, so each status the blocklist can produce gets its own line.
            if ($abusedesk_blocked = 451) {{ return 451 "blocked by abusedesk\\n"; }}
            if ($abusedesk_blocked = 403) {{ return 403 "restricted by abusedesk\\n"; }}
            return 200 "ok\\n";
        }}
    }}
}}
"""


def nginx_binary() -> str:
    """Fail loudly (never skip): the edge test is only worth something against the real server."""
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx")
                                           if os.access(p, os.X_OK)), None)
    if found is None:
        pytest.fail("nginx is not installed: run scripts/services (it installs the Debian package nginx)")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Edge:
    """nginx started with `-c conf -p prefix -e error.log` so nothing outside `root` is read or written."""

    def __init__(self, root: Path, map_path: Path) -> None:
        self.root = root
        self.map_path = map_path
        self.port = free_port()
        self.conf = root / "nginx.conf"
        self.conf.write_text(CONF.format(root=root, map=map_path, port=self.port))
        self.base = [nginx_binary(), "-c", str(self.conf), "-p", f"{root}/", "-e", str(root / "error.log")]

    @property
    def test_command(self) -> list[str]:
        return [*self.base, "-t", "-q"]

    @property
    def reload_command(self) -> list[str]:
        return [*self.base, "-s", "reload"]

    def start(self) -> None:
        proc = subprocess.run(self.base, capture_output=True, text=True, timeout=30, check=False)
        if proc.returncode != 0:
            pytest.fail(f"nginx did not start: {proc.stderr.strip()}")
        self.wait_for("other.test", 200)

    def stop(self) -> None:
        if (self.root / "nginx.pid").exists():
            subprocess.run([*self.base, "-s", "quit"], capture_output=True, timeout=30, check=False)
            deadline = time.monotonic() + 10
            while (self.root / "nginx.pid").exists() and time.monotonic() < deadline:
                time.sleep(0.05)

    def status(self, host: str) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("GET", "/threads/123", headers={"Host": host})
            return conn.getresponse().status
        finally:
            conn.close()

    def wait_for(self, host: str, expected: int, timeout: float = 10.0) -> int:
        """A reload swaps workers asynchronously: poll until the new configuration answers (or give up)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                got = self.status(host)
            except OSError:
                got = -1
            if got == expected or time.monotonic() > deadline:
                return got
            time.sleep(0.05)
