"""Who sent it: results from a trusted relay only, DKIM verified with dkimpy when configured, and a trusted or
authority lane only for a configured domain whose DKIM signature passed."""

from __future__ import annotations

import base64
import json
from typing import Any

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .conftest import simple


@pytest.fixture(scope="module")
def keys() -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch, keys: tuple[bytes, bytes]) -> dict[bytes, bytes]:
    """A recorded DNS: the selector's TXT record for each domain put in the table (nothing leaves the machine)."""
    records: dict[bytes, bytes] = {}
    monkeypatch.setattr("abusedesk.intake.email.auth.dkim_txt", lambda name, timeout=5: records.get(name))
    return records


def signed(raw: bytes, private: bytes, domain: str) -> bytes:
    signature: bytes = dkim.sign(raw, b"sel", domain.encode(), private, include_headers=[b"from", b"subject",
                                                                                          b"message-id"])
    return signature + raw


def relay(result: str, serv: str = "mx.desk.example", domain: str = "cert.example") -> str:
    return (f"Authentication-Results: {serv}; spf=pass smtp.mailfrom={domain}; dkim={result} header.d={domain} "
            f"header.s=sel; dmarc={result} header.from={domain}\r\n")


@pytest.mark.django_db
def test_a_trusted_relays_pass_for_a_configured_domain_opens_the_trusted_lane(ingest: Any, mail_settings: Any) -> None:
    message = ingest(simple(sender="CERT <alerts@cert.example>", extra=relay("pass"), message_id="<t1@cert.example>"))
    report = message.report
    assert report.lane == "trusted" and report.reporter.kind == "trusted_flagger"
    auth = json.loads(message.parsed)["auth"]
    assert auth["by"] == "mx.desk.example" and auth["spf"] == "pass" and auth["dmarc"] == "pass"
    assert auth["dkim"] == [{"result": "pass", "domain": "cert.example", "by": "mx.desk.example"}]


@pytest.mark.django_db
def test_the_authority_lane_and_its_order_checks(ingest: Any, mail_settings: Any) -> None:
    sender = "Cyber Unit <unit@police.example>"
    message = ingest(simple(sender=sender, extra=relay("pass", domain="police.example"),
                            message_id="<a1@police.example>"))
    report = message.report
    assert report.lane == "authority" and report.reporter.kind == "authority"
    assert "missing the legal basis (the law the order relies on)" in report.order_problems


@pytest.mark.django_db
def test_a_header_from_an_unknown_authserv_id_is_not_believed(ingest: Any, mail_settings: Any) -> None:
    forged = relay("pass", serv="mx.attacker.example")
    message = ingest(simple(sender="CERT <alerts@cert.example>", extra=forged, message_id="<t2@cert.example>"))
    assert message.report.lane == "normal" and message.report.reporter.kind == "individual"
    auth = json.loads(message.parsed)["auth"]
    assert auth["untrusted"] == ["mx.attacker.example"] and auth["dkim"] == []


@pytest.mark.django_db
def test_forged_from_with_failing_dkim_gets_no_lane(ingest: Any, mail_settings: Any) -> None:
    message = ingest(simple(sender="CERT <alerts@cert.example>", extra=relay("fail"), message_id="<t3@x.example>"))
    assert message.report.lane == "normal" and message.report.reporter.kind == "individual"
    assert "no DKIM signature passed" in json.loads(message.parsed)["auth"]["reason"]


@pytest.mark.django_db
def test_a_pass_for_another_domain_does_not_vouch_for_the_from(ingest: Any, mail_settings: Any) -> None:
    extra = relay("pass", domain="bulk-sender.example")
    message = ingest(simple(sender="CERT <alerts@cert.example>", extra=extra, message_id="<t4@x.example>"))
    assert message.report.lane == "normal"


@pytest.mark.django_db
def test_dkim_verified_here_opens_the_lane(ingest: Any, mail_settings: Any, keys: tuple[bytes, bytes],
                                           dns: dict[bytes, bytes]) -> None:
    mail_settings.MAIL_DKIM_VERIFY = True
    dns[b"sel._domainkey.cert.example."] = keys[1]
    raw = signed(simple(sender="CERT <alerts@cert.example>", message_id="<d1@cert.example>"), keys[0], "cert.example")
    message = ingest(raw)
    assert json.loads(message.parsed)["auth"]["dkim"] == [{"result": "pass", "domain": "cert.example",
                                                          "by": "dkimpy"}]
    assert message.report.lane == "trusted"


@pytest.mark.django_db
def test_a_signature_broken_in_transit_fails_and_gives_no_lane(ingest: Any, mail_settings: Any,
                                                               keys: tuple[bytes, bytes],
                                                               dns: dict[bytes, bytes]) -> None:
    mail_settings.MAIL_DKIM_VERIFY = True
    dns[b"sel._domainkey.cert.example."] = keys[1]
    raw = signed(simple(sender="CERT <alerts@cert.example>", message_id="<d2@cert.example>"), keys[0], "cert.example")
    tampered = raw.replace(b"steals bank passwords", b"steals bank passw0rds")
    message = ingest(tampered)
    assert json.loads(message.parsed)["auth"]["dkim"][0]["result"] == "fail"
    assert message.report.lane == "normal"


@pytest.mark.django_db
def test_a_signature_by_the_attacker_for_their_own_domain_does_not_help(ingest: Any, mail_settings: Any,
                                                                         keys: tuple[bytes, bytes],
                                                                         dns: dict[bytes, bytes]) -> None:
    mail_settings.MAIL_DKIM_VERIFY = True
    dns[b"sel._domainkey.attacker.example."] = keys[1]
    raw = signed(simple(sender="CERT <alerts@cert.example>", message_id="<d3@x.example>"), keys[0],
                 "attacker.example")
    message = ingest(raw)
    assert json.loads(message.parsed)["auth"]["dkim"][0] == {"result": "pass", "domain": "attacker.example",
                                                             "by": "dkimpy"}
    assert message.report.lane == "normal"


def test_a_malformed_trusted_domain_names_the_setting(settings: Any) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from abusedesk.intake.email.auth import configured_domains

    settings.MAIL_TRUSTED_DOMAINS = ["cert.example=superuser"]
    with pytest.raises(ImproperlyConfigured, match="ABUSEDESK_MAIL_TRUSTED_DOMAINS"):
        configured_domains()
