"""Signing keys on disk: create, rotate, revoke, load; and the public key set (JWKS).

Layout of the key folder (default `var/keys/`, mode 0700):

- `<kid>.key`  the Ed25519 private key, PKCS#8 PEM, mode 0600; encrypted when
  CIVICOPS_SIGNING_KEY_PASSPHRASE is set;
- `<kid>.json` the public half and its status: created_at, revoked_at, revoked_reason;
- `current`    the id of the key that signs new notices.

Old keys stay, so notices signed before a rotation still verify. A revoked key fails
verification. Changes are made under a file lock, so two processes never create two keys.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from notices.signing import b64url, sha256, unb64url

if TYPE_CHECKING:
    from settings import Settings

PASSPHRASE_ENV = "CIVICOPS_SIGNING_KEY_PASSPHRASE"


class SigningKeyError(LookupError):
    """A key is missing, unreadable, or cannot be used as asked."""


@dataclass(frozen=True)
class PublicKeyInfo:
    """One published key: what a verifier needs, and whether it may still be trusted."""

    key_id: str
    public_key: Ed25519PublicKey
    created_at: datetime
    revoked_at: datetime | None = None
    revoked_reason: str | None = None

    @property
    def raw(self) -> bytes:
        """The 32-byte public key."""
        return self.public_key.public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    def jwk(self, current: bool = False) -> dict[str, Any]:
        """A JWK (RFC 8037 OKP) with CivicOps status fields."""
        status = "revoked" if self.revoked_at else ("active" if current else "retired")
        return {
            "kty": "OKP",
            "crv": "Ed25519",
            "alg": "EdDSA",
            "use": "sig",
            "kid": self.key_id,
            "x": b64url(self.raw),
            "status": status,
            "created_at": _iso(self.created_at),
            "revoked_at": _iso(self.revoked_at) if self.revoked_at else None,
            "revoked_reason": self.revoked_reason,
        }

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> PublicKeyInfo:
        """Read one JWK (as published at /v1/keys); ValueError if it is not an Ed25519 key."""
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            raise ValueError("only Ed25519 (OKP) keys are supported")
        kid = jwk.get("kid")
        if not isinstance(kid, str) or not kid:
            raise ValueError("key has no kid")
        raw = unb64url(str(jwk.get("x", "")), field="x", length=32)
        created = jwk.get("created_at")
        revoked = jwk.get("revoked_at")
        revoked_at = datetime.fromisoformat(revoked) if revoked else None
        if revoked_at is None and jwk.get("status") == "revoked":
            revoked_at = datetime.min.replace(tzinfo=UTC)  # revoked, date not given
        return cls(
            key_id=kid,
            public_key=Ed25519PublicKey.from_public_bytes(raw),
            created_at=datetime.fromisoformat(created) if created else _EPOCH,
            revoked_at=revoked_at,
            revoked_reason=jwk.get("revoked_reason"),
        )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def key_id_for(public_raw: bytes, created_at: datetime) -> str:
    """A readable, unique key id: the creation date and a fingerprint of the public key."""
    return f"k{created_at:%Y%m%d}-{fingerprint(public_raw)}"


def fingerprint(public_raw: bytes) -> str:
    """The fingerprint that ends every key id made from this public key."""
    return sha256(public_raw).hex()[:8]


def load_public_keys(path: Path) -> list[PublicKeyInfo]:
    """Public keys from a file: a JWKS (as /v1/keys serves it) or one PEM public key.

    A bare PEM key has no id; it gets the id "" and matches key ids by fingerprint.
    """
    data = path.read_bytes()
    if data.lstrip().startswith(b"{"):
        doc = json.loads(data)
        keys = doc.get("keys") if isinstance(doc, dict) and "keys" in doc else [doc]
        if not isinstance(keys, list):
            raise ValueError(f"{path}: keys must be a list")
        return [PublicKeyInfo.from_jwk(k) for k in keys]
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path} is not an Ed25519 public key")
    return [PublicKeyInfo("", key, _EPOCH)]


class KeyStore:
    """The signing keys of this deployment, in one folder."""

    def __init__(self, folder: Path, passphrase: str | None = None) -> None:
        self.folder = folder
        self._passphrase = passphrase.encode() if passphrase else None
        self._private: dict[str, Ed25519PrivateKey] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> KeyStore:
        """The deployment's store: CIVICOPS_KEYS_DIR and CIVICOPS_SIGNING_KEY_PASSPHRASE."""
        return cls(settings.keys_dir, settings.signing_key_passphrase)

    # -- reading -----------------------------------------------------------------------

    def current_key_id(self) -> str | None:
        """The key that signs new notices, or None before the first key is made."""
        try:
            kid = (self.folder / "current").read_text().strip()
        except FileNotFoundError:
            return None
        return kid or None

    def public_keys(self) -> dict[str, PublicKeyInfo]:
        """Every key ever made here, revoked ones included, by id."""
        keys: dict[str, PublicKeyInfo] = {}
        if not self.folder.is_dir():
            return keys
        for meta in sorted(self.folder.glob("*.json")):
            info = self._read_meta(meta)
            keys[info.key_id] = info
        return keys

    def jwks(self) -> dict[str, Any]:
        """The public key set, newest first."""
        current = self.current_key_id()
        keys = sorted(self.public_keys().values(), key=lambda k: k.created_at, reverse=True)
        return {"keys": [k.jwk(current=k.key_id == current) for k in keys]}

    def private_key(self, key_id: str) -> Ed25519PrivateKey:
        """The private key for signing (cached after the first load)."""
        cached = self._private.get(key_id)
        if cached is not None:
            return cached
        path = self.folder / f"{key_id}.key"
        try:
            pem = path.read_bytes()
        except FileNotFoundError:
            raise SigningKeyError(f"no private key {key_id} in {self.folder}") from None
        try:
            key = serialization.load_pem_private_key(pem, password=self._passphrase)
        except TypeError as exc:  # encrypted without a passphrase, or the reverse
            raise SigningKeyError(
                f"key {key_id}: {exc}; set {PASSPHRASE_ENV} to the passphrase it was made with"
            ) from None
        except ValueError:
            raise SigningKeyError(f"key {key_id}: wrong passphrase or damaged key file") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningKeyError(f"key {key_id} is not an Ed25519 key")
        self._private[key_id] = key
        return key

    def signing_key(self) -> tuple[str, Ed25519PrivateKey]:
        """The current key id and private key; SigningKeyError if none or it is revoked."""
        kid = self.current_key_id()
        if kid is None:
            raise SigningKeyError(f"no signing key in {self.folder}: run `civicops keys rotate`")
        info = self.public_keys().get(kid)
        if info is None or info.revoked_at is not None:
            raise SigningKeyError(
                f"the current signing key {kid} is revoked; run `civicops keys rotate`"
            )
        return kid, self.private_key(kid)

    # -- changing ----------------------------------------------------------------------

    def ensure(self) -> str:
        """The current key id, making the first key if there is none (idempotent)."""
        with self._locked():
            kid = self.current_key_id()
            if kid is not None and kid in self.public_keys():
                return kid
            return self._create()

    def rotate(self) -> str:
        """Make a new signing key; older keys keep verifying the notices they signed."""
        with self._locked():
            return self._create()

    def revoke(self, key_id: str, reason: str) -> str | None:
        """Mark a key revoked; if it was the signing key, a new one replaces it (its id)."""
        with self._locked():
            meta_path = self.folder / f"{key_id}.json"
            if not meta_path.exists():
                raise SigningKeyError(f"no key {key_id} in {self.folder}")
            meta = json.loads(meta_path.read_text())
            if not meta.get("revoked_at"):
                meta["revoked_at"] = _iso(datetime.now(UTC))
                meta["revoked_reason"] = reason
                _write_atomic(meta_path, json.dumps(meta, indent=2).encode(), 0o644)
            if self.current_key_id() == key_id:
                return self._create()
            return None

    def _create(self) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)
        key = Ed25519PrivateKey.generate()
        raw = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        created = datetime.now(UTC).replace(microsecond=0)
        kid = key_id_for(raw, created)
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(self._passphrase)
            if self._passphrase
            else serialization.NoEncryption()
        )
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )
        _write_atomic(self.folder / f"{kid}.key", pem, 0o600)
        meta = {"kid": kid, "alg": "Ed25519", "x": b64url(raw), "created_at": _iso(created)}
        _write_atomic(self.folder / f"{kid}.json", json.dumps(meta, indent=2).encode(), 0o644)
        _write_atomic(self.folder / "current", f"{kid}\n".encode(), 0o644)
        self._private[kid] = key
        return kid

    def _read_meta(self, path: Path) -> PublicKeyInfo:
        meta = json.loads(path.read_text())
        return PublicKeyInfo(
            key_id=meta["kid"],
            public_key=Ed25519PublicKey.from_public_bytes(
                unb64url(meta["x"], field="x", length=32)
            ),
            created_at=datetime.fromisoformat(meta["created_at"]),
            revoked_at=datetime.fromisoformat(meta["revoked_at"])
            if meta.get("revoked_at")
            else None,
            revoked_reason=meta.get("revoked_reason"),
        )

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)
        with open(self.folder / ".lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _write_atomic(path: Path, data: bytes, mode: int) -> None:
    """Write via a temporary file and rename, with the mode set before any byte lands."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
