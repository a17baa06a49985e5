"""The listener's settings: the abuse addresses, STARTTLS with a configured certificate, errors naming the variable."""

from __future__ import annotations

import datetime as dt
import smtplib
import ssl
from pathlib import Path
from typing import Any

import pytest

from abusedesk.intake.email.smtp import ListenerConfigError, accepted_addresses, listener_config, tls_context
from abusedesk.intake.models import InboundMessage
from abusedesk.settings.env import default_abuse_address

from .helpers import ADDRESS, HOST, message


@pytest.mark.parametrize(("public_url", "address"), [
    ("https://desk.example.org/", "abuse@desk.example.org"),
    ("https://Desk.Example.org:8443/x", "abuse@desk.example.org"),
    ("http://127.0.0.1:8000", "abuse@localhost"),
    ("http://[::1]:8000", "abuse@localhost"),
    ("", "abuse@localhost"),
])
def test_the_default_address_is_abuse_at_the_public_host(public_url: str, address: str) -> None:
    assert default_abuse_address(public_url) == address


def test_addresses_are_checked_and_compared_without_case() -> None:
    assert accepted_addresses([" Abuse@Desk.TEST ", "abuse@[192.0.2.1]"]) == {"abuse@desk.test", "abuse@[192.0.2.1]"}


@pytest.mark.parametrize(("values", "problem"), [
    (["abuse@desk.test", "not an address"], "'not an address' is not an e-mail address"),
    (["abuse"], "'abuse' is not an e-mail address"),
    (["abuse@desk.test>, <x@y.test"], "is not an e-mail address"),
    ([""], "'' is not an e-mail address"),
    ([], "no address given"),
])
def test_a_bad_address_list_names_the_variable(values: list[str], problem: str) -> None:
    with pytest.raises(ListenerConfigError, match="^ABUSEDESK_MAIL_ADDRESSES: .*" + problem.replace("(", r"\(")):
        accepted_addresses(values)


def test_starttls_needs_both_files_that_load(tmp_path: Path) -> None:
    assert tls_context("", "") is None
    with pytest.raises(ListenerConfigError, match=r"^ABUSEDESK_MAIL_TLS_KEY: STARTTLS needs both"):
        tls_context(str(tmp_path / "cert.pem"), "")
    with pytest.raises(ListenerConfigError, match="cannot load them: FileNotFoundError"):
        tls_context(str(tmp_path / "cert.pem"), str(tmp_path / "key.pem"))


def test_settings_that_cannot_work_are_refused(settings: Any) -> None:
    settings.MAIL_ADDRESSES = ["abuse@desk.test"]
    settings.MAIL_MAX_BYTES = 100
    with pytest.raises(ListenerConfigError, match=r"^ABUSEDESK_MAIL_MAX_BYTES"):
        listener_config()


def _self_signed(tmp_path: Path) -> tuple[str, str]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "desk.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("desk.test")]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


def test_starttls_is_offered_when_configured_and_mail_is_stored_over_it(make_listener: Any, tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    client_context = ssl.create_default_context(cafile=cert)
    with make_listener(tls=tls_context(cert, key)) as listener, \
            smtplib.SMTP(HOST, listener.port, local_hostname="client.test", timeout=60) as client:
        client.ehlo()
        assert client.has_extn("starttls")
        client._host = "desk.test"  # the name the certificate is for; the socket still goes to loopback
        client.starttls(context=client_context)
        client.ehlo()
        assert not client.has_extn("starttls")
        client.sendmail("reporter@mail.test", [ADDRESS], message("over-tls"))
    assert [m.message_id for m in InboundMessage.objects.all()] == ["<over-tls@mail.test>"]
