"""The report body accepted by the API (and, field for field, by the web form).

Parsed strictly with pydantic: unknown fields are rejected, booleans must be JSON booleans, limits are
stated in the error. `parse_report(body_bytes)` returns a ReportDraft or raises IntakeError listing every
problem with the field it concerns.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from pydantic import BaseModel, ConfigDict, StrictBool, StringConstraints
from pydantic import ValidationError as PydanticError
from pydantic_core import ErrorDetails

from abusedesk.intake.models import Category, ReporterKind
from abusedesk.normalise.urls import NormalisedUrl, UrlError, normalise_url

ShareChoice = Literal["send", "anonymous", "none"]
if TYPE_CHECKING:  # a Literal built from the model's choices at run time; the type checker sees the strings
    CategoryChoice = str
    KindChoice = str
else:
    CategoryChoice = Literal[tuple(Category.values)]
    KindChoice = Literal[tuple(ReporterKind.values)]
MAX_NAME_CHARS = 200
MAX_JSON_DEPTH = 8
_LANG = re.compile(r"^[a-z]{2}(-[A-Za-z]{2})?$")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Problem:
    field: str
    problem: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "problem": self.problem}


class IntakeError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.problem}" for p in problems))
        self.problems = problems


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ReporterIn(_Strict):
    name: Annotated[str, StringConstraints(max_length=MAX_NAME_CHARS)] | None = None
    email: Annotated[str, StringConstraints(max_length=254)]
    kind: KindChoice = "individual"
    phone: Annotated[str, StringConstraints(max_length=40)] | None = None


class ShareIn(_Strict):
    host: ShareChoice = "none"
    site_owner: ShareChoice = "none"
    law_enforcement: ShareChoice = "none"


class OrderIn(_Strict):
    """An authority order's elements (DSA Art. 9(2)); checked, and flagged when incomplete."""

    legal_basis: Annotated[str, StringConstraints(max_length=2000)] | None = None
    issuing_authority: Annotated[str, StringConstraints(max_length=500)] | None = None
    country: Annotated[str, StringConstraints(max_length=2)] | None = None
    statement_of_reasons: Annotated[str, StringConstraints(max_length=5000)] | None = None
    redress: Annotated[str, StringConstraints(max_length=2000)] | None = None
    reference: Annotated[str, StringConstraints(max_length=200)] | None = None


class ReportIn(_Strict):
    urls: list[str]
    category: CategoryChoice
    explanation: str
    reporter: ReporterIn
    share_identity: ShareIn = ShareIn()
    good_faith: StrictBool
    language: str | None = None
    order: OrderIn | None = None


@dataclass(frozen=True)
class ReportDraft:
    urls: list[NormalisedUrl]
    category: str
    explanation: str
    reporter_name: str
    reporter_email: str
    reporter_kind: str
    reporter_phone: str
    share_host: str
    share_site_owner: str
    share_law_enforcement: str
    good_faith: bool
    language: str
    problems: list[Problem] = field(default_factory=list)
    order: dict[str, str] | None = None


def parse_json_body(body: bytes) -> object:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise IntakeError([Problem("(body)", f"is not valid UTF-8 (byte {exc.start})")]) from None
    if _json_depth_exceeds(text, MAX_JSON_DEPTH):
        raise IntakeError([Problem("(body)", f"nests deeper than {MAX_JSON_DEPTH} levels")])
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise IntakeError([Problem("(body)", f"is not valid JSON: {exc.msg} at line {exc.lineno} "
                                             f"column {exc.colno}")]) from None
    problems = list(_unstorable_strings(data, ""))
    if problems:
        raise IntakeError(problems)
    return data


def _unstorable_strings(value: object, path: str) -> Iterator[Problem]:
    """JSON may escape what no database stores: a lone UTF-16 surrogate ("\\ud800") is not Unicode text,
    and PostgreSQL refuses NUL in text. Both are refused here, for every string, keys included."""
    if isinstance(value, str):
        if _SURROGATE.search(value):
            yield Problem(path or "(body)", "contains an invalid character (a lone UTF-16 surrogate)")
        elif "\x00" in value:
            yield Problem(path or "(body)", "must not contain a NUL character")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _unstorable_strings(item, f"{path}.{index}" if path else str(index))
    elif isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else key
            if _SURROGATE.search(key) or "\x00" in key:
                yield Problem(path or "(body)", "has a field name with an invalid character")
                continue
            yield from _unstorable_strings(item, here)


def _json_depth_exceeds(text: str, limit: int) -> bool:
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            escaped = (char == "\\") and not escaped
            if char == '"' and not escaped:
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def parse_report(body: bytes) -> ReportDraft:
    data = parse_json_body(body)
    if not isinstance(data, dict):
        raise IntakeError([Problem("(body)", "must be a JSON object")])
    try:
        parsed = ReportIn.model_validate(data)
    except PydanticError as exc:
        raise IntakeError([_problem_from(err) for err in exc.errors()]) from None
    return draft_from_fields(
        urls=parsed.urls, category=parsed.category, explanation=parsed.explanation,
        reporter_name=parsed.reporter.name or "", reporter_email=parsed.reporter.email,
        reporter_kind=parsed.reporter.kind, reporter_phone=parsed.reporter.phone or "",
        share_host=parsed.share_identity.host, share_site_owner=parsed.share_identity.site_owner,
        share_law_enforcement=parsed.share_identity.law_enforcement, good_faith=parsed.good_faith,
        language=parsed.language or "",
        order=parsed.order.model_dump(exclude_none=True) if parsed.order is not None else None)


def _problem_from(err: ErrorDetails) -> Problem:
    location = ".".join(str(part) for part in err["loc"]) or "(body)"
    kind = err["type"]
    if kind == "extra_forbidden":
        return Problem(location, "is not a known field")
    if kind == "missing":
        return Problem(location, "is required")
    if kind == "literal_error":
        return Problem(location, f"must be one of: {err['ctx']['expected']}")
    if kind == "string_too_long":
        return Problem(location, f"is longer than the limit of {err['ctx']['max_length']} characters")
    if kind in {"bool_type", "string_type", "list_type", "model_type", "dict_type"}:
        expected = {"bool_type": "true or false", "string_type": "a string", "list_type": "a list",
                    "model_type": "an object", "dict_type": "an object"}[kind]
        return Problem(location, f"must be {expected}")
    return Problem(location, str(err["msg"]))


def draft_from_fields(*, urls: list[str], category: str, explanation: str, reporter_name: str,
                      reporter_email: str, reporter_kind: str, reporter_phone: str, share_host: str,
                      share_site_owner: str, share_law_enforcement: str, good_faith: bool,
                      language: str, order: dict[str, str] | None = None) -> ReportDraft:
    """Checks shared by every channel; raises IntakeError with all problems at once."""
    problems: list[Problem] = []
    normalised = _check_urls(urls, problems)
    explanation = explanation.strip()
    if not explanation:
        problems.append(Problem("explanation", "is required: say why the content is abusive"))
    elif len(explanation) > settings.INTAKE_MAX_EXPLANATION_CHARS:
        problems.append(Problem("explanation", f"is longer than the limit of "
                                               f"{settings.INTAKE_MAX_EXPLANATION_CHARS} characters"))
    try:
        validate_email(reporter_email.strip())
    except ValidationError:
        problems.append(Problem("reporter.email", "is not a valid e-mail address"))
    for name, value in (("reporter.name", reporter_name), ("reporter.phone", reporter_phone)):
        if any(ch in value for ch in "\r\n\x00"):
            problems.append(Problem(name, "must not contain line breaks or NUL characters"))
    if not good_faith:
        problems.append(Problem("good_faith", "must be true: confirm the notice is accurate and complete "
                                              "to the best of your knowledge (DSA Art. 16(2)(d))"))
    if language and not _LANG.match(language):
        problems.append(Problem("language", "must be an ISO 639-1 code such as en, es or ar"))
    if problems:
        raise IntakeError(problems)
    return ReportDraft(urls=normalised, category=category, explanation=explanation,
                       reporter_name=reporter_name.strip(), reporter_email=reporter_email.strip(),
                       reporter_kind=reporter_kind, reporter_phone=reporter_phone.strip(),
                       share_host=share_host, share_site_owner=share_site_owner,
                       share_law_enforcement=share_law_enforcement, good_faith=good_faith,
                       language=language.lower(), order=order)


def _check_urls(urls: list[str], problems: list[Problem]) -> list[NormalisedUrl]:
    if not urls:
        problems.append(Problem("urls", "must list at least one URL"))
        return []
    if len(urls) > settings.INTAKE_MAX_URLS:
        problems.append(Problem("urls", f"lists more than the limit of {settings.INTAKE_MAX_URLS} URLs"))
        return []
    result: list[NormalisedUrl] = []
    for index, raw in enumerate(urls):
        try:
            result.append(normalise_url(raw))
        except UrlError as exc:
            problems.append(Problem(f"urls.{index}", str(exc)))
    seen: set[str] = set()
    return [u for u in result if not (u.url in seen or seen.add(u.url))]  # type: ignore[func-returns-value]
