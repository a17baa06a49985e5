"""HTML -> text: every forum post kept, charsets honoured, junk never raises."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abusedesk.evidence.extract import extract_text, strip_tags

POSTS = [
    "Look at her latest stream lol, what a clown.",
    "Her real name is Jane Example, she moved to Belfast last month.",
    "She lives at 12 Example Road near the park. Someone should visit her.",
    "Café next door, she goes there every morning at 8.",
    "Ella vive en Belfast, alguien debería ir a verla.",
    "\u0633\u0646\u0632\u0648\u0631\u0647\u0627 \u0641\u064a \u0628\u0644\u0641\u0627\u0633\u062a",
]


def forum_page(charset_meta: str = "utf-8") -> str:
    posts = "\n".join(
        f'<article class="message" id="post-{i}"><div class="userinfo"><a class="username">anon{i}</a>'
        f'</div><div class="messageContent"><blockquote class="messageText">{text}</blockquote></div>'
        f"</article>"
        for i, text in enumerate(POSTS, 1)
    )
    return (
        f'<!DOCTYPE html><html><head><meta charset="{charset_meta}"><title>Thread: that streamer</title>'
        "<script>var tracking = 'do not extract me';</script><style>.x{color:red}</style></head><body>"
        '<nav><a href="/">Home</a> | <a href="/forums">Forums</a></nav><h1>Thread: that streamer</h1>'
        f'<div class="messageList">{posts}</div><footer>Copyright forum 2026.</footer></body></html>'
    )


def test_forum_page_keeps_every_post() -> None:
    text = extract_text(forum_page().encode("utf-8"), "text/html; charset=utf-8", "http://forum.test/t/1")
    for post in POSTS:
        assert post in text
    assert "do not extract me" not in text


def test_reply_comments_section_is_kept() -> None:
    html = (
        "<html><body><article><h1>Blog post</h1><p>" + "A long article paragraph. " * 20 + "</p></article>"
        '<section id="comments"><div class="comment"><p>Comment one: we know where she works.</p></div>'
        '<div class="comment"><p>Comment two: her plate is AB12 CDE.</p></div></section></body></html>'
    )
    text = extract_text(html.encode(), "text/html", "http://blog.test/p")
    assert "we know where she works" in text
    assert "AB12 CDE" in text


def test_meta_charset_used_when_header_has_none() -> None:
    html = forum_page("windows-1252").replace(POSTS[5], "").encode("cp1252")
    text = extract_text(html, "text/html", "http://forum.test/t/1")
    assert "Café next door" in text


def test_header_charset_wins_over_meta() -> None:
    html = '<html><head><meta charset="utf-8"></head><body><p>Ünïcödé señal</p></body></html>'
    text = extract_text(html.encode("iso-8859-15"), "text/html; charset=ISO-8859-15", "")
    assert "Ünïcödé señal" in text


def test_undeclared_non_utf8_is_guessed() -> None:
    body = "<html><body><p>Привет, мы знаем где ты живёшь. Это сообщение длинное.</p></body></html>"
    text = extract_text(body.encode("cp1251"), "text/html", "")
    assert "знаем где ты" in text


def test_bom_wins() -> None:
    body = codecs.BOM_UTF16_LE + "<html><body><p>bom text here</p></body></html>".encode("utf-16-le")
    assert "bom text here" in extract_text(body, "text/html; charset=latin-1", "")


def test_plain_text_passthrough() -> None:
    assert extract_text(b"line one\r\nline two\x00", "text/plain; charset=utf-8", "") == "line one\nline two"


def test_json_passthrough_and_binary_ignored() -> None:
    assert extract_text(b'{"a": "b"}', "application/json", "") == '{"a": "b"}'
    assert extract_text(b"\x89PNG\r\n\x1a\n....", "image/png", "") == ""
    assert extract_text(b"%PDF-1.7", "application/pdf", "") == ""


def test_html_sniffed_when_type_missing() -> None:
    assert "hello there" in extract_text(b"<!doctype html><p>hello there</p>", "", "")


def test_stripper_fallback_when_trafilatura_finds_nothing() -> None:
    html = b"<html><body><span>short</span><script>x()</script></body></html>"
    assert extract_text(html, "text/html", "") == "short"


def test_strip_tags_keeps_text_of_broken_markup() -> None:
    assert "b c" in strip_tags("<div><p>a<p>b <i>c</div><script>evil()").replace("\n", " ")


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\xff\xfe\x00\x00garbage",
        b"<" * 100_000,
        b"<html>" + b"<div>" * 5000 + b"deep" + b"</div>" * 5000,
        b"<html><body>\x00\x01\x02</body></html>",
        b"<?xml version='1.0' encoding='bogus'?><html/>",
    ],
)
def test_junk_never_raises(body: bytes) -> None:
    assert isinstance(extract_text(body, "text/html; charset=nonsense", "not a url"), str)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from(["text/html", "text/plain", "", "application/json"]))
def test_arbitrary_bytes_never_raise(body: bytes, content_type: str) -> None:
    assert isinstance(extract_text(body, content_type, "http://x.test/"), str)


def test_recall_guard_appends_blocks_trafilatura_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    from abusedesk.evidence import extract

    monkeypatch.setattr(extract, "_trafilatura", lambda html, url: POSTS[0])
    text = extract_text(forum_page().encode(), "text/html", "http://forum.test/t/1")
    assert text.startswith(POSTS[0])
    for post in POSTS[1:]:
        assert post in text
    assert text.count(POSTS[0]) == 1
    assert "do not extract me" not in text
