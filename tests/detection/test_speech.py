"""Quoted and reported speech is someone else's words: masked, positions kept."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from abusedesk.detection.speech import mask


@pytest.mark.parametrize(("text", "kept", "gone"), [
    ('He wrote "I will find you and hurt you" under her photo. Reported.', "Reported", "hurt"),
    ("Alguien respondió «os vamos a encontrar» y nadie hace nada", "nadie", "encontrar"),
    ("She was threatened with a knife outside her work. Police are looking.", "Police", "knife"),
    ("El tipo amenazó con quemarle la casa. Denunciado.", "Denunciado", "quemarle"),
    ("قال له سأقتلك. هذا كلام مرفوض", "مرفوض", "سأقتلك"),
])
def test_others_words_are_blanked(text: str, kept: str, gone: str) -> None:
    masked = mask(text)
    assert masked is not None
    assert kept in masked.text and gone not in masked.text
    assert len(masked.text) == len(text)


@pytest.mark.parametrize("text", [
    "I will find you and hurt you.",
    "Te voy a matar, ya verás.",
    'A short "ok" is not a quote worth masking',
])
def test_the_posters_own_words_stay(text: str) -> None:
    assert mask(text) is None


@given(st.text(max_size=300))
def test_masking_never_moves_a_character(text: str) -> None:
    masked = mask(text)
    if masked is not None:
        assert len(masked.text) == len(text)
        assert all(a == b or b == " " for a, b in zip(text, masked.text, strict=True))


def test_mixed_quotation_marks_and_message_frames() -> None:
    text = 'a mi primo le pusieron un comentario diciendo „te vamos a quemar el coche". ¿Dónde se denuncia?'
    masked = mask(text)
    assert masked is not None and "quemar" not in masked.text and "denuncia" in masked.text
    framed = mask("She got a message saying they would hurt her kids. Reported it.")
    assert framed is not None and "hurt" not in framed.text and "Reported" in framed.text
