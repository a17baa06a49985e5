"""Key rotation for encryption at rest: status, rotate, rewrap, retire (the `abusedesk keys` commands)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.db import transaction

from abusedesk.common.crypto import Keyring, load_keyring, save_keyring
from abusedesk.common.fields import _EncryptedMixin


class KeyInUse(RuntimeError):
    pass


def encrypted_fields() -> Iterator[tuple[Any, list[str]]]:
    for model in apps.get_models():
        names = [f.attname for f in model._meta.concrete_fields if isinstance(f, _EncryptedMixin)]
        if names:
            yield model, names


def usage() -> Counter[str]:
    counts: Counter[str] = Counter()
    for model, names in encrypted_fields():
        for row in model.objects.values_list(*names).iterator(chunk_size=2000):
            for value in row:
                if value is not None:
                    counts[Keyring.key_id_of(bytes(value))] += 1
    return counts


def status_lines() -> list[str]:
    ring = load_keyring()
    counts = usage()
    return [f"{kid}{' (primary)' if kid == ring.primary else ''}  created {ring.created.get(kid, '?')}  "
            f"values {counts.get(kid, 0)}" for kid in ring.keys]


def rotate() -> str:
    ring = load_keyring()
    kid = ring.rotate()
    save_keyring(ring)
    return kid


def rewrap(batch: int = 500) -> int:
    """Open every encrypted value with whatever key sealed it and seal it again with the primary key."""
    total = 0
    for model, names in encrypted_fields():
        pks = list(model.objects.values_list("pk", flat=True))
        for start in range(0, len(pks), batch):
            with transaction.atomic():
                for obj in model.objects.filter(pk__in=pks[start : start + batch]):
                    for name in names:
                        getattr(obj, name)  # opens with the old key
                    obj._allow_rewrap = True
                    obj.save(update_fields=names)
                    total += sum(1 for n in names if getattr(obj, n) is not None)
    return total


def retire(kid: str) -> None:
    in_use = usage().get(kid, 0)
    if in_use:
        raise KeyInUse(f"key {kid} still encrypts {in_use} values; run `abusedesk keys rewrap` first")
    ring = load_keyring()
    ring.retire(kid)
    save_keyring(ring)
