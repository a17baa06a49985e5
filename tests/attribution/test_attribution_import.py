"""Customers import (CSV and JSON) and URL -> property -> customer resolution."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from abusedesk.attribution.models import Customer, Property, Service
from abusedesk.attribution.resolve import attribute, match_host, origin_for_host
from abusedesk.cli.main import main

pytestmark = pytest.mark.django_db

CSV = (
    "customer_id,customer_name,customer_email,language,protected,property_kind,property_value,services,"
    "hosts_content,origin_ip,origin_provider,origin_abuse_email\n"
    """acme,Acme Ltd,ops@acme.test,en,no,domain,ACME.test,proxy dns,,203.0.113.9,Origin Host Inc,abuse@origin.test
acme,Acme Ltd,ops@acme.test,en,no,hostname,blog.acme.test,hosting,,,,
ngo,Rights NGO,it@ngo.test,es,yes,ip_range,198.51.100.0/24,hosting,,,,
"""
)


def test_csv_import_and_resolution(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(CSV)
    assert main(["customers", "import", str(path)]) == 0
    assert "imported 2 customers, 3 properties, 4 services" in capsys.readouterr().out
    assert Customer.objects.get(external_id="ngo").protected
    assert match_host("www.acme.test").value == "acme.test"  # type: ignore[union-attr]
    assert match_host("blog.acme.test").kind == "hostname"  # type: ignore[union-attr]
    assert match_host("notacme.test") is None
    assert match_host("", ip="198.51.100.77").customer.external_id == "ngo"  # type: ignore[union-attr]
    proxy = Service.objects.get(kind="proxy")
    assert not proxy.hosts_content and str(proxy.origin_ip) == "203.0.113.9"
    assert Service.objects.get(kind="hosting", property__value="blog.acme.test").hosts_content
    assert origin_for_host("shop.acme.test") == {"ip": "203.0.113.9", "provider": "Origin Host Inc",
                                                 "abuse_email": "abuse@origin.test", "customer": "Acme Ltd"}


def test_import_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(CSV)
    main(["customers", "import", str(path)])
    main(["customers", "import", str(path)])
    assert Customer.objects.count() == 2 and Property.objects.count() == 3 and Service.objects.count() == 4


def test_json_errors_name_the_record_and_field_and_import_nothing(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "customers.json"
    path.write_text(json.dumps([
        {"id": "ok", "name": "Fine", "properties": [{"domain": "fine.test", "services": ["hosting"]}]},
        {"id": "bad", "name": "", "email": "nope", "properties": [
            {"domain": "x.test", "ip_range": "10.0.0.0/8", "services": ["hosting"]},
            {"ip_range": "not-a-range", "services": ["teleport"]}]},
    ]))
    assert main(["customers", "import", str(path)]) == 1
    err = capsys.readouterr().err
    assert "customer #2: name is required" in err
    assert "customer #2: email is not a valid e-mail address" in err
    assert "customer #2 property #1: give exactly one of domain, hostname, ip_range" in err
    assert "customer #2 property #2: ip_range is not a CIDR range" in err
    assert "(unknown: teleport)" in err
    assert not Customer.objects.exists()


@pytest.mark.parametrize(("record", "message"), [
    ({"id": "a", "name": "A", "protected": "no"}, "customer #1: protected must be true or false"),
    ({"id": "a", "name": "A", "colour": "red"}, "customer #1: colour is not a known field"),
    ({"id": "a", "name": "A", "properties": [{"domain": "a.test", "services": ["proxy"], "origin": {"ip": "x"}}]},
     "customer #1 property #1: origin.ip is not an IP address"),
    ({"id": "a", "name": "A", "properties": [{"hostname": "a.test", "services": "proxy"}]},
     "customer #1 property #1: services must be a list"),
    ({"id": "a", "name": "A", "properties": ["a.test"]}, "customer #1 property #1: must be an object"),
    ("acme", "customer #1: must be an object"),
])
def test_each_problem_names_the_record_and_field(record: Any, message: str) -> None:
    from abusedesk.attribution.importer import ImportError_, import_records

    with pytest.raises(ImportError_) as caught:
        import_records([record])
    assert caught.value.problems == [message]


def test_csv_errors_name_the_line(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(CSV.replace("ngo,Rights NGO,it@ngo.test,es,yes,ip_range,198.51.100.0/24,hosting",
                                "ngo,Rights NGO,it@ngo.test,es,yes,ip_range,198.51.100.0/24,teleport"))
    assert main(["customers", "import", str(path)]) == 1
    assert "line 4: services must list one or more of" in capsys.readouterr().err


def test_unknown_hosts_are_not_ours(customers: Any) -> None:
    result = attribute([{"url": "https://other.test/", "host": "other.test", "ip": None},
                        {"url": "https://forum.test/a", "host": "forum.test", "ip": None}])
    assert result.unmatched == ["https://other.test/"]
    assert [m.customer.external_id for m in result.matches] == ["forum-op"]
    assert result.matches[0].service_kinds == ["proxy"] and not result.matches[0].hosts_content
