"""Reading archives: posts per page, and every kind of bad input skipped with its reason."""

from __future__ import annotations

import json
from pathlib import Path

from abusedesk.assess.posts import Post, Skip, thread_of
from abusedesk.assess.sources import kind, read_jsonl, read_source
from abusedesk.assess.warc import read_warc

from .conftest import forum_page, warc

PAGE = forum_page([("ann", "2026-03-01T10:00:00Z", "first post"), ("bob", "2026-03-02T11:00:00Z", "second post"),
                   ("cat", "2026-04-01T12:00:00Z", "third <b>post</b>")])


def _split(items: list[Post | Skip]) -> tuple[list[Post], list[Skip]]:
    return [i for i in items if isinstance(i, Post)], [i for i in items if isinstance(i, Skip)]


def test_a_forum_page_gives_one_post_per_post_with_author_and_time(tmp_path: Path) -> None:
    path = warc(tmp_path / "a.warc.gz", [("https://f.test/threads/7/page-2", PAGE, "text/html; charset=utf-8")])
    posts, skips = _split(list(read_source(str(path), 0)))
    assert not skips
    assert [(p.author, p.at, p.text) for p in posts] == [
        ("ann", "2026-03-01T10:00:00Z", "first post"), ("bob", "2026-03-02T11:00:00Z", "second post"),
        ("cat", "2026-04-01T12:00:00Z", "third <b>post</b>")]
    assert {p.thread for p in posts} == {"https://f.test/threads/7"}


def test_a_page_without_post_markup_is_one_post_of_its_main_text(tmp_path: Path) -> None:
    body = b"<html><body><nav>Home About</nav><main><p>Somebody wrote a long paragraph here about the town.</p>" \
           b"</main></body></html>"
    path = warc(tmp_path / "b.warc", [("https://f.test/blog/1", body, "text/html")], gzip=False)
    posts, _ = _split(list(read_warc(str(path), 0)))
    assert len(posts) == 1 and "long paragraph" in posts[0].text and posts[0].author == ""


def test_pages_of_a_thread_are_one_thread() -> None:
    assert thread_of("https://F.test/threads/7/page-3#post-9") == "https://f.test/threads/7"
    assert thread_of("https://f.test/viewtopic.php?t=5&start=40") == "https://f.test/viewtopic.php?t=5"
    assert thread_of("https://f.test/t/5/?page=2") == "https://f.test/t/5"


def test_non_html_other_statuses_and_duplicates_are_skipped_with_reasons(tmp_path: Path) -> None:
    path = warc(tmp_path / "c.warc.gz", [
        ("https://f.test/threads/1", PAGE, "text/html"),
        ("https://f.test/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(32), "image/png"),
        ("https://f.test/app.js", b"var x = 1;", "application/javascript"),
        ("https://f.test/threads/1", PAGE, "text/html"),  # the same capture again
    ])
    posts, skips = _split(list(read_source(str(path), 0)))
    assert len(posts) == 3
    assert [s.reason for s in skips] == ["not_html", "not_html", "duplicate_record"]
    missing = warc(tmp_path / "d.warc.gz", [("https://f.test/gone", PAGE, "text/html")], status="404 Not Found")
    assert [s.reason for s in read_source(str(missing), 0)] == ["http_status"]


def test_a_50_mb_page_is_skipped_without_being_read(tmp_path: Path) -> None:
    big = b"<html><body>" + b"a" * (50 * 1024 * 1024) + b"</body></html>"
    path = warc(tmp_path / "big.warc.gz", [("https://f.test/huge", big, "text/html"),
                                           ("https://f.test/threads/2", PAGE, "text/html")])
    posts, skips = _split(list(read_source(str(path), 0)))
    assert [s.reason for s in skips] == ["too_large"] and len(posts) == 3


def test_a_truncated_archive_keeps_the_posts_before_the_damage(tmp_path: Path) -> None:
    path = warc(tmp_path / "t.warc.gz", [(f"https://f.test/threads/{n}", PAGE, "text/html") for n in range(3)])
    data = path.read_bytes()
    for cut, detail in ((60, "truncated record"), (len(data) // 3 - 100, "rest of file unread")):
        path.write_bytes(data[:-cut])
        posts, skips = _split(list(read_source(str(path), 0)))
        assert len(posts) == 6 and [s.reason for s in skips] == ["corrupt"]
        assert detail in skips[0].detail


def test_garbage_between_records_stops_that_file_with_a_reason(tmp_path: Path) -> None:
    good = warc(tmp_path / "g.warc", [("https://f.test/threads/1", PAGE, "text/html")], gzip=False).read_bytes()
    path = tmp_path / "bad.warc"
    path.write_bytes(good + b"\x00\xffnot a warc record at all\r\n\r\n" * 3 + good)
    posts, skips = _split(list(read_source(str(path), 0)))
    assert len(posts) == 3 and skips and skips[-1].reason == "corrupt"


def test_json_lines_posts_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    lines = [json.dumps({"url": "https://f.test/t/1/page-2", "author": "a", "at": "2026-05-01T00:00:00Z",
                         "text": "hello"}),
             "{not json", json.dumps([1, 2]), json.dumps({"author": "b"}), json.dumps({"text": "x", "author": 5}),
             json.dumps({"text": "no url, no thread", "at": "yesterday"}), ""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert kind(str(path)) == "jsonl"
    posts, skips = _split(list(read_jsonl(str(path), 0)))
    assert [(p.thread, p.at) for p in posts] == [("https://f.test/t/1", "2026-05-01T00:00:00Z"), ("(no thread)", None)]
    assert [(s.reason, s.detail.split(":")[0]) for s in skips] == [
        ("invalid_json", "line 2"), ("not_object", "line 3"), ("bad_field", "line 4"), ("bad_field", "line 5")]
