"""Citizens' personal data at rest: the keyring, each citizen's data key, sealed contact details,
the blind index that finds a citizen, and crypto-shredding (DPDP Rule 6; docs/privacy.md).

- **Keyring.** Master keys come from configuration (`CIVICOPS_PRIVACY_MASTER_KEYS` "id:key,…",
  `CIVICOPS_PRIVACY_MASTER_KEY_ID`, `CIVICOPS_PRIVACY_INDEX_KEY`); with none set, the
  embedded default keeps a keyring file `privacy/keyring.json` (mode 0600) in the keys folder,
  made on first use. `configure(settings)` loads it once per process.
- **Data keys.** Each filing of a citizen's personal data has its own random AES-256 key,
  wrapped under the current master key (records/sealing.py) in `citizen_key`, with the blind
  indexes of its phone number and email, which find all of a person's keys (`keys_of`)
  without decrypting anything. Every sealed field is AES-GCM under its key, bound to its
  field and to the key's row, so a ciphertext copied elsewhere does not open. Keys are not
  shared by everyone who typed one number (`citizen_key` says why).
- **Shredding.** `shred` destroys the wrapped key and clears the sealed columns: every copy in
  the live database is unreadable at once. A backup still holds the wrapped key under the
  master key of its day, so erasure reaches backups when that master key is retired
  (`civicops privacy rewrap` then dropping the old key once backups older than it expire).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from domain.pii import normalise_email, normalise_phone
from records import sealing
from records.audit import AuditRecord, append
from records.db import Steps, write
from records.sealing import MasterKeys, SealingError
from records.tables import CitizenKey, Complaint, Reporter
from settings import Settings

KEYRING_FILE = Path("privacy") / "keyring.json"  # beside, not among, the signing keys
FIELDS = ("name", "phone", "email", "description", "address")
_KEYS: dict[str, MasterKeys] = {}

__all__ = ["Contact", "SealingError", "configure", "keyring", "sealed_reporter", "shred"]


def _from_file(path: Path) -> MasterKeys:
    """The keyring file's keys, making the file (0600) with a fresh keyring if it is missing."""
    try:
        return MasterKeys.from_json(path.read_text())
    except FileNotFoundError:
        pass
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    made = MasterKeys.generate("m1")
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return MasterKeys.from_json(path.read_text())
    with os.fdopen(handle, "w") as out:
        out.write(made.to_json())
    return made


def load(settings: Settings) -> MasterKeys:
    """The keyring the settings name (module docstring); SealingError says what is wrong."""
    if settings.privacy_master_keys:
        if not settings.privacy_master_key_id or not settings.privacy_index_key:
            raise SealingError(
                "CIVICOPS_PRIVACY_MASTER_KEYS needs CIVICOPS_PRIVACY_MASTER_KEY_ID and "
                "CIVICOPS_PRIVACY_INDEX_KEY"
            )
        return MasterKeys.parse(
            settings.privacy_master_keys,
            settings.privacy_master_key_id,
            settings.privacy_index_key,
        )
    return _from_file(settings.keys_dir / KEYRING_FILE)


def configure(settings: Settings) -> MasterKeys:
    """Load this process's keyring (every entry point calls it before touching personal data)."""
    _KEYS["current"] = load(settings)
    return _KEYS["current"]


def keyring() -> MasterKeys:
    """This process's keyring; configure() first."""
    try:
        return _KEYS["current"]
    except KeyError:
        raise RuntimeError("records.vault.configure(settings) was not called") from None


def install(keys: MasterKeys) -> None:
    """Make `keys` this process's keyring (after a rotation)."""
    _KEYS["current"] = keys


def label(key_id: int) -> str:
    """What a citizen key's wrapping and every field sealed under it are bound to."""
    return f"citizen-key:{key_id}"


def indexes(phone: str | None, email: str | None) -> tuple[str | None, str | None]:
    """The blind indexes of a phone number and an email address (None: absent or unreadable)."""
    keys = keyring()
    p = normalise_phone(phone) if phone else None
    e = normalise_email(email) if email else None
    return (
        sealing.blind_index(keys, "phone", p) if p else None,
        sealing.blind_index(keys, "email", e) if e else None,
    )


async def keys_of(phone: str | None, email: str | None) -> list[int]:
    """Every live key holding a filing by this phone number or email (oldest first): how an
    official or the data-protection officer finds a citizen without decrypting anything."""
    phone_ix, email_ix = indexes(phone, email)
    found: dict[int, None] = {}
    for column, value in ((CitizenKey.phone_index, phone_ix), (CitizenKey.email_index, email_ix)):
        if value is None:
            continue
        rows = (
            await CitizenKey.select(CitizenKey.id)
            .where((column == value) & CitizenKey.wrapped.is_not_null())
            .order_by(CitizenKey.id)
        )
        found.update(dict.fromkeys(r["id"] for r in rows))
    if not found:
        return []
    used = await Reporter.select(Reporter.citizen_key).where(
        Reporter.citizen_key.is_in(list(found))
    )  # a key made for a filing that was then refused holds nothing
    held = {r["citizen_key"] for r in used}
    return [k for k in found if k in held]


async def data_key(key_id: int) -> bytes | None:
    """A citizen's data key, or None once shredded (or never made)."""
    row = await CitizenKey.select(CitizenKey.wrapped).where(CitizenKey.id == key_id).first()
    if row is None or row["wrapped"] is None:
        return None
    return sealing.unwrap(keyring(), row["wrapped"], context=label(key_id))


def _key_steps(phone_ix: str | None, email_ix: str | None) -> Steps[tuple[int, str]]:
    """Insert a data key with the filing's blind indexes, and wrap it under the id it got."""
    rows = yield CitizenKey.insert(
        CitizenKey(phone_index=phone_ix, email_index=email_ix)
    ).returning(CitizenKey.id)
    key_id = rows[0]["id"]
    keys = keyring()
    wrapped = sealing.wrap(keys, sealing.new_data_key(), context=label(key_id))
    yield CitizenKey.update(
        {CitizenKey.wrapped: wrapped, CitizenKey.master_key_id: keys.current}
    ).where(CitizenKey.id == key_id)
    return key_id, wrapped


async def citizen_key(phone: str | None, email: str | None) -> tuple[int, bytes]:
    """A new data key for one filing's personal data, findable by its blind indexes.

    Each filing has its own key, never one shared by everyone who typed the same number:
    otherwise anyone who filed with a citizen's phone number would, with their own filing's
    token, reach that citizen's other filings. The citizen token proves control of one
    filing; finding all of a person's filings (keys_of) is for an official who verified them.
    """
    phone_ix, email_ix = indexes(phone, email)
    key_id, wrapped = await write(_key_steps(phone_ix, email_ix))
    return key_id, sealing.unwrap(keyring(), wrapped, context=label(key_id))


@dataclass(frozen=True)
class Contact:
    """A filing's personal data in the clear, as the citizen gave it (never stored so)."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None
    description: str | None = None  # the original free text, when masking changed it
    address: str | None = None  # the original address, when masking changed it

    def empty(self) -> bool:
        """Whether there is nothing to keep."""
        return not any(getattr(self, f) for f in FIELDS)


async def sealed_reporter(
    contact: Contact, *, legal_basis: str, notice_version: str, purposes: Iterable[str]
) -> Reporter | None:
    """The reporter row of a filing, its fields sealed under the citizen's data key."""
    if contact.empty():
        return None
    key_id, key = await citizen_key(contact.phone, contact.email)
    row = label(key_id)
    sealed = {f: sealing.seal_optional(key, getattr(contact, f), field=f, row=row) for f in FIELDS}
    return Reporter(
        citizen_key=key_id,
        name_sealed=sealed["name"],
        phone_sealed=sealed["phone"],
        email_sealed=sealed["email"],
        description_sealed=sealed["description"],
        address_sealed=sealed["address"],
        legal_basis=legal_basis,
        notice_version=notice_version,
        purposes=",".join(purposes),
    )


REPORTER_COLUMNS = (
    Reporter.id,
    Reporter.citizen_key,
    Reporter.name_sealed,
    Reporter.phone_sealed,
    Reporter.email_sealed,
    Reporter.description_sealed,
    Reporter.address_sealed,
    Reporter.legal_basis,
    Reporter.notice_version,
    Reporter.purposes,
    Reporter.consent_withdrawn_at,
    Reporter.erased_at,
    Reporter.created_at,
)


async def open_reporters(ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Reporter rows by id with their fields opened (None where erased or shredded)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await Reporter.select(*REPORTER_COLUMNS).where(Reporter.id.is_in(wanted))
    keys: dict[int, bytes | None] = {}
    opened: dict[int, dict[str, Any]] = {}
    for row in rows:
        key_id = row["citizen_key"]
        if key_id is not None and key_id not in keys:
            keys[key_id] = await data_key(key_id)
        key = keys.get(key_id) if key_id is not None else None
        values = {
            f: sealing.open_optional(key, row[f"{f}_sealed"], field=f, row=label(key_id))
            if key is not None
            else None
            for f in FIELDS
        }
        opened[row["id"]] = {**{k: v for k, v in row.items() if not k.endswith("_sealed")},
                             **values}  # fmt: skip
    return opened


async def shred(key_ids: Iterable[int], *, reason: str, actor: str) -> list[int]:
    """Destroy citizens' data keys and clear their sealed fields; the keys shredded now."""
    wanted = sorted({k for k in key_ids if k is not None})
    if not wanted:
        return []
    now = datetime.now(UTC)
    done = await write(_shred_steps(wanted, reason, now))
    if done:
        await append(
            AuditRecord(
                action="personal_data.erased",
                subject=",".join(label(k) for k in done),
                actor=actor,
                detail={"reason": reason, "citizen_keys": done},
                at=now,
            )
        )
    return done


def _shred_steps(key_ids: list[int], reason: str, now: datetime) -> Steps[list[int]]:
    """Clear the wrapped keys still there, then every sealed column of their reporters."""
    rows = (
        yield CitizenKey.update(
            {
                CitizenKey.wrapped: None,
                CitizenKey.master_key_id: None,
                CitizenKey.phone_index: None,  # nor can the citizen be found by number now
                CitizenKey.email_index: None,
                CitizenKey.shredded_at: now,
                CitizenKey.shred_reason: reason[:40],
            }
        )
        .where(CitizenKey.id.is_in(key_ids) & CitizenKey.wrapped.is_not_null())
        .returning(CitizenKey.id)
    )
    yield Reporter.update(
        {
            Reporter.name_sealed: None,
            Reporter.phone_sealed: None,
            Reporter.email_sealed: None,
            Reporter.description_sealed: None,
            Reporter.address_sealed: None,
            Reporter.erased_at: now,
        }
    ).where(Reporter.citizen_key.is_in(key_ids) & Reporter.erased_at.is_null())
    return sorted(r["id"] for r in rows)


async def rewrap_all() -> int:
    """Wrap every live data key under the current master key (after a rotation); how many."""
    keys = keyring()
    rows = await CitizenKey.select(CitizenKey.id, CitizenKey.wrapped).where(
        CitizenKey.wrapped.is_not_null() & (CitizenKey.master_key_id != keys.current)
    )
    for row in rows:
        wrapped = sealing.rewrap(keys, row["wrapped"], context=label(row["id"]))
        await write(
            [
                CitizenKey.update(
                    {CitizenKey.wrapped: wrapped, CitizenKey.master_key_id: keys.current}
                ).where((CitizenKey.id == row["id"]) & (CitizenKey.wrapped == row["wrapped"]))
            ]
        )
    return len(rows)


def describe(keys: MasterKeys) -> str:
    """The keyring without its secrets: the current id and every id."""
    return json.dumps({"current": keys.current, "keys": sorted(keys.keys)})


async def forget_reporter(reporter_id: int | None) -> None:
    """Delete a reporter row no case holds, and its filing's data key with it."""
    if reporter_id is None:
        return
    row = await Reporter.select(Reporter.citizen_key).where(Reporter.id == reporter_id).first()
    queries: list[Any] = [Reporter.delete().where(Reporter.id == reporter_id)]
    if row and row["citizen_key"] is not None:
        queries.append(CitizenKey.delete().where(CitizenKey.id == row["citizen_key"]))
    await write(queries)


def seal_text(key: bytes, key_id: int, field: str, text: str) -> str:
    """One text sealed under a citizen's data key, bound to the field it is kept in."""
    return sealing.seal(key, text, field=field, row=label(key_id))


def open_text(key: bytes, key_id: int, field: str, token: str | None) -> str | None:
    """A text sealed with seal_text, opened (None if there was none)."""
    return sealing.open_optional(key, token, field=field, row=label(key_id))


async def may_message(reporter_id: int | None, purpose: str = "case_updates") -> bool:
    """Whether the filer may be sent messages for this purpose: they gave contact details,
    it was among the purposes they were told of, and they have not withdrawn or been erased
    (the channels' check before any SMS or WhatsApp)."""
    if reporter_id is None:
        return False
    row = await Reporter.select(
        Reporter.phone_sealed, Reporter.email_sealed, Reporter.purposes,
        Reporter.consent_withdrawn_at, Reporter.erased_at,
    ).where(Reporter.id == reporter_id).first()  # fmt: skip
    if row is None or row["consent_withdrawn_at"] or row["erased_at"]:
        return False
    told = (row["purposes"] or "").split(",")
    return bool(row["phone_sealed"] or row["email_sealed"]) and purpose in told


async def reseal(key_id: int, key: bytes, changes: dict[str, str]) -> None:
    """Correct a citizen's contact details in every live filing of theirs (and their index)."""
    values = {
        getattr(Reporter, f"{f}_sealed"): seal_text(key, key_id, f, v) for f, v in changes.items()
    }
    phone_ix, email_ix = indexes(changes.get("phone"), changes.get("email"))
    found = {CitizenKey.phone_index: phone_ix, CitizenKey.email_index: email_ix}
    moved = {column: value for column, value in found.items() if value is not None}
    queries: list[Any] = [
        Reporter.update(values).where(
            (Reporter.citizen_key == key_id) & Reporter.erased_at.is_null()
        )
    ]
    if moved:
        queries.append(CitizenKey.update(moved).where(CitizenKey.id == key_id))
    await write(queries)


async def originals_of(key_ids: Iterable[int]) -> list[str]:
    """The S3 keys of the photo and voice-note originals the citizens filed with their cases
    (the EXIF-free public copies of photos stay with the public record)."""
    wanted = sorted({k for k in key_ids if k is not None})
    if not wanted:
        return []
    reporters = await Reporter.select(Reporter.id).where(Reporter.citizen_key.is_in(wanted))
    if not reporters:
        return []
    rows = await (
        Complaint.select(Complaint.intake)
        .where(Complaint.reporter.is_in([r["id"] for r in reporters]))
        .output(load_json=True)
    )
    keys = []
    for row in rows:
        intake = row["intake"] if isinstance(row["intake"], dict) else {}
        keys += [a["key"] for a in intake.get("attachments") or [] if a.get("key")]
    return sorted(set(keys))
