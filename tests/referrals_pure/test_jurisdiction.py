"""The law-enforcement routing table and the rule that reads it."""

from __future__ import annotations

import copy
import json
import re
from importlib import resources
from typing import Any

import pytest

from abusedesk.referrals.jurisdiction import EU_MEMBER_STATES, TableError, default_table, load_table, route
from abusedesk.referrals.location import Location, locate

NI = Location("GB", "GB-NIR", "Belfast", "place in the text: Belfast")
DUBLIN = Location("IE", "IE-D", "Dublin", "")
MADRID = Location("ES", "ES-MD", "Madrid", "")
EU_LINK = Location("EU", None, None, "the victim said she lives 'somewhere in the EU'")


def shipped() -> dict[str, Any]:
    text = resources.files("abusedesk.referrals").joinpath("data", "jurisdictions.json").read_text("utf-8")
    return json.loads(text)


def test_northern_ireland_goes_to_the_psni_outside_article_18() -> None:
    r = route(NI)
    assert (r.jurisdiction, r.authority, r.dsa_article_18) == (
        "GB-NIR", "Police Service of Northern Ireland (PSNI)", False)
    assert "outside the EU" in r.basis and "victim" in r.basis


def test_the_reference_scenario_from_post_text_to_psni() -> None:
    text = "she lives at 14 Sunnyside Road, Holywood BT18 9AB"
    r = route(locate(text, [{"type": "address", "start": 13, "end": len(text), "text": text[13:]}]))
    assert r.jurisdiction == "GB-NIR" and "PSNI" in r.authority


def test_an_irish_victim_is_an_article_18_notification_to_the_garda() -> None:
    r = route(DUBLIN)
    assert (r.jurisdiction, r.dsa_article_18) == ("IE", True)
    assert "Garda" in r.authority and "Art. 18(1)" in r.basis


def test_other_uk_nations_and_countries() -> None:
    assert route(Location("GB", "GB-SCT")).authority == "Police Scotland"
    assert "National Crime Agency" in route(Location("GB", "GB-ENG")).authority
    assert "National Crime Agency" in route(Location("GB", "GB-WLS")).authority
    assert route(Location("GB")).jurisdiction == "GB"
    assert "FBI" in route(Location("US", "US-IL")).authority
    assert "Guardia Nacional" in route(Location("MX", "MX-JAL")).authority
    for code in ("JO", "EG", "SA", "AE"):
        r = route(Location(code))
        assert (r.jurisdiction, r.dsa_article_18) == (code, False)


def test_a_subdivision_without_its_own_entry_falls_to_its_country() -> None:
    r = route(MADRID)
    assert (r.jurisdiction, r.dsa_article_18) == ("ES", True)


def test_victim_then_offence_then_suspect() -> None:
    assert route(NI, DUBLIN, MADRID).jurisdiction == "GB-NIR"
    assert route(None, DUBLIN, MADRID).jurisdiction == "IE"
    assert route(None, None, MADRID).jurisdiction == "ES"


def test_other_eu_parties_are_listed_for_their_own_article_18_notification() -> None:
    assert route(NI, suspect=DUBLIN).also_notify == ("IE",)
    assert route(NI, DUBLIN, MADRID).also_notify == ("IE", "ES")
    assert route(DUBLIN, suspect=Location("IE")).also_notify == ()
    assert route(NI, suspect=Location("US")).also_notify == ()
    assert route(NI, suspect=EU_LINK).also_notify == ("EU",)


def test_an_eu_link_without_a_member_state_goes_to_europol() -> None:
    r = route(EU_LINK)
    assert (r.jurisdiction, r.authority, r.dsa_article_18) == ("EU", "Europol", True)
    assert "Art. 18(2)" in r.basis
    assert route(EU_LINK, MADRID).jurisdiction == "ES"  # a later party naming the Member State wins
    assert route(EU_LINK, MADRID).also_notify == ()


def test_no_location_at_all_is_europol_with_manual_routing() -> None:
    r = route(None)
    assert r.jurisdiction == "unknown" and r.dsa_article_18
    assert "Europol" in r.authority and "manual routing" in r.authority


def test_a_country_without_an_entry_needs_manual_routing() -> None:
    r = route(Location("BR"))
    assert (r.jurisdiction, r.dsa_article_18) == ("BR", False)
    assert "manual routing" in r.authority and "no entry" in r.basis


def test_the_shipped_table_covers_every_member_state_with_placeholder_contacts() -> None:
    table = default_table()
    assert {k for k, a in table.entries.items() if a.eu} == EU_MEMBER_STATES
    assert len(EU_MEMBER_STATES) == 27
    contacts = [a.contact for a in [*table.entries.values(), *table.fallbacks.values()]]
    assert set(contacts) == {"to be configured"}  # never an address that looks real


def test_every_shipped_entry_names_its_source() -> None:
    table = default_table()
    assert all(a.source.startswith("https://") for a in table.entries.values())
    assert "Art. 18" in table.fallbacks["unknown"].source


def test_an_operator_table_replaces_contacts() -> None:
    data = shipped()
    data["entries"]["GB-NIR"]["contact"] = "mailto:referrals@psni.example.invalid"
    assert route(NI, table=load_table(data)).contact == "mailto:referrals@psni.example.invalid"


def broken(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(shipped())
    change(data)
    return data


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["entries"]["IE"].pop("authority"), "entries['IE'].authority: expected a non-empty string"),
    (lambda d: d["entries"]["GB-NIR"].update(contact=""), "entries['GB-NIR'].contact"),
    (lambda d: d["entries"]["GB"].update(eu="no"), "entries['GB'].eu: expected true or false"),
    (lambda d: d["entries"]["US"].update(phone="x"), "entries['US']: unknown field(s) phone"),
    (lambda d: d["entries"]["IE"].pop("source"), "entries['IE'].source: expected the authority's website"),
    (lambda d: d["entries"]["IE"].update(source="http://www.garda.ie"), "entries['IE'].source: 'http://www.garda"),
    (lambda d: d["entries"]["IE"].update(source=["x"]), "entries['IE'].source: expected a string"),
    (lambda d: d["entries"].update({"Gb-nir": d["entries"]["GB-NIR"]}), "entries['Gb-nir']: key must be"),
    (lambda d: d["entries"].update({"GBR": d["entries"]["GB"]}), "entries['GBR']: key must be"),
    (lambda d: d["entries"]["GB"].update(eu=True), "entries['GB'].eu: only the 27 EU Member States"),
    (lambda d: d["entries"]["FR"].update(eu=False), "entries['FR'].eu: FR is an EU Member State"),
    (lambda d: d["entries"].pop("MT"), "missing EU Member States MT"),
    (lambda d: d["fallbacks"].pop("eu"), "fallbacks['eu']: missing"),
    (lambda d: d["fallbacks"].update(unknown="Europol"), "fallbacks['unknown']: expected an object"),
    (lambda d: d.pop("entries"), "expected objects 'entries' and 'fallbacks'"),
])
def test_table_errors_name_the_entry(change: Any, message: str) -> None:
    with pytest.raises(TableError, match=re.escape(message)):
        load_table(broken(change))
    with pytest.raises(TableError, match="expected an object"):
        load_table([])
