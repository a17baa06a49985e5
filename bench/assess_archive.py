"""A synthetic forum archive for `abusedesk assess`: WARC.gz pages of threads, with a known share of threats,
doxxing, harassment and hate.

    .venv/bin/python bench/assess_archive.py -o /tmp/forum.warc.gz [--posts 200000] [--seed 7]

Posts come from the project's own contrast-set generator (`detection/generate.py`, its *evaluation* split: template
families, Faker names, GeoNames places; the `train` extra), never from drill wording. Each post keeps its family's
gold labels; the mix is `SHARES` (the rest are hard negatives and neutral chatter) over English, Spanish and Arabic.
Threads have 5-60 posts shown 20 to a page, spread over 2026; every 100th page is followed by an image record and
every 250th page is captured twice (the assessment must skip the image and count the duplicate once).

These are pipeline checks, not quality evidence: the detectors were tuned with the same generator's training split.
"""

from __future__ import annotations

import argparse
import html
import io
import json
import random
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SHARES = {"threat": 0.02, "doxxing": 0.015, "harassment": 0.04, "hate": 0.015}
FAMILIES = {
    "threat": ("threat_direct", "threat_veiled", "threat_conditional", "threat_deadline", "threat_located",
               "threat_incitement"),
    "doxxing": ("doxx", "doxx_context", "doxx_threat"),
    "harassment": ("harass_insult", "harass_pileon"),
    "hate": ("hate", "threat_group"),
}
LANG_SHARE = {"en": 0.6, "es": 0.25, "ar": 0.15}
PER_PAGE = 20
START = datetime(2026, 1, 1, tzinfo=UTC)


def _pools(total: int, seed: int) -> dict[str, dict[str, list[Any]]]:
    """Generated samples per language, grouped as threat/doxxing/harassment/hate/negative."""
    from abusedesk.detection.generate import generate

    pools: dict[str, dict[str, list[Any]]] = {}
    group_of = {f: g for g, fams in FAMILIES.items() for f in fams}
    for lang, share in LANG_SHARE.items():
        need = total * share
        per_family = int(max(need * (1 - sum(SHARES.values())) / 13, need * max(SHARES.values()) / 2)) + 5
        groups: dict[str, list[Any]] = {g: [] for g in (*FAMILIES, "negative")}
        for sample in generate(lang, "eval", per_family=per_family, seed=seed):
            groups[group_of.get(sample.functionality, "negative")].append(sample)
        pools[lang] = groups
    return pools


def synthetic_posts(total: int, seed: int = 7) -> list[dict[str, Any]]:
    """`total` posts: {thread, author, at, text, lang, gold}; deterministic for a seed."""
    rng = random.Random(seed)
    pools = _pools(total, seed)
    groups = [*SHARES, "negative"]
    weights = [*SHARES.values(), 1 - sum(SHARES.values())]
    langs, lang_weights = list(LANG_SHARE), list(LANG_SHARE.values())
    posts: list[dict[str, Any]] = []
    thread = 0
    while len(posts) < total:
        thread += 1
        when = START + timedelta(seconds=rng.randrange(365 * 86400))
        for _ in range(min(rng.randint(5, 60), total - len(posts))):
            lang = rng.choices(langs, lang_weights)[0]
            sample = rng.choice(pools[lang][rng.choices(groups, weights)[0]])
            when += timedelta(minutes=rng.randint(1, 600))
            posts.append({"thread": f"/threads/{thread}", "author": f"user{rng.randrange(5000)}",
                          "at": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "text": sample.text, "lang": lang,
                          "gold": list(sample.labels)})
    return posts


def _page(thread: str, n: int, posts: list[dict[str, Any]]) -> str:
    e = html.escape
    items = "\n".join(
        f'<article class="message message--post" data-author="{e(p["author"])}"><h4 class="message-name">'
        f'<a class="username">{e(p["author"])}</a></h4><header><time datetime="{p["at"]}">{p["at"][:10]}</time>'
        f'</header><div class="bbWrapper">{"<br>".join(e(line) for line in p["text"].split(chr(10)))}</div>'
        f'</article>' for p in posts)
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{e(thread)} page {n}</title></head><body>'
            f'<nav><a href="/">Forum</a></nav><div class="block-body">{items}</div>'
            f'<footer>Users online: {n % 17}</footer></body></html>')


def pages(posts: list[dict[str, Any]], host: str = "forum.example") -> Iterator[tuple[str, str]]:
    by_thread: dict[str, list[dict[str, Any]]] = {}
    for p in posts:
        by_thread.setdefault(p["thread"], []).append(p)
    for thread, items in by_thread.items():
        for n, start in enumerate(range(0, len(items), PER_PAGE), 1):
            suffix = "" if n == 1 else f"/page-{n}"
            yield f"https://{host}{thread}{suffix}", _page(thread, n, items[start:start + PER_PAGE])


def write_archive(path: str, posts: list[dict[str, Any]]) -> dict[str, int]:
    """The posts as a WARC(.gz) of thread pages, plus image records and duplicate captures."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    counts = {"pages": 0, "images": 0, "duplicates": 0}
    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=path.endswith(".gz"))

        def record(url: str, body: bytes, ctype: str) -> None:
            http = StatusAndHeaders("200 OK", [("Content-Type", ctype), ("Content-Length", str(len(body)))],
                                    protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                          http_headers=http,
                                                          warc_headers_dict={"WARC-Date": "2027-01-01T00:00:00Z"}))

        for url, page in pages(posts):
            counts["pages"] += 1
            record(url, page.encode(), "text/html; charset=utf-8")
            if counts["pages"] % 250 == 0:
                counts["duplicates"] += 1
                record(url, page.encode(), "text/html; charset=utf-8")
            if counts["pages"] % 100 == 0:
                counts["images"] += 1
                record(url + "/avatar.png", b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png")
    return counts


def gold_counts(posts: list[dict[str, Any]]) -> dict[str, int]:
    return {label: sum(label in p["gold"] for p in posts) for label in SHARES}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-o", "--output", required=True, help="the WARC file to write (.warc.gz to compress)")
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--jsonl", help="also write the posts as JSON Lines (with their gold labels)")
    args = parser.parse_args(argv)
    posts = synthetic_posts(args.posts, args.seed)
    counts = write_archive(args.output, posts)
    if args.jsonl:
        Path(args.jsonl).write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in posts), "utf-8")
    print(json.dumps({"posts": len(posts), "gold": gold_counts(posts), **counts}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
