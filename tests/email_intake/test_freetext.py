"""The pieces of free-text reading, without a database: defanged indicators, own words, sharing, HTML as text."""

from __future__ import annotations

import pytest

from abusedesk.intake.email import freetext, html


@pytest.mark.parametrize(("text", "urls"), [
    ("see hxxp://evil.example/a.", ["http://evil.example/a"]),
    ("see hXXps[:]//evil.example/login", ["https://evil.example/login"]),
    ("the site evil[.]example and bad(.)example/x", ["http://evil.example", "http://bad.example/x"]),
    ("phish at login[dot]bank-copy[dot]example", ["http://login.bank-copy.example"]),
    ("mirror on www.copy.example, thanks", ["http://www.copy.example"]),
    ("(https://evil.example/path_(x))", ["https://evil.example/path_(x)"]),
    ("from 203.0.113[.]7 and 2001:db8::5 but not 10.1.2.3 or 127.0.0.1", ["http://203.0.113.7/",
                                                                         "http://[2001:db8::5]/"]),
    ("at 10:30:00 on version 1.2.3, e.g. this", []),
])
def test_urls_and_ips_are_found_plain_or_defanged(text: str, urls: list[str]) -> None:
    assert freetext.urls_in(text) == urls


def test_links_to_this_desk_are_left_out(settings: object) -> None:
    settings.PUBLIC_URL = "https://desk.example"  # type: ignore[attr-defined]
    assert freetext.urls_in("status: https://desk.example/status/1 page: http://evil.example/") == [
        "http://evil.example/"]


@pytest.mark.parametrize(("text", "own"), [
    ("New one: http://a.example\n\nOn Mon, 2 Mar 2026 at 10:00, Desk <d@x.example> wrote:\n> old text\n",
     "New one: http://a.example"),
    ("Otra: http://b.example\n\nEl lun, 2 mar 2026 a las 10:00, Desk (<d@x.example>) escribió:\n> texto\n",
     "Otra: http://b.example"),
    ("Look at this\n\n---------- Forwarded message ---------\nFrom: crook@x.example\nClick http://c.example\n",
     "Look at this"),
])
def test_quoted_replies_are_stripped(text: str, own: str) -> None:
    assert freetext.own_words(text) == own


@pytest.mark.parametrize(("text", "choices"), [
    ("Share my identity: send", {"host": "send", "site_owner": "send", "law_enforcement": "send"}),
    ("share identity with law enforcement: anonymous\nShare identity with host: no",
     {"law_enforcement": "anonymous", "host": "none"}),
    ("Compartir mi identidad con el proveedor: sí", {"host": "send"}),
    ("I would rather not share anything", {}),
])
def test_sharing_choices_are_read_from_a_stated_line(text: str, choices: dict[str, str]) -> None:
    assert freetext.sharing(text) == choices


def test_html_keeps_words_and_link_targets_only() -> None:
    text = html.to_text('<div>Hello <b>there</b></div><script>alert(1)</script><style>p{}</style>'
                        '<a href="https://x.example/a">here</a><a href="javascript:alert(2)">js</a>'
                        '<img src="http://img.example/p.gif"><p>bye &amp; thanks</p>')
    assert text == "Hello there\nhere <https://x.example/a>js\nbye & thanks"


def test_html_that_never_closes_a_script_keeps_nothing_of_it() -> None:
    assert html.to_text("<p>before</p><script>var x = '<a href=http://e.example>'") == "before"
