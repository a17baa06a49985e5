"""HTTPS to a pinned IP with the certificate checked for the original name; the egress CONNECT proxy."""

from __future__ import annotations

import datetime
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from abusedesk.net import FetchPolicy, RefusalReason, StaticResolver, blocked_address, fetch

from .conftest import PUBLIC_HOST, PUBLIC_NET
from .loopback import ConnectProxy, ConnectSpy, LoopbackServer, page


def _self_signed(tmp: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / f"{name}.pem", tmp / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[LoopbackServer, Path]]:
    """HTTPS server on 127.0.0.2 presenting a certificate for shop.test only."""
    cert, key = _self_signed(tmp_path, "shop.test")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = LoopbackServer(page(b"secure page"), host=PUBLIC_HOST)
    server.wrap = lambda sock: context.wrap_socket(sock, server_side=True)
    yield server, cert
    server.close()


def test_https_pinned_ip_and_certificate_checked_for_name(
    tls_server: tuple[LoopbackServer, Path], spy: ConnectSpy
) -> None:
    server, cert = tls_server
    policy = FetchPolicy(allow_networks=PUBLIC_NET, ca_file=str(cert), deadline_s=5)
    resolver = StaticResolver({"shop.test": PUBLIC_HOST})
    result = fetch(f"https://shop.test:{server.port}/", policy=policy, resolver=resolver)
    assert result.ok, result.reason
    assert result.body == b"secure page"
    assert spy.hosts() == {PUBLIC_HOST}
    assert server.requests[0].headers["host"] == f"shop.test:{server.port}"


def test_https_wrong_name_is_tls_error(tls_server: tuple[LoopbackServer, Path]) -> None:
    server, cert = tls_server
    policy = FetchPolicy(allow_networks=PUBLIC_NET, ca_file=str(cert), deadline_s=5)
    resolver = StaticResolver({"other.test": PUBLIC_HOST})
    result = fetch(f"https://other.test:{server.port}/", policy=policy, resolver=resolver)
    assert (result.ok, result.reason) == (False, RefusalReason.TLS_ERROR)


def test_https_untrusted_certificate_is_tls_error(tls_server: tuple[LoopbackServer, Path]) -> None:
    server, _ = tls_server
    policy = FetchPolicy(allow_networks=PUBLIC_NET, deadline_s=5)
    resolver = StaticResolver({"shop.test": PUBLIC_HOST})
    result = fetch(f"https://shop.test:{server.port}/", policy=policy, resolver=resolver)
    assert result.reason == RefusalReason.TLS_ERROR


def test_verify_tls_off_still_pins(tls_server: tuple[LoopbackServer, Path], spy: ConnectSpy) -> None:
    server, _ = tls_server
    policy = FetchPolicy(allow_networks=PUBLIC_NET, deadline_s=5, verify_tls=False)
    resolver = StaticResolver({"other.test": PUBLIC_HOST})
    result = fetch(f"https://other.test:{server.port}/", policy=policy, resolver=resolver)
    assert result.ok
    assert spy.hosts() == {PUBLIC_HOST}


@pytest.fixture
def proxy() -> Iterator[ConnectProxy]:
    p = ConnectProxy()
    yield p
    p.close()


def test_proxy_tunnels_to_the_validated_ip_not_the_name(proxy: ConnectProxy) -> None:
    with LoopbackServer(page(b"via proxy"), host=PUBLIC_HOST) as server:
        policy = FetchPolicy(allow_networks=PUBLIC_NET, proxy=proxy.url, deadline_s=5)
        resolver = StaticResolver({"site.test": PUBLIC_HOST})
        result = fetch(f"http://site.test:{server.port}/", policy=policy, resolver=resolver)
    assert result.ok, result.reason
    assert result.body == b"via proxy"
    assert proxy.targets == [f"{PUBLIC_HOST}:{server.port}"]
    assert server.requests[0].headers["host"] == f"site.test:{server.port}"


def test_proxy_https_certificate_still_checked(proxy: ConnectProxy, tls_server: tuple[LoopbackServer, Path]) -> None:
    server, cert = tls_server
    policy = FetchPolicy(allow_networks=PUBLIC_NET, proxy=proxy.url, ca_file=str(cert), deadline_s=5)
    resolver = StaticResolver({"shop.test": PUBLIC_HOST})
    result = fetch(f"https://shop.test:{server.port}/", policy=policy, resolver=resolver)
    assert (result.ok, result.body) == (True, b"secure page")


def test_proxy_never_asked_for_a_forbidden_target(proxy: ConnectProxy) -> None:
    policy = FetchPolicy(proxy=proxy.url, deadline_s=5)
    result = fetch("http://site.test/", policy=policy, resolver=StaticResolver({"site.test": "10.0.0.5"}))
    assert result.reason == blocked_address("private")
    assert proxy.server.connections == 0


def test_proxy_refusal_is_a_reason() -> None:
    with LoopbackServer(page(b"no", status=403)) as not_a_proxy:
        policy = FetchPolicy(allow_networks=PUBLIC_NET, proxy=f"http://127.0.0.1:{not_a_proxy.port}")
        resolver = StaticResolver({"site.test": PUBLIC_HOST})
        result = fetch("http://site.test:8080/", policy=policy, resolver=resolver)
    assert result.reason == RefusalReason.PROXY_FAILED
