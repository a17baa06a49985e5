"""Encryption at rest for reporter identity and victims' data.

Envelope: a keyring kept outside the database (a JSON file with mode 0600, or the environment variable
ABUSEDESK_KEYRING_JSON in production) holds AES-256-GCM data keys, one of them primary, plus a separate
HMAC key for blind indexes (equality lookups such as "same reporter e-mail" without storing the address).

Every ciphertext names its key id, so keys rotate without downtime: `abusedesk keys rotate` adds a new
primary, `abusedesk keys rewrap` re-encrypts every row with it, `abusedesk keys retire KID` removes the old
key once no row needs it. The associated data binds a ciphertext to its table, column and row, so swapping
two rows' ciphertexts makes both fail to decrypt.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT_VERSION = 1
NONCE_BYTES = 12


class KeyringError(RuntimeError):
    """The keyring is missing, malformed, or lacks a key a ciphertext names."""


class DecryptionError(RuntimeError):
    """A ciphertext failed authentication: wrong row, wrong column, tampered, or unknown key."""


@dataclass
class Keyring:
    primary: str
    keys: dict[str, bytes]
    index_key: bytes
    created: dict[str, str] = field(default_factory=dict)

    @classmethod
    def generate(cls) -> Keyring:
        kid = _new_kid()
        return cls(primary=kid, keys={kid: AESGCM.generate_key(bit_length=256)},
                   index_key=secrets.token_bytes(32), created={kid: _now()})

    @classmethod
    def from_json(cls, text: str) -> Keyring:
        try:
            raw = json.loads(text)
            keys = {kid: base64.b64decode(entry["key"]) for kid, entry in raw["keys"].items()}
            created = {kid: entry.get("created", "") for kid, entry in raw["keys"].items()}
            ring = cls(primary=raw["primary"], keys=keys, index_key=base64.b64decode(raw["index_key"]),
                       created=created)
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyringError(f"keyring is malformed: {exc.__class__.__name__}") from None
        if ring.primary not in ring.keys:
            raise KeyringError("keyring: primary key id is not among the keys")
        if any(len(k) != 32 for k in ring.keys.values()) or len(ring.index_key) < 32:
            raise KeyringError("keyring: keys must be 256 bits")
        return ring

    def to_json(self) -> str:
        keys = {kid: {"key": base64.b64encode(k).decode(), "created": self.created.get(kid, "")}
                for kid, k in self.keys.items()}
        return json.dumps({"version": FORMAT_VERSION, "primary": self.primary, "keys": keys,
                           "index_key": base64.b64encode(self.index_key).decode()}, indent=2)

    def rotate(self) -> str:
        kid = _new_kid()
        self.keys[kid] = AESGCM.generate_key(bit_length=256)
        self.created[kid] = _now()
        self.primary = kid
        return kid

    def retire(self, kid: str) -> None:
        if kid == self.primary:
            raise KeyringError("cannot retire the primary key; rotate first")
        if kid not in self.keys:
            raise KeyringError(f"no key with id {kid!r}")
        del self.keys[kid]
        self.created.pop(kid, None)

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        kid = self.primary.encode()
        nonce = os.urandom(NONCE_BYTES)
        body = AESGCM(self.keys[self.primary]).encrypt(nonce, plaintext, aad)
        return bytes([FORMAT_VERSION, len(kid)]) + kid + nonce + body

    def open(self, blob: bytes, aad: bytes) -> bytes:
        if len(blob) < 2 or blob[0] != FORMAT_VERSION:
            raise DecryptionError("unknown ciphertext format")
        kid_len = blob[1]
        kid = blob[2 : 2 + kid_len].decode("ascii", "replace")
        key = self.keys.get(kid)
        if key is None:
            raise DecryptionError(f"ciphertext names key {kid!r}, which is not in the keyring")
        nonce = blob[2 + kid_len : 2 + kid_len + NONCE_BYTES]
        try:
            return AESGCM(key).decrypt(nonce, blob[2 + kid_len + NONCE_BYTES :], aad)
        except InvalidTag:
            raise DecryptionError("ciphertext failed authentication") from None

    @staticmethod
    def key_id_of(blob: bytes) -> str:
        return blob[2 : 2 + blob[1]].decode("ascii", "replace")

    def blind_index(self, purpose: str, value: str) -> str:
        normalised = value.strip().casefold()
        return hmac.new(self.index_key, f"{purpose}\x00{normalised}".encode(), hashlib.sha256).hexdigest()


def _new_kid() -> str:
    return "k" + datetime.now(UTC).strftime("%Y%m%d%H%M%S") + secrets.token_hex(2)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


_lock = threading.Lock()
_cached: tuple[str, Keyring] | None = None


def keyring_path() -> Path:
    from django.conf import settings

    return Path(settings.KEYRING_PATH)


def load_keyring(*, create: bool = True) -> Keyring:
    """The process's keyring: from ABUSEDESK_KEYRING_JSON, else the keyring file (created if missing)."""
    global _cached
    from_env = os.environ.get("ABUSEDESK_KEYRING_JSON")
    source = "env" if from_env else str(keyring_path())
    with _lock:
        if _cached and _cached[0] == source:
            return _cached[1]
        ring = Keyring.from_json(from_env) if from_env else _load_or_create_file(keyring_path(), create=create)
        _cached = (source, ring)
        return ring


def save_keyring(ring: Keyring) -> Path:
    """Write the keyring file atomically with mode 0600 and make it this process's keyring."""
    global _cached
    if os.environ.get("ABUSEDESK_KEYRING_JSON"):
        raise KeyringError("the keyring comes from ABUSEDESK_KEYRING_JSON; update the secret there")
    path = keyring_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(ring.to_json())
    os.replace(tmp, path)
    with _lock:
        _cached = (str(path), ring)
    return path


def forget_cached_keyring() -> None:
    global _cached
    with _lock:
        _cached = None


def _load_or_create_file(path: Path, *, create: bool) -> Keyring:
    if path.exists():
        return Keyring.from_json(path.read_text())
    if not create:
        raise KeyringError(f"no keyring at {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    ring = Keyring.generate()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return Keyring.from_json(path.read_text())
    with os.fdopen(fd, "w") as handle:
        handle.write(ring.to_json())
    return ring


def blind_index(purpose: str, value: str) -> str:
    return load_keyring().blind_index(purpose, value)
