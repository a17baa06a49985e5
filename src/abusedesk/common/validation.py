"""Data files and imports typed at the border with pydantic; errors said as "where: problem".

`DataModel` is the base for the desk's own data files and imports (severity rules, drill files, customer
imports): JSON types only (``strict``: ``"yes"`` is no boolean, ``"3"`` no number), unknown fields refused so
a misspelt key is an error rather than silently ignored, values immutable once parsed. Keys starting with
``_`` (``"_doc"``, ``"_about"``) are comments and are dropped before validation.

`problems(exc)` turns a pydantic `ValidationError` into ``(location, problem)`` pairs worded like the API's
errors: ``("rules[3].severity", "must be one of: 'S0', 'S1', 'S2' or 'S3'")``. A validator that raises
``ValueError("is not a CIDR range")`` has its message used as the problem as it stands.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator
from pydantic_core import ErrorDetails

_TYPES = {"bool_type": "true or false", "string_type": "a string", "int_type": "a whole number",
          "float_type": "a number", "list_type": "a list", "dict_type": "an object", "model_type": "an object",
          "model_attributes_type": "an object", "dataclass_type": "an object"}
_BOUNDS = {"greater_than": ("gt", "greater than"), "greater_than_equal": ("ge", "at least"),
           "less_than": ("lt", "less than"), "less_than_equal": ("le", "at most")}


class DataModel(BaseModel):
    """Strict, closed and immutable; ``_``-prefixed keys are comments."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _drop_comments(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not (isinstance(k, str) and k.startswith("_"))}
        return data


def location(loc: Sequence[int | str], *, brackets: bool = True) -> str:
    """``rules[3].when.category`` (brackets) or ``rules.3.when.category`` (as the API writes it)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]" if brackets else f".{part}" if out else str(part)
        else:
            out += f".{part}" if out else part
    return out


def problem(err: ErrorDetails) -> str:
    """One error in words, without its location."""
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known field"
    if kind == "literal_error":
        return f"must be one of: {ctx['expected']}"
    if kind in _TYPES:
        return f"must be {_TYPES[kind]}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"is longer than the limit of {ctx['max_length']} characters"
    if kind == "too_short":
        return "must not be empty" if ctx.get("min_length") == 1 else f"needs at least {ctx['min_length']} items"
    if kind in _BOUNDS:
        key, words = _BOUNDS[kind]
        return f"must be {words} {ctx[key]}"
    return str(err["msg"])


def problems(exc: ValidationError, *, brackets: bool = True) -> list[tuple[str, str]]:
    """Every error of `exc` as ``(location, problem)``; the location is "" for the whole document."""
    return [(location(err["loc"], brackets=brackets), problem(err)) for err in exc.errors()]
