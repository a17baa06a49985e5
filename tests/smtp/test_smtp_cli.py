"""`abusedesk smtp` and `abusedesk up --smtp-port`: clear errors naming the option, and the listener runs and stops
with the desk."""

from __future__ import annotations

import signal
import smtplib
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .helpers import ADDRESS, HOST, cli, message, sqlite_desk_env, stored_counts


@pytest.fixture(scope="module")
def desk_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return sqlite_desk_env(tmp_path_factory.mktemp("smtp-cli") / "data")


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cli(*args), env=env, capture_output=True, text=True, timeout=300)


def test_smtp_names_the_port_already_in_use(desk_env: dict[str, str], taken_port: int) -> None:
    out = _run(desk_env, "smtp", "--port", str(taken_port))
    assert out.returncode == 2
    assert f"abusedesk: error: --port {taken_port}: the port is already in use on {HOST}" in out.stderr


def test_smtp_names_a_bad_address_list(desk_env: dict[str, str]) -> None:
    out = _run({**desk_env, "ABUSEDESK_MAIL_ADDRESSES": "abuse@desk.test,abuse at desk.test"}, "smtp", "--port", "0")
    assert out.returncode == 2
    assert "ABUSEDESK_MAIL_ADDRESSES: 'abuse at desk.test' is not an e-mail address" in out.stderr


def test_smtp_refuses_a_port_out_of_range(desk_env: dict[str, str]) -> None:
    out = _run(desk_env, "smtp", "--port", "70000")
    assert out.returncode == 2 and "--port must be between 0 and 65535" in out.stderr


def test_up_names_the_smtp_port_in_use_before_starting_anything(tmp_path: Path, taken_port: int,
                                                                  desk_env: dict[str, str]) -> None:
    env = {**desk_env, "ABUSEDESK_DATA_DIR": str(tmp_path / "up")}
    out = _run(env, "up", "--no-admin", "--port", str(_free_port()), "--smtp-port", str(taken_port))
    assert out.returncode == 2
    assert f"abusedesk: error: --smtp-port {taken_port}: the port is already in use" in out.stderr
    assert "abusedesk is running" not in out.stdout


def _greeting(port: int) -> bytes:
    try:
        with socket.create_connection((HOST, port), timeout=5) as sock:
            return sock.recv(100)
    except OSError:
        return b""


@pytest.mark.slow
def test_up_with_smtp_port_takes_mail_and_stops_with_the_desk(tmp_path: Path, desk_env: dict[str, str]) -> None:
    env = {**desk_env, "ABUSEDESK_DATA_DIR": str(tmp_path / "up")}
    smtp_port = _free_port()
    up = subprocess.Popen(cli("up", "--no-admin", "--workers", "0", "--web-processes", "1", "--port",
                              str(_free_port()), "--smtp-port", str(smtp_port)),
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 180
        while not _greeting(smtp_port).startswith(b"220"):
            assert up.poll() is None and time.monotonic() < deadline, "the SMTP listener did not come up"
            time.sleep(0.5)
        with smtplib.SMTP(HOST, smtp_port, timeout=60) as client:
            assert client.sendmail("reporter@mail.test", [ADDRESS], message("via-up")) == {}
    finally:
        up.send_signal(signal.SIGTERM)
        output = up.communicate(timeout=120)[0]
    assert up.returncode == 0, output[-3000:]
    assert f"e-mail intake:   SMTP on {HOST}:{smtp_port} for {ADDRESS}" in output
    assert _greeting(smtp_port) == b"", "the listener outlived `abusedesk up`"
    assert stored_counts(env) == {"via-up": 1}
