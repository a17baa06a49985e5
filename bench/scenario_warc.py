"""Write the reference scenario's forum as a WARC file: `scenarios/reference-forum.warc.gz`.

    .venv/bin/python bench/scenario_warc.py [--scenario scenarios/reference.json] [-o scenarios/reference-forum.warc.gz]

Every thread page of the scenario's `sites` is rendered by the scenario forum itself (`watch.forum.ScenarioForum`,
the pages the drills serve) with the clock after the last post, and stored as a response record. The WARC date and
record ids are derived from the scenario, so two runs write the same bytes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == HERE:  # bench/ after the standard library: no shadowing
    sys.path.append(sys.path.pop(0))

from warc_writer import write_pages  # noqa: E402

REPO = HERE.parent


def pages(scenario: dict[str, object]) -> list[tuple[str, str]]:
    """(url, html) of every thread of the scenario's forum, fully posted."""
    from abusedesk.watch.forum import ScenarioForum

    sites = scenario["sites"]
    assert isinstance(sites, list)
    with ScenarioForum(sites, start=str(scenario["start"])) as forum:
        forum.set_clock(max(p.at for t in forum.threads.values() for p in t.posts) + 3600)
        out = []
        for (domain, path) in sorted(forum.threads):
            status, html = forum.render(domain, path)
            assert status == 200, (domain, path, status)
            out.append((f"https://{domain}{path}", html))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--scenario", default=str(REPO / "scenarios" / "reference.json"))
    parser.add_argument("-o", "--output", default=str(REPO / "scenarios" / "reference-forum.warc.gz"))
    args = parser.parse_args(argv)
    scenario = json.loads(Path(args.scenario).read_text("utf-8"))
    found = pages(scenario)
    write_pages(args.output, found, date=str(scenario["start"]).replace("+00:00", "Z"))
    print(f"{args.output}: {len(found)} pages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
