"""The scenario forum: posts appear as the simulated clock passes them; one port serves every site."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from abusedesk.watch.forum import ScenarioForum, load_sites
from abusedesk.watch.posts import new_posts, split_posts
from abusedesk.watch.timeparse import format_offset, parse_offset

SITES = [
    {"domain": "forum.test", "threads": [
        {"path": "/threads/123", "title": "The streamer <3", "posts": [
            {"at": "0h", "author": "anon1", "text": "look at her stream"},
            {"at": "20h", "author": "anon2", "text": "her real name is Jane Example"},
            {"at": "2d", "author": "anon3", "text": "<script>alert(1)</script> she's near Belfast & \"hiding\""},
            {"at": "90m", "author": "anon<4>", "text": "line one\nline two"},
        ]},
        {"path": "/threads/later", "title": "Later", "posts": [{"at": "3d", "author": "x", "text": "late"}]},
    ]},
    {"domain": "other.test", "threads": [
        {"path": "/threads/123", "title": "Other", "posts": [{"at": "0m", "author": "o", "text": "other site"}]},
    ]},
]
START = "2022-08-20T09:00:00Z"
# urllib would honour an http_proxy from the environment; these requests must go straight to loopback.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture
def forum() -> Iterator[ScenarioForum]:
    with ScenarioForum(SITES, start=START) as f:
        yield f


def get(forum: ScenarioForum, host: str, path: str) -> tuple[int, str]:
    req = urllib.request.Request(f"http://127.0.0.1:{forum.port}{path}", headers={"Host": host})
    try:
        with OPENER.open(req, timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_parse_offset_units_and_errors() -> None:
    assert parse_offset("90m") == 5400
    assert parse_offset("2.5h") == 9000
    assert parse_offset("3d") == 259200
    assert parse_offset(" 0h ") == 0
    for bad in ("", "3", "3s", "-1h", "h", "1.h", "1 hour"):
        with pytest.raises(ValueError, match="bad time offset") as e:
            parse_offset(bad)
        assert repr(bad) in str(e.value)
    assert format_offset(49.5 * 3600) == "49.5h"
    assert format_offset(7560) == "2.1h"


def test_posts_appear_as_the_clock_passes_them(forum: ScenarioForum) -> None:
    def authors() -> list[str]:
        status, page = get(forum, "forum.test", "/threads/123")
        assert status == 200
        return [p.author for p in split_posts(page, "https://forum.test/threads/123")]

    assert authors() == ["anon1"]
    forum.set_clock(parse_offset("90m"))
    assert authors() == ["anon1", "anon<4>"]  # posts are shown in time order, not file order
    forum.set_clock(parse_offset("20h"))
    assert authors() == ["anon1", "anon<4>", "anon2"]
    forum.set_clock(parse_offset("72h"))
    assert authors() == ["anon1", "anon<4>", "anon2", "anon3"]


def test_post_times_are_start_plus_offset(forum: ScenarioForum) -> None:
    forum.set_clock(parse_offset("3d"))
    posts = split_posts(get(forum, "forum.test", "/threads/123")[1], "u")
    assert [p.posted_at for p in posts] == ["2022-08-20T09:00:00Z", "2022-08-20T10:30:00Z", "2022-08-21T05:00:00Z",
                                            "2022-08-22T09:00:00Z"]
    assert posts[1].text == "line one\nline two"


def test_attacker_text_is_escaped(forum: ScenarioForum) -> None:
    forum.set_clock(parse_offset("2d"))
    _, page = get(forum, "forum.test", "/threads/123")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "anon<4>" not in page and "The streamer <3" not in page
    posts = split_posts(page, "u")
    assert posts[-1].text == "<script>alert(1)</script> she's near Belfast & \"hiding\""
    assert posts[1].author == "anon<4>"


def test_chrome_changes_with_the_clock_but_fingerprints_do_not(forum: ScenarioForum) -> None:
    forum.set_clock(parse_offset("20h"))
    before = get(forum, "forum.test", "/threads/123")[1]
    forum.set_clock(parse_offset("30h"))
    after = get(forum, "forum.test", "/threads/123")[1]
    assert before != after
    old = split_posts(before, "u")
    assert new_posts({p.fingerprint for p in old}, split_posts(after, "u")) == []
    forum.set_clock(parse_offset("2d"))
    fresh = new_posts({p.fingerprint for p in old}, split_posts(get(forum, "forum.test", "/threads/123")[1], "u"))
    assert [p.author for p in fresh] == ["anon3"]


def test_host_header_selects_the_site_and_unknown_pages_are_404(forum: ScenarioForum) -> None:
    assert "other site" in get(forum, "other.test", "/threads/123")[1]
    assert "other site" not in get(forum, "forum.test", "/threads/123")[1]
    assert get(forum, f"FORUM.test:{forum.port}", "/threads/123/?page=1")[0] == 200
    assert get(forum, "unknown.test", "/threads/123")[0] == 404
    assert get(forum, "forum.test", "/threads/999")[0] == 404
    assert get(forum, "forum.test", "/threads/later")[0] == 404  # its first post is not due yet
    forum.set_clock(parse_offset("3d"))
    assert get(forum, "forum.test", "/threads/later")[0] == 200


def test_request_log(forum: ScenarioForum) -> None:
    get(forum, "forum.test", "/threads/123")
    forum.set_clock(3600)
    get(forum, "forum.test", "/nope")
    assert [(r.clock, r.host, r.path, r.status) for r in forum.requests] == [
        (0.0, "forum.test", "/threads/123", 200), (3600.0, "forum.test", "/nope", 404)]


def test_clock_and_host_are_checked() -> None:
    with ScenarioForum(SITES) as f, pytest.raises(ValueError, match="clock"):
        f.set_clock(-1)
    with pytest.raises(ValueError, match="loopback"):
        ScenarioForum(SITES, host="0.0.0.0")


@pytest.mark.parametrize(("sites", "where"), [
    ({"domain": "x"}, "sites: expected a list"),
    ([{"threads": []}], r"sites\[0\]\.domain"),
    ([{"domain": "x", "threads": [{"path": "t", "posts": []}]}], r"sites\[0\]\.threads\[0\]\.path"),
    ([{"domain": "x", "threads": [{"path": "/t", "posts": [{"at": "5x", "author": "a", "text": "b"}]}]}],
     r"sites\[0\]\.threads\[0\]\.posts\[0\]\.at: bad time offset '5x'"),
    ([{"domain": "x", "threads": [{"path": "/t", "posts": [{"at": "5m", "text": "b"}]}]}],
     r"posts\[0\]\.author"),
    ([{"domain": "x", "threads": [{"path": "/t", "posts": []}, {"path": "/t/", "posts": []}]}], "duplicate"),
])
def test_bad_sites_are_rejected_naming_the_entry(sites: object, where: str) -> None:
    with pytest.raises(ValueError, match=where):
        load_sites(sites)  # type: ignore[arg-type]
