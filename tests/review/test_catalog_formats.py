"""The shipped catalogs pass `msgfmt --check` (placeholders match between msgid and every msgstr, plural forms
complete), and a Spanish plural with n > 1 says the count, not another message's words."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "src" / "abusedesk" / "locale"


@pytest.mark.parametrize("lang", ["es", "ar"])
def test_catalog_passes_msgfmt_check(lang: str, tmp_path: Path) -> None:
    source = LOCALE / lang / "LC_MESSAGES" / "django.po"
    done = subprocess.run(["msgfmt", "--check-format", "-o", str(tmp_path / "out.mo"), str(source)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(("singular", "plural", "expected"), [
    ("%(n)s report", "%(n)s reports", "5 denuncias"),
    ("Approve %(n)s decision", "Approve %(n)s decisions", "Aprobar 5 decisiones"),
])
def test_spanish_plural_names_the_count(singular: str, plural: str, expected: str) -> None:
    with translation.override("es"):
        assert translation.ngettext(singular, plural, 5) % {"n": 5} == expected
