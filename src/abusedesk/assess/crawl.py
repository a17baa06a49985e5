"""`abusedesk assess --crawl https://site/`: a polite crawl of one customer's site into a WARC file.

Rules, each enforced here:
- **Only our customers' properties.** The start URL's host must match a property in attribution
  (`attribution.resolve.match_host`); anything else is refused before a request is made.
- **The desk's fetcher.** Every request goes through `net.fetch` with the outbound policy and resolver (SSRF rules,
  allow-list, proxy, caps): a crawl can reach nothing evidence capture could not.
- **robots.txt.** Fetched first and obeyed for the user agent `abusedesk-assess` (and `*`). A 4xx means no rules;
  a failure or a 5xx means the site may not be crawled now (RFC 9309), and the crawl stops with that reason.
  A `Crawl-delay` longer than the requested interval wins.
- **Rate and size.** At most `rate` requests per second (one request at a time), at most `max_pages` pages, links
  followed only on the same host and under the start URL's path.

The pages are written to a WARC file (response records with their HTTP status and content type), so the crawl is
an input like any archive: hashed in the profile, re-readable, resumable.
"""

from __future__ import annotations

import io
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from abusedesk.assess.posts import require_warcio
from abusedesk.net import FetchResult

USER_AGENT = "abusedesk-assess"


class CrawlRefused(Exception):
    """The crawl may not start (not our customer, robots unreachable, a bad URL)."""


@dataclass
class CrawlSummary:
    pages: int = 0
    refused_by_robots: int = 0
    failed: dict[str, int] = field(default_factory=dict)


def check_ours(url: str) -> str:
    """The property's host when `url` is on one of our customers' properties; refuses otherwise."""
    from abusedesk.attribution.resolve import match_host

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CrawlRefused(f"--crawl {url!r}: not an http(s) URL with a host")
    if match_host(parts.hostname) is None:
        raise CrawlRefused(f"--crawl {url}: {parts.hostname} is not a property of any of our customers; "
                           "only our customers' sites are crawled")
    return parts.hostname


def crawl(start: str, out: str, *, max_pages: int, rate: float,
          sleep: Callable[[float], None] = time.sleep) -> CrawlSummary:
    """Crawl from `start` into the WARC file `out`; returns what happened."""
    require_warcio()
    from warcio.warcwriter import WARCWriter

    from abusedesk.net import fetch
    from abusedesk.net.outbound import outbound_policy, outbound_resolver

    check_ours(start)
    policy, resolver = outbound_policy(), outbound_resolver()

    def get(url: str) -> FetchResult:
        return fetch(url, policy=policy, resolver=resolver)

    robots, delay = _robots(start, get)
    interval = max(1.0 / rate if rate > 0 else 1.0, delay)
    summary = CrawlSummary()
    with open(out, "wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        _walk(start, robots, interval, max_pages, get, sleep, writer, summary)
    return summary


def _walk(start: str, robots: RobotFileParser, interval: float, max_pages: int, get: Callable[[str], FetchResult],
          sleep: Callable[[float], None], writer: Any, summary: CrawlSummary) -> None:
    queue, seen = deque([start]), {start}
    while queue and summary.pages < max_pages:
        url = queue.popleft()
        if not robots.can_fetch(USER_AGENT, url):
            summary.refused_by_robots += 1
            continue
        if summary.pages or summary.failed:
            sleep(interval)
        result = get(url)
        if not result.ok:
            reason = result.reason or "failed"
            summary.failed[reason] = summary.failed.get(reason, 0) + 1
            continue
        summary.pages += 1
        _write(writer, url, result)
        for link in _links(result, start):
            if link not in seen:
                seen.add(link)
                queue.append(link)


def _robots(start: str, get: Callable[[str], FetchResult]) -> tuple[RobotFileParser, float]:
    parts = urlsplit(start)
    robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
    result = get(robots_url)
    status = result.status
    parser = RobotFileParser(robots_url)
    if result.ok and status == 200:
        parser.parse(result.body.decode("utf-8", "replace").splitlines())
    elif result.ok and status is not None and 400 <= status < 500:
        parser.parse([])  # no robots.txt: no rules
    else:
        raise CrawlRefused(f"--crawl {start}: robots.txt could not be read ({result.reason or status});"
                           " the site is not crawled while its rules are unknown")
    delay = parser.crawl_delay(USER_AGENT)
    return parser, float(delay or 0)


def _write(writer: Any, url: str, result: FetchResult) -> None:
    from warcio.statusandheaders import StatusAndHeaders

    status = result.status or 200
    ctype = result.content_type or "application/octet-stream"
    body = result.body
    http = StatusAndHeaders(f"{status} OK", [("Content-Type", ctype), ("Content-Length", str(len(body)))],
                            protocol="HTTP/1.1")
    record = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http)
    writer.write_record(record)


def _links(result: FetchResult, start: str) -> list[str]:
    ctype = (result.content_type or "").split(";", 1)[0].strip().lower()
    if ctype not in ("text/html", "application/xhtml+xml"):
        return []
    base = result.final_url or start
    finder = _LinkFinder()
    finder.feed(result.body.decode("utf-8", "replace"))
    root = urlsplit(start)
    prefix = root.path.rsplit("/", 1)[0] + "/" if not root.path.endswith("/") else root.path
    out = []
    for href in finder.hrefs:
        link = urldefrag(urljoin(base, href))[0]
        parts = urlsplit(link)
        if parts.scheme == root.scheme and parts.netloc == root.netloc and parts.path.startswith(prefix):
            out.append(link)
    return out


class _LinkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href and not href.startswith(("javascript:", "mailto:")):
                self.hrefs.append(href)
