"""A loopback forum for drills and tests, driven by a simulated clock.

`ScenarioForum` serves the ``sites`` of a scenario file (docs/scenarios.md) from one HTTP server on one
port; the ``Host`` header picks the site, so ``forum.test`` and ``other.test`` can share it. A thread page
shows the posts whose ``at`` offset is at or before the clock (`set_clock`), as XenForo-like markup that
`abusedesk.watch.posts.split_posts` reads. Before its first post is due a thread does not exist yet (404).
The page chrome (a "users online" counter) changes with the clock, as real forums do, so watchers must
recognise posts by content, not by page hash.

Post text is attacker-written: everything from the scenario is HTML-escaped in the page. The server binds
to a loopback address only and never fetches anything.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
from typing import Any
from urllib.parse import quote

from abusedesk.watch.timeparse import format_offset, parse_offset

__all__ = ["ForumPost", "ForumThread", "Request", "ScenarioForum", "format_offset", "parse_offset"]


@dataclass(frozen=True)
class ForumPost:
    at: float  # seconds after the scenario start
    author: str
    text: str


@dataclass(frozen=True)
class ForumThread:
    domain: str
    path: str
    title: str
    posts: tuple[ForumPost, ...]  # sorted by `at`, stable for equal times


@dataclass(frozen=True)
class Request:
    clock: float  # simulated seconds when it arrived
    host: str
    path: str
    status: int


def load_sites(sites: Sequence[Mapping[str, Any]]) -> dict[tuple[str, str], ForumThread]:
    """Validate the scenario's ``sites`` list; errors name the entry (``sites[0].threads[1].posts[2].at``)."""
    if not isinstance(sites, list):
        raise ValueError("sites: expected a list")
    threads: dict[tuple[str, str], ForumThread] = {}
    for i, site in enumerate(sites):
        where = f"sites[{i}]"
        domain = _text(site, "domain", where).lower().rstrip(".")
        for j, thread in enumerate(_list(site, "threads", where)):
            t = _thread(domain, thread, f"{where}.threads[{j}]")
            if (domain, t.path) in threads:
                raise ValueError(f"{where}.threads[{j}].path: duplicate thread {domain}{t.path}")
            threads[(domain, t.path)] = t
    return threads


def _thread(domain: str, raw: Mapping[str, Any], where: str) -> ForumThread:
    path = _text(raw, "path", where)
    if not path.startswith("/"):
        raise ValueError(f"{where}.path: must start with '/', got {path!r}")
    posts = []
    for k, p in enumerate(_list(raw, "posts", where)):
        w = f"{where}.posts[{k}]"
        try:
            at = parse_offset(_text(p, "at", w))
        except ValueError as e:
            raise ValueError(f"{w}.at: {e}") from None
        posts.append(ForumPost(at, _text(p, "author", w), _text(p, "text", w)))
    title = raw.get("title", path) if isinstance(raw, Mapping) else path
    return ForumThread(domain, _norm_path(path), str(title), tuple(sorted(posts, key=lambda p: p.at)))


def _text(obj: Any, key: str, where: str) -> str:
    if not isinstance(obj, Mapping):
        raise ValueError(f"{where}: expected an object")
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{where}.{key}: expected a non-empty string")
    return value


def _list(obj: Any, key: str, where: str) -> list[Any]:
    if not isinstance(obj, Mapping) or not isinstance(obj.get(key), list):
        raise ValueError(f"{where}.{key}: expected a list")
    return list(obj[key])


def _norm_path(path: str) -> str:
    path = path.split("?", 1)[0].split("#", 1)[0]
    return path.rstrip("/") or "/"


class ScenarioForum:
    """The scenario's sites on ``http://127.0.0.1:<port>/``; use ``Host: <domain>`` to pick a site."""

    def __init__(self, sites: Sequence[Mapping[str, Any]], host: str = "127.0.0.1", *,
                 start: str | datetime = "1970-01-01T00:00:00Z") -> None:
        if not ip_address(host).is_loopback:
            raise ValueError(f"host: the scenario forum binds to loopback only, got {host!r}")
        self.threads = load_sites(sites)
        self.start = start if isinstance(start, datetime) else datetime.fromisoformat(start)
        if self.start.tzinfo is None:
            self.start = self.start.replace(tzinfo=UTC)
        self.requests: list[Request] = []
        self._clock = 0.0
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer((host, 0), _handler(self))
        self.port: int = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), name="scenario-forum",
                                        daemon=True)
        self._thread.start()

    @property
    def clock(self) -> float:
        return self._clock

    def set_clock(self, seconds_since_start: float) -> None:
        if seconds_since_start < 0:
            raise ValueError(f"clock: must be >= 0 seconds, got {seconds_since_start!r}")
        with self._lock:
            self._clock = float(seconds_since_start)

    def url(self, domain: str, path: str) -> str:
        """The loopback URL of a page (send ``Host: domain`` with it)."""
        return f"http://127.0.0.1:{self.port}{path}"

    def visible_posts(self, domain: str, path: str) -> list[ForumPost]:
        thread = self.threads.get((domain.lower(), _norm_path(path)))
        return [p for p in thread.posts if p.at <= self._clock] if thread else []

    def render(self, host: str, path: str) -> tuple[int, str]:
        """(status, HTML) for a request; what the server sends."""
        domain = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        thread = self.threads.get((domain.lower().rstrip("."), _norm_path(path)))
        posts = [p for p in thread.posts if p.at <= self._clock] if thread else []
        if thread is None or not posts:
            return 404, _not_found(path)
        return 200, _page(thread, posts, self.start, self._clock)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ScenarioForum:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _handler(forum: ScenarioForum) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            host = self.headers.get("Host", "")
            with forum._lock:
                status, body = forum.render(host, self.path)
                forum.requests.append(Request(forum.clock, host, self.path, status))
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:  # post text must not reach logs
            pass

    return Handler


def _not_found(path: str) -> str:
    return f"<!DOCTYPE html><html><head><title>Not found</title></head><body><p>No page at {html.escape(path)}.</p>" \
           "</body></html>"


def _page(thread: ForumThread, posts: list[ForumPost], start: datetime, clock: float) -> str:
    e = html.escape
    items = "\n".join(_post(thread, n, p, start) for n, p in enumerate(posts, 1))
    online = 3 + int(clock // 1800) % 17  # chrome that changes between fetches
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{e(thread.title)} | {e(thread.domain)}'
        f'</title><style>.message{{margin:1em}}</style><script>var XF={{}};</script></head>\n<body>'
        f'<header class="p-header"><nav><a href="/">{e(thread.domain)}</a> <a href="/whats-new/">What\'s new</a></nav>'
        f'</header>\n<div class="p-body"><h1 class="p-title-value">{e(thread.title)}</h1>\n'
        f'<div class="block-body js-replyNewMessageContainer">\n{items}\n</div></div>\n'
        f'<footer class="p-footer"><p>Users online: {online}</p></footer></body></html>\n'
    )


def _post(thread: ForumThread, n: int, post: ForumPost, start: datetime) -> str:
    e = html.escape
    member = e(quote(post.author, safe=""))
    when = start + timedelta(seconds=post.at)
    iso = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")
    body = "<br>\n".join(e(line) for line in post.text.split("\n"))
    return (
        f'<article class="message message--post js-post" data-author="{e(post.author)}" data-content="post-{n}" '
        f'id="js-post-{n}"><div class="message-inner"><div class="message-cell message-cell--user">'
        f'<h4 class="message-name"><a class="username" href="/members/{member}/">{e(post.author)}</a></h4>'
        f'</div><div class="message-cell message-cell--main"><header class="message-attribution">'
        f'<time class="u-dt" datetime="{iso}" data-time="{int(when.timestamp())}">{when:%b %d, %Y}</time> '
        f'<a href="{e(thread.path)}/post-{n}">#{n}</a></header><div class="message-content"><div '
        f'class="message-userContent"><article class="message-body"><div class="bbWrapper">{body}</div></article>'
        f'</div></div></div></div></article>'
    )
