"""Model fields whose values are encrypted at rest (see common/crypto.py).

The instance holds plaintext; the database holds `Sealed` ciphertext bound to table, column and primary
key. Values are sealed in `pre_save` (so the primary key is known) and opened lazily on first access.
Models using these fields must have a primary key set before saving (a UUID default).
Lookups and ordering on encrypted columns are meaningless and not supported; use a blind index column.
"""

from __future__ import annotations

from typing import Any, cast

from django.db import models
from django.db.models.query_utils import DeferredAttribute

from abusedesk.common.crypto import load_keyring


class Sealed(bytes):
    """Ciphertext as read from or written to the database."""


class _EncryptedAttribute(DeferredAttribute):
    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, Sealed):
            value = cast(_EncryptedMixin, self.field).open_value(instance, value)
            instance.__dict__[self.field.attname] = value
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.field.attname] = value


class _EncryptedMixin:
    descriptor_class: type[DeferredAttribute] = _EncryptedAttribute

    def _aad(self, instance: Any) -> bytes:
        if instance.pk is None:
            raise ValueError(f"{instance._meta.label}: encrypted fields need the primary key set before save")
        return f"{instance._meta.db_table}.{self.column}:{instance.pk}".encode()  # type: ignore[attr-defined]

    def to_bytes(self, value: Any) -> bytes:
        raise NotImplementedError

    def from_bytes(self, raw: bytes) -> Any:
        raise NotImplementedError

    def open_value(self, instance: Any, sealed: Sealed) -> Any:
        return self.from_bytes(load_keyring().open(bytes(sealed), self._aad(instance)))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        return Sealed(bytes(value))

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        value = getattr(model_instance, self.attname)  # type: ignore[attr-defined]
        if value is None:
            return None
        return Sealed(load_keyring().seal(self.to_bytes(value), self._aad(model_instance)))

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is None:
            return None
        if not isinstance(value, Sealed):
            raise TypeError("encrypted fields are written only through Model.save(); filter on a blind index")
        return connection.Database.Binary(bytes(value))

    def to_python(self, value: Any) -> Any:
        return value

    def value_to_string(self, obj: Any) -> str:
        return "<encrypted>"


class EncryptedTextField(_EncryptedMixin, models.BinaryField):  # type: ignore[type-arg]  # generic in the stubs only
    """A text value encrypted at rest."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def _check_str_default_value(self) -> list[Any]:
        return []  # a text default is right here: the value is text until it is sealed

    def to_bytes(self, value: Any) -> bytes:
        return str(value).encode("utf-8")

    def from_bytes(self, raw: bytes) -> str:
        return raw.decode("utf-8")


class EncryptedBinaryField(_EncryptedMixin, models.BinaryField):  # type: ignore[type-arg]  # generic in the stubs only
    """Bytes encrypted at rest (raw submissions, evidence bodies)."""

    def to_bytes(self, value: Any) -> bytes:
        return bytes(value)

    def from_bytes(self, raw: bytes) -> bytes:
        return raw
