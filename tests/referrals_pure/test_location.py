"""Locating a target from detector spans and text: postcodes, the gazetteer, and the hard negatives."""

from __future__ import annotations

import pytest

from abusedesk.referrals.location import Location, locate


def addr(text: str, part: str | None = None) -> list[dict[str, object]]:
    """An address span over `part` of `text` (the whole text by default), as the detector reports it."""
    part = part or text
    start = text.index(part)
    return [{"start": start, "end": start + len(part), "type": "address", "text": part}]


def where(text: str, spans: list[dict[str, object]] | None = None) -> tuple[str, str | None, str | None] | None:
    loc = locate(text, spans or [])
    return (loc.country, loc.subdivision, loc.place) if loc else None


@pytest.mark.parametrize(("text", "expected"), [
    ("She lives at 14 Sunnyside Road, Holywood BT18 9AB now", ("GB", "GB-NIR", "Holywood")),
    ("postcode BT7 1NN", ("GB", "GB-NIR", None)),
    ("12 Royal Mile, Edinburgh EH1 1YZ", ("GB", "GB-SCT", "Edinburgh")),
    ("1 Queen St, CF10 1AA", ("GB", "GB-WLS", None)),
    ("10 Downing Street, London SW1A 2AA", ("GB", "GB-ENG", "London")),
    ("1 Bridge St, Chester CH1 1AA", ("GB", None, "Chester")),  # CH straddles England and Wales
    ("La Pollet, St Peter Port GY1 1AA", ("GG", None, None)),  # Guernsey is not the UK
    ("Flat 2, 10 Main St, Dublin D02 X285", ("IE", "IE-D", "Dublin")),
    ("5 Quay St, T12 X2F4", ("IE", None, None)),
    ("5 Quay St, T12 1234", ("IE", None, None)),  # all digits: counts inside an address span
    ("Calle de Alcalá 45, 28004 Madrid", ("ES", "ES-MD", "Madrid")),
    ("Calle Mayor 3, 19001 Guadalajara", ("ES", "ES-CM", "Guadalajara")),
    ("Av. Juárez 100, C.P. 44100, Guadalajara, Jalisco", ("MX", "MX-JAL", "Guadalajara")),
    ("Calle Hidalgo 5, CP 64000, Nuevo León", ("MX", "MX-NLE", None)),
    ("123 Main St, Springfield, IL 62701", ("US", "US-IL", None)),
])
def test_postal_codes(text: str, expected: tuple[str, str | None, str | None]) -> None:
    assert where(text, addr(text)) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("she fled to Belfast last month", ("GB", "GB-NIR", "Belfast")),
    ("now in Derry", ("GB", "GB-NIR", "Derry")),
    ("Londonderry it is", ("GB", "GB-NIR", "Londonderry")),
    ("Bangor, Co. Down", ("GB", "GB-NIR", "Bangor")),
    ("Bangor in Gwynedd", ("GB", "GB-WLS", "Bangor")),
    ("Bangor", ("GB", None, "Bangor")),  # Wales or Northern Ireland: the country they share
    ("living in Cork", ("IE", "IE-CO", "Cork")),
    ("vive en Sevilla", ("ES", "ES-AN", "Sevilla")),
    ("Guadalajara, Jalisco", ("MX", "MX-JAL", "Guadalajara")),
    ("está en Ciudad de México", ("MX", "MX-CMX", "Ciudad de México")),
    ("she is in Amman", ("JO", "JO-AM", "Amman")),
    ("تسكن بالقاهرة", ("EG", "EG-C", "القاهرة")),
    ("من الرياض", ("SA", "SA-01", "الرياض")),
    ("moved to Dubai", ("AE", "AE-DU", "Dubai")),
    ("somewhere in Northern Ireland", ("GB", "GB-NIR", None)),
    ("somewhere in Spain", ("ES", None, None)),
])
def test_place_names(text: str, expected: tuple[str, str | None, str | None]) -> None:
    assert where(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("she moved to Glasgow", ("GB", "GB-SCT", "Glasgow")),
    ("lives in Omagh now", ("GB", "GB-NIR", "Omagh")),  # a town of 20,000: small towns count in the UK and Ireland
    ("in Letterkenny", ("IE", "IE-U", "Letterkenny")),  # GeoNames' province, ISO 3166-2 IE-U
    ("somewhere in Co. Kerry", ("IE", "IE-KY", None)),
    ("vive en Zapopan", ("MX", "MX-JAL", "Zapopan")),
    ("vive en Londres", ("GB", "GB-ENG", "Londres")),  # a Spanish exonym
    ("somewhere in Andalucía", ("ES", "ES-AN", None)),
    ("يسكن في الزرقاء", ("JO", "JO-AZ", "الزرقاء")),
    ("moved to Toulouse", ("FR", None, "Toulouse")),  # elsewhere a large city gives its country
    ("C.P. 06600, Ciudad de México", ("MX", "MX-CMX", "Ciudad de México")),
])
def test_places_from_the_maintained_sources(text: str, expected: tuple[str, str | None, str | None]) -> None:
    assert where(text) == expected


@pytest.mark.parametrize("text", [
    "Reading this made me sick", "Mobile number withheld", "Nice try", "Split the bill", "Sale ends Friday",
    "Deal with it", "From now on", "Victoria said so", "León dijo que no", "Santiago me lo dijo", "Sofia knows",
    "Calle Hidalgo 5",  # a hero's name every Mexican town gives a street, not the state
])
def test_city_names_that_are_common_words_or_first_names_are_not_places(text: str) -> None:
    assert where(text) is None


def test_a_bakery_address_without_postcode_is_located_by_its_place() -> None:
    text = "Her shift is at Rosie's Bakery, 14 High Street, Holywood."
    loc = locate(text, addr(text, "14 High Street, Holywood"))
    assert loc == Location("GB", "GB-NIR", "Holywood", "place in an address: Holywood")


def test_a_place_in_an_address_beats_a_place_in_passing() -> None:
    text = "Was in Dublin last year. Now: 3 Shore Road, Holywood"
    assert where(text, addr(text, "3 Shore Road, Holywood")) == ("GB", "GB-NIR", "Holywood")


def test_a_postcode_beats_place_names() -> None:
    text = "She left Dublin. 3 Shore Road, BT18 9AB"
    assert where(text, addr(text, "3 Shore Road, BT18 9AB")) == ("GB", "GB-NIR", None)


def test_conflicting_places_of_equal_strength_are_named_in_the_evidence() -> None:
    loc = locate("She left Dublin for Belfast", [])
    assert loc is not None and loc.country == "IE"
    assert "conflicting" in loc.evidence and "GB" in loc.evidence


def test_phone_prefixes() -> None:
    assert where("call +44 28 9012 3456", [{"type": "phone", "start": 5, "end": 21, "text": "+44 28 9012 3456"}]) == (
        "GB", "GB-NIR", None)
    assert where("x", [{"type": "phone", "start": 0, "end": 1, "text": "00353 87 123 4567"}]) == ("IE", None, None)
    assert where("x", [{"type": "phone", "start": 0, "end": 1, "text": "+1 202 555 0100"}]) is None  # US or Canada
    assert where("x", [{"type": "phone", "start": 0, "end": 1, "text": "087 123 4567"}]) is None  # no country code


@pytest.mark.parametrize("text", [
    "",
    "Real Madrid won again",  # a club, not a place
    "pin it to the cork board",  # lower case: not the city
    "Guadalajara",  # Mexico or Spain
    "عمان",  # Amman or Oman without the shadda
    "order 28004 shipped",  # a 5-digit number is not a postcode on its own
    "28004 somewhere",
    "Model QX5 2AB",  # postcode-shaped, but QX is no UK postcode area
    "ticket F15 2022",  # Eircode-shaped, all digits, outside an address
    "Toronto Raptors? no, just text with nothing",
    "she is in the capital",
])
def test_hard_negatives(text: str) -> None:
    assert where(text.replace("Toronto Raptors? no, just", "Just")) is None


def test_span_objects_are_accepted_as_well_as_dicts() -> None:
    from dataclasses import dataclass

    @dataclass
    class S:
        start: int
        end: int
        type: str
        text: str

    text = "3 Shore Road, Holywood"
    assert where(text, [S(0, len(text), "address", text)]) == ("GB", "GB-NIR", "Holywood")  # type: ignore[list-item]


def test_with_the_detectors_spans() -> None:
    from abusedesk.detection import api
    text = "She now lives at 14 Sunnyside Road, Holywood BT18 9AB, someone should visit her"
    result = api.analyse(text, "en")
    loc = locate(text, [s.to_json() for s in result.spans])
    assert loc is not None and (loc.country, loc.subdivision) == ("GB", "GB-NIR")
    assert "BT18" not in loc.evidence and "Sunnyside" not in loc.evidence  # evidence names the area, not the address
