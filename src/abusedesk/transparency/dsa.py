"""The DSA Transparency Database's statement-of-reasons rules, checked before anything is submitted.

The database rejects a whole batch if one statement fails ("NONE of the statements were created"), so we
check every statement here against the same rules (docs/dsa-statements.md, taken from
StatementStoreRequest.php and Statement.php): required fields, enum values, lengths, date ranges, the
puid pattern, and the conditional requirements. `validate()` returns every problem, each naming its field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any


def _words(text: str) -> list[str]:
    """Long value lists are kept as whitespace-separated words: easier to compare with the source."""
    return text.split()


VISIBILITY = frozenset(f"DECISION_VISIBILITY_{v}" for v in (
    "CONTENT_REMOVED", "CONTENT_DISABLED", "CONTENT_DEMOTED", "CONTENT_AGE_RESTRICTED",
    "CONTENT_INTERACTION_RESTRICTED", "CONTENT_LABELLED", "OTHER"))
MONETARY = frozenset({"DECISION_MONETARY_SUSPENSION", "DECISION_MONETARY_TERMINATION", "DECISION_MONETARY_OTHER"})
PROVISION = frozenset(f"DECISION_PROVISION_{v}" for v in (
    "PARTIAL_SUSPENSION", "TOTAL_SUSPENSION", "PARTIAL_TERMINATION", "TOTAL_TERMINATION"))
ACCOUNT = frozenset({"DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED"})
ACCOUNT_TYPES = frozenset({"ACCOUNT_TYPE_BUSINESS", "ACCOUNT_TYPE_PRIVATE"})
GROUNDS = frozenset({"DECISION_GROUND_ILLEGAL_CONTENT", "DECISION_GROUND_INCOMPATIBLE_CONTENT"})
CONTENT_TYPES = frozenset(f"CONTENT_TYPE_{v}" for v in (
    "APP", "AUDIO", "IMAGE", "PRODUCT", "SYNTHETIC_MEDIA", "TEXT", "VIDEO", "OTHER"))
CATEGORIES = frozenset(f"STATEMENT_CATEGORY_{v}" for v in (
    "ANIMAL_WELFARE", "CONSUMER_INFORMATION", "CYBER_VIOLENCE", "CYBER_VIOLENCE_AGAINST_WOMEN",
    "DATA_PROTECTION_AND_PRIVACY_VIOLATIONS", "ILLEGAL_OR_HARMFUL_SPEECH", "INTELLECTUAL_PROPERTY_INFRINGEMENTS",
    "NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS", "NOT_SPECIFIED_NOTICE", "OTHER_VIOLATION_TC",
    "PROTECTION_OF_MINORS", "RISK_FOR_PUBLIC_SECURITY", "SCAMS_AND_FRAUD", "SELF_HARM",
    "UNSAFE_AND_PROHIBITED_PRODUCTS", "VIOLENCE"))
KEYWORDS = frozenset(f"KEYWORD_{v}" for v in _words("""
    ADULT_SEXUAL_MATERIAL AGE_SPECIFIC_RESTRICTIONS AGE_SPECIFIC_RESTRICTIONS_MINORS ANIMAL_HARM
    BIOMETRIC_DATA_BREACH BULLYING_AGAINST_GIRLS CHILD_SEXUAL_ABUSE_MATERIAL CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE
    CONTENT_PROMOTING_EATING_DISORDERS COORDINATED_HARM COPYRIGHT_INFRINGEMENT CYBER_BULLYING_INTIMIDATION
    CYBER_HARASSMENT CYBER_HARASSMENT_AGAINST_WOMEN CYBER_INCITEMENT CYBER_STALKING CYBER_STALKING_AGAINST_WOMEN
    DATA_FALSIFICATION DEFAMATION DESIGN_INFRINGEMENT DISCRIMINATION FEMALE_GENDERED_DISINFORMATION
    GEOGRAPHIC_INDICATIONS_INFRINGEMENT GEOGRAPHICAL_REQUIREMENTS GOODS_SERVICES_NOT_PERMITTED
    GROOMING_SEXUAL_ENTICEMENT_MINORS HATE_SPEECH HIDDEN_ADVERTISEMENT HUMAN_EXPLOITATION HUMAN_TRAFFICKING
    ILLEGAL_ORGANIZATIONS IMPERSONATION_ACCOUNT_HIJACKING INAUTHENTIC_ACCOUNTS INAUTHENTIC_LISTINGS
    INAUTHENTIC_USER_REVIEWS INCITEMENT_AGAINST_WOMEN INCITEMENT_VIOLENCE_HATRED INSUFFICIENT_INFORMATION_ON_TRADERS
    LANGUAGE_REQUIREMENTS MISINFORMATION_DISINFORMATION MISLEADING_INFO_CONSUMER_RIGHTS
    MISLEADING_INFO_GOODS_SERVICES MISSING_PROCESSING_GROUND NON_CONSENSUAL_IMAGE_SHARING
    NON_CONSENSUAL_IMAGE_SHARING_AGAINST_WOMEN NON_CONSENSUAL_MATERIAL_DEEPFAKE
    NON_CONSENSUAL_MATERIAL_DEEPFAKE_AGAINST_WOMEN NONCOMPLIANCE_PRICING NUDITY PATENT_INFRINGEMENT PHISHING
    PROHIBITED_PRODUCTS PYRAMID_SCHEMES RIGHT_TO_BE_FORGOTTEN RISK_ENVIRONMENTAL_DAMAGE RISK_PUBLIC_HEALTH
    SELF_MUTILATION STALKING SUICIDE TERRORIST_CONTENT TRADE_SECRET_INFRINGEMENT TRADEMARK_INFRINGEMENT
    TRAFFICKING_WOMEN_GIRLS UNLAWFUL_SALE_ANIMALS UNSAFE_CHALLENGES UNSAFE_PRODUCTS VIOLATION_EU_LAW
    VIOLATION_NATIONAL_LAW OTHER"""))
EU_EEA = frozenset(_words("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IS IT LI LT LU LV MT NL NO PL PT RO SE SI SK"))
SOURCE_TYPES = frozenset({"SOURCE_ARTICLE_16", "SOURCE_TRUSTED_FLAGGER", "SOURCE_TYPE_OTHER_NOTIFICATION",
                          "SOURCE_VOLUNTARY"})
YES_NO = frozenset({"Yes", "No"})
AUTOMATED_DECISION = frozenset({"AUTOMATED_DECISION_FULLY", "AUTOMATED_DECISION_PARTIALLY",
                                "AUTOMATED_DECISION_NOT_AUTOMATED"})
PUID = re.compile(r"^[a-zA-Z0-9-_]+$")
MAX_BATCH = 100

# Free-text limits.
TEXT_LIMITS = {"decision_visibility_other": 500, "decision_monetary_other": 500, "illegal_content_legal_ground": 500,
               "illegal_content_explanation": 2000, "incompatible_content_ground": 500,
               "incompatible_content_explanation": 2000, "content_type_other": 500,
               "category_specification_other": 500, "source_identity": 500, "decision_facts": 5000, "puid": 500,
               "decision_ground_reference_url": 500}
# (field, earliest, latest) for Y-m-d dates.
DATE_RANGES = {"content_date": (date(2000, 1, 1), date(2038, 1, 1)),
               "application_date": (date(2020, 1, 1), date(2038, 1, 1)),
               **{f"end_date_{k}_restriction": (date(2000, 1, 1), date(2038, 1, 1))
                  for k in ("account", "monetary", "service", "visibility")}}
ENUMS = {"decision_monetary": MONETARY, "decision_provision": PROVISION, "decision_account": ACCOUNT,
         "account_type": ACCOUNT_TYPES, "decision_ground": GROUNDS, "category": CATEGORIES,
         "source_type": SOURCE_TYPES, "automated_detection": YES_NO, "automated_decision": AUTOMATED_DECISION,
         "incompatible_content_illegal": YES_NO}
ARRAYS = {"decision_visibility": VISIBILITY, "content_type": CONTENT_TYPES, "category_addition": CATEGORIES,
          "category_specification": KEYWORDS, "territorial_scope": EU_EEA}
REQUIRED = ("decision_ground", "content_type", "category", "content_date", "application_date", "decision_facts",
            "source_type", "automated_detection", "automated_decision", "puid")
KNOWN = (set(TEXT_LIMITS) | set(DATE_RANGES) | set(ENUMS) | set(ARRAYS) | set(REQUIRED)
         | {"content_language", "content_id", "content_id_ean"})


@dataclass(frozen=True)
class Problem:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def _present(statement: dict[str, Any], name: str) -> bool:
    value = statement.get(name)
    return value not in (None, "", [])


def validate(statement: dict[str, Any]) -> list[Problem]:
    """Every way `statement` breaks the database's rules (empty when it would be accepted)."""
    checks = (_unknown, _required, _enums, _arrays, _texts, _dates, _puid, _decision, _ground, _others, _source)
    return [problem for check in checks for problem in check(statement)]


def _unknown(s: dict[str, Any]) -> list[Problem]:
    return [Problem(name, "is not a field of the statement of reasons") for name in sorted(set(s) - KNOWN)]


def _required(s: dict[str, Any]) -> list[Problem]:
    return [Problem(name, "is required") for name in REQUIRED if not _present(s, name)]


def _enums(s: dict[str, Any]) -> list[Problem]:
    return [Problem(name, f"{s[name]!r} is not one of the allowed values")
            for name, allowed in ENUMS.items() if _present(s, name) and s[name] not in allowed]


def _arrays(s: dict[str, Any]) -> list[Problem]:
    problems = []
    for name, allowed in ARRAYS.items():
        if name not in s:
            continue
        value = s[name]
        if not isinstance(value, list):
            problems.append(Problem(name, "must be an array"))
            continue
        problems += [Problem(name, f"{item!r} is not one of the allowed values") for item in value
                     if item not in allowed]
        if len(set(map(str, value))) != len(value):
            problems.append(Problem(name, "contains duplicates"))
    return problems


def _texts(s: dict[str, Any]) -> list[Problem]:
    problems = []
    for name, limit in TEXT_LIMITS.items():
        if name not in s:
            continue
        if not isinstance(s[name], str):
            problems.append(Problem(name, "must be a string"))
        elif len(s[name]) > limit:
            problems.append(Problem(name, f"is {len(s[name])} characters long; the limit is {limit}"))
    return problems


def _dates(s: dict[str, Any]) -> list[Problem]:
    problems = []
    for name, (earliest, latest) in DATE_RANGES.items():
        if not _present(s, name):
            continue
        try:
            value = date.fromisoformat(s[name]) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(s[name])) else None
        except ValueError:
            value = None
        if value is None:
            problems.append(Problem(name, f"{s[name]!r} is not a Y-m-d date"))
        elif not earliest <= value <= latest:
            problems.append(Problem(name, f"{value} is outside {earliest}..{latest}"))
    return problems


def _puid(s: dict[str, Any]) -> list[Problem]:
    if _present(s, "puid") and not PUID.match(str(s["puid"])):
        return [Problem("puid", "may contain only letters, digits, '-' and '_'")]
    return []


def _decision(s: dict[str, Any]) -> list[Problem]:
    names = ("decision_visibility", "decision_monetary", "decision_provision", "decision_account")
    if not any(_present(s, name) for name in names):
        return [Problem("decision_visibility", "is required unless decision_monetary, decision_provision or "
                                               "decision_account is given")]
    return []


GROUND_FIELDS: dict[str, tuple[str, ...]] = {
    "DECISION_GROUND_ILLEGAL_CONTENT": ("illegal_content_legal_ground", "illegal_content_explanation"),
    "DECISION_GROUND_INCOMPATIBLE_CONTENT": ("incompatible_content_ground", "incompatible_content_explanation"),
}


def _ground(s: dict[str, Any]) -> list[Problem]:
    ground = str(s.get("decision_ground"))
    needed = GROUND_FIELDS.get(ground, ())
    problems = [Problem(name, f"is required when decision_ground is {ground}") for name in needed
                if not _present(s, name)]
    if _present(s, "incompatible_content_illegal") and ground != "DECISION_GROUND_INCOMPATIBLE_CONTENT":
        problems.append(Problem("incompatible_content_illegal", "is only allowed with incompatible content"))
    return problems


def _others(s: dict[str, Any]) -> list[Problem]:
    """An *_OTHER value needs its explanation."""
    pairs = (("decision_visibility", "DECISION_VISIBILITY_OTHER", "decision_visibility_other"),
             ("decision_monetary", "DECISION_MONETARY_OTHER", "decision_monetary_other"),
             ("content_type", "CONTENT_TYPE_OTHER", "content_type_other"))
    problems = []
    for name, other, text in pairs:
        value = s.get(name)
        chosen = other in value if isinstance(value, list) else value == other
        if chosen and not _present(s, text):
            problems.append(Problem(text, f"is required when {name} includes {other}"))
    return problems


def _source(s: dict[str, Any]) -> list[Problem]:
    if s.get("source_type") == "SOURCE_VOLUNTARY" and _present(s, "source_identity"):
        return [Problem("source_identity", "must be left out when source_type is SOURCE_VOLUNTARY")]
    return []


def validate_batch(statements: list[dict[str, Any]]) -> list[Problem]:
    """A batch: 1..100 statements, each valid, puids unique within it."""
    problems = []
    if not 1 <= len(statements) <= MAX_BATCH:
        problems.append(Problem("statements", f"a batch holds 1 to {MAX_BATCH} statements, not {len(statements)}"))
    seen: set[str] = set()
    for index, statement in enumerate(statements):
        problems += [Problem(f"statements[{index}].{p.field}", p.message) for p in validate(statement)]
        puid = str(statement.get("puid"))
        if puid in seen:
            problems.append(Problem(f"statements[{index}].puid", "is used twice in the batch"))
        seen.add(puid)
    return problems
