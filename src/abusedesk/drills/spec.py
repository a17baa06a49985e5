"""The drill file (docs/scenarios.md), parsed and validated with pydantic; errors name the field.

The models check the file's own structure (times, sites, report channels, staff actions). What a part hands on
to another stage is checked there: `customers` by the customers import, each report's fields by the intake API
(at the report's time), an e-mail report's message by the e-mail reader, thread contents by the scenario forum.
`parse` returns a `Drill` whose lists hold plain dicts of the fields given, as the runner reads them; an `eml`
file is named by its absolute path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, StringConstraints, ValidationError, model_validator

from abusedesk.common.validation import DataModel, problems
from abusedesk.watch.timeparse import parse_offset


class DrillError(ValueError):
    """The drill file is not valid; the message names the field."""


@dataclass
class Drill:
    name: str
    start: datetime
    duration_s: float
    watch_interval_s: float
    customers: list[dict[str, Any]]
    sites: list[dict[str, Any]]
    reports: list[dict[str, Any]] = field(default_factory=list)
    staff: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    oncall: list[str] = field(default_factory=list)


def _offset(value: str) -> str:
    parse_offset(value)  # its ValueError names the bad value
    return value


def _start(value: str) -> str:
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("must be an ISO 8601 UTC time such as 2022-08-20T09:00:00Z") from None
    return value


def _case_ref(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("must be a case reference: '@last', '@target:NAME' or a case id")
    return value


Text = Annotated[str, StringConstraints(min_length=1)]
Offset = Annotated[str, AfterValidator(_offset)]
CaseRef = Annotated[Any, AfterValidator(_case_ref)]
_ACTIONS = ("decide", "approve", "appeal", "review_appeal", "acknowledge")


class _Post(DataModel):
    at: Offset
    author: Text
    text: Text


class _Thread(DataModel):
    path: Text
    title: str = ""
    posts: list[_Post]


class _Site(DataModel):
    domain: Text
    threads: list[_Thread]


class _Report(DataModel):
    """When, and through which channel; the rest is the intake API's body, checked by the API at that time, or
    (channel `email`) an e-mail message, `raw` text or an `eml` file, which carries all of that itself."""

    at: Offset
    channel: Literal["api", "web", "email"] = "api"
    urls: list[str] | None = None
    category: str | None = None
    explanation: str | None = None
    language: str | None = None
    reporter: dict[str, Any] | None = None
    share_identity: dict[str, Any] | None = None
    good_faith: bool = True
    raw: Text | None = None
    eml: Text | None = None

    @model_validator(mode="after")
    def _fields_or_message(self) -> _Report:
        message = sorted({"raw", "eml"} & self.model_fields_set)
        if not message:
            if self.urls is None:
                raise ValueError("needs urls (or, with channel 'email', the message: raw or eml)")
            return self
        if self.channel != "email":
            raise ValueError(f"{message[0]} is an e-mail message: it needs channel 'email'")
        if len(message) > 1:
            raise ValueError("needs raw or eml, not both")
        fields = sorted(self.model_fields_set - {"at", "channel", *message})
        if fields:
            raise ValueError(f"an e-mail report takes its {', '.join(fields)} from the message; leave them out")
        return self


class _Staff(DataModel):
    username: Text
    role: Text = "analyst"


class _Decide(DataModel):
    case: CaseRef
    outcome: Text
    policy: Text
    reasoning: str = ""
    facts: str = ""
    notice_hours: int = 0
    emergency: bool = False


class _Appeal(DataModel):
    role: Literal["customer", "reporter"] = "customer"
    grounds: str = ""


class _Review(DataModel):
    upheld: bool
    reasoning: str = ""


class _Action(DataModel):
    at: Offset
    by: Text
    decide: _Decide | None = None
    approve: CaseRef = None
    appeal: _Appeal | None = None
    review_appeal: _Review | None = None
    acknowledge: CaseRef = None

    @model_validator(mode="after")
    def _one_action(self) -> _Action:
        given = [name for name in _ACTIONS if name in self.model_fields_set]
        if len(given) != 1:
            raise ValueError(f"needs one of {', '.join(_ACTIONS)}" + (f" (got {', '.join(given)})" if given else ""))
        return self


class _DrillFile(DataModel):
    name: Text
    description: str = ""
    start: Annotated[str, AfterValidator(_start)]
    duration: Offset
    watch_interval: Offset = "30m"
    customers: list[dict[str, Any]]
    sites: list[_Site]
    reports: list[_Report] = []
    staff: list[_Staff] = []
    actions: list[_Action] = []
    oncall: list[Text] = []


def parse(data: Any, *, base: Path | None = None) -> Drill:
    """The drill in `data`; `eml` files are found relative to `base` (the drill file's folder; default: here)."""
    try:
        f = _DrillFile.model_validate(data)
    except ValidationError as exc:
        said = "; ".join(f"{where or '(file)'}: {what}" for where, what in problems(exc, brackets=False))
        raise DrillError(said) from None
    return Drill(name=f.name, start=datetime.fromisoformat(f.start.replace("Z", "+00:00")),
                 duration_s=parse_offset(f.duration), watch_interval_s=parse_offset(f.watch_interval),
                 customers=f.customers, sites=[_plain(s) for s in f.sites],
                 reports=_with_eml_paths([_plain(r) for r in f.reports], base or Path.cwd()),
                 staff=[_plain(s) for s in f.staff], actions=[_plain(a) for a in f.actions], oncall=f.oncall)


def _with_eml_paths(reports: list[dict[str, Any]], base: Path) -> list[dict[str, Any]]:
    """Each `eml` as an absolute path, checked to be a file."""
    for index, report in enumerate(reports):
        if "eml" in report:
            path = (base / report["eml"]).resolve()
            if not path.is_file():
                raise DrillError(f"reports.{index}.eml: no file {report['eml']!r} next to the drill file ({base})")
            report["eml"] = str(path)
    return reports


def _plain(model: DataModel) -> dict[str, Any]:
    """The fields the file gave, as the runner and the scenario forum read them."""
    return model.model_dump(exclude_unset=True)
