"""Citizens of the web app, who have no account: their devices, filing tokens and pseudonyms.

- **Device.** The phone keeps a random secret (at least 128 bits) and sends it with its
  filings; only its SHA-256 is stored. It ties a device's filings together for points and
  the pseudonym, and nothing else: no name, no number.
- **Citizen token.** Each filing gives the device a token, HMAC-SHA-256 of the case and the
  filing's client id under the device secret. Re-sending the filing gives the same token, so
  a phone that lost the first answer still learns it; only its SHA-256 is stored. Its holder,
  and only its holder, may confirm, reopen or withdraw the case from the web app.
- **Web key.** The pages file through the server under one `citizen-app` API key, made on
  first use and audited like any other; revoking it stops web filings (503).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass

from domain.roles import Role
from records.apikeys import Principal, create_key
from records.tables import ApiKey, CitizenProfile, CitizenToken

WEB_KEY_NAME = "web app (citizen pages)"
DEVICE_MIN, DEVICE_MAX = 22, 64  # a device secret's length: 22 base64url chars = 132 bits
TOKEN_LENGTH = 26  # base32 characters: 130 bits
_DEVICE = re.compile(r"^[A-Za-z0-9_-]+$")
PSEUDONYM_MAX = 24
_PSEUDONYM_MARKS = frozenset(" .'-\u200c\u200d")  # and ZWNJ/ZWJ, which Indic scripts need


class WebKeyRevoked(RuntimeError):
    """The web app's filing key was revoked: web filings stop until an admin acts."""


def device_ok(secret: object) -> bool:
    """Whether a device secret is well formed (base64url, 22-64 characters)."""
    return (
        isinstance(secret, str)
        and DEVICE_MIN <= len(secret) <= DEVICE_MAX
        and bool(_DEVICE.match(secret))
    )


def device_hash(secret: str) -> str:
    """The hex SHA-256 a device secret is known by."""
    return hashlib.sha256(secret.encode()).hexdigest()


def citizen_actor(device_sha256: str) -> str:
    """How the case's history names a citizen who acted with their token (no identity)."""
    return f"citizen-token:{device_sha256[:16]}"


def token_for(device_secret: str, tracking_id: str, client_id: str) -> str:
    """The filing's citizen token: the same for every re-send of the same filing."""
    mac = hmac.new(device_secret.encode(), f"{tracking_id}|{client_id}".encode(), "sha256")
    return base64.b32encode(mac.digest()).decode()[:TOKEN_LENGTH]


def token_hash(token: str) -> str:
    """The hex SHA-256 a token is stored as (upper-cased and trimmed first, as typed)."""
    return hashlib.sha256(token.strip().upper().encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Holder:
    """Who holds a valid token for a case: their device, and how their filing joined it."""

    tracking_id: str
    device_sha256: str
    filing: str  # new, recomplaint, linked (web filings) or contact (an API filing's)
    client_id: str = ""  # the web filing's client id; an API filing's own filing id


async def remember_token(device_secret: str, tracking_id: str, client_id: str, filing: str) -> str:
    """Store the filing's token (idempotent) and return it, to be shown once."""
    token = token_for(device_secret, tracking_id, client_id)
    await (
        CitizenToken.insert(
            CitizenToken(
                token_sha256=token_hash(token),
                tracking_id=tracking_id,
                client_id=client_id,
                device_sha256=device_hash(device_secret),
                filing=filing,
            )
        )
        .on_conflict(target=CitizenToken.token_sha256, action="DO NOTHING")
        .run()
    )
    return token


async def holder(tracking_id: str, token: str) -> Holder | None:
    """The holder of `token` when it is a token of this case, else None."""
    if not isinstance(token, str) or not 10 <= len(token.strip()) <= 64:
        return None
    row = (
        await CitizenToken.select(
            CitizenToken.device_sha256, CitizenToken.filing, CitizenToken.client_id
        )
        .where(
            (CitizenToken.token_sha256 == token_hash(token))
            & (CitizenToken.tracking_id == tracking_id)
        )
        .first()
        .run()
    )
    if row is None:
        return None
    return Holder(tracking_id, row["device_sha256"], row["filing"], row["client_id"])


CONTACT = "contact"  # CitizenToken.filing of an API filing's token (it earns no points)


async def contact_token(tracking_id: str, filing_id: str, secret: bytes) -> str:
    """The token of an API filing that gave contact details: derived from the filing id under
    the server's secret (a retried filing gets the same one), stored hashed (idempotent)."""
    mac = hmac.new(secret, f"citizen-token|{filing_id}".encode(), "sha256")
    token = base64.b32encode(mac.digest()).decode()[:TOKEN_LENGTH]
    digest = token_hash(token)
    await (
        CitizenToken.insert(
            CitizenToken(
                token_sha256=digest,
                tracking_id=tracking_id,
                client_id=filing_id,
                device_sha256=digest,
                filing=CONTACT,
            )
        )
        .on_conflict(target=CitizenToken.token_sha256, action="DO NOTHING")
        .run()
    )
    return token


def _name_char(ch: str) -> bool:
    """A letter or digit of any script (with its vowel signs), a space, or . ' -."""
    return ch.isalnum() or unicodedata.category(ch) in ("Mn", "Mc") or ch in _PSEUDONYM_MARKS


def clean_pseudonym(value: str) -> str:
    """A board name in any script: 2-24 letters, digits, spaces or . ' - ; never a number.

    Raises ValueError naming the rule broken.
    """
    name = unicodedata.normalize("NFC", " ".join(value.split()))
    if not 2 <= len(name) <= PSEUDONYM_MAX:
        raise ValueError(f"must be 2-{PSEUDONYM_MAX} characters")
    if not name[0].isalnum() or not all(_name_char(ch) for ch in name):
        raise ValueError("may hold only letters, digits, spaces and . ' -, and start with one")
    if sum(ch.isdigit() for ch in name) > 4:
        raise ValueError("may hold at most four digits, so that it is never a phone number")
    return name


async def set_pseudonym(device_secret: str, pseudonym: str | None) -> str | None:
    """Choose (or, with None, drop) the device's board name; returns it as stored."""
    name = clean_pseudonym(pseudonym) if pseudonym else None
    digest = device_hash(device_secret)
    await (
        CitizenProfile.insert(CitizenProfile(device_sha256=digest, pseudonym=name))
        .on_conflict(
            target=CitizenProfile.device_sha256,
            action="DO UPDATE",
            values=[CitizenProfile.pseudonym],
        )
        .run()
    )
    return name


async def pseudonym(device_sha256: str) -> str | None:
    """The board name a device chose, if any."""
    row = (
        await CitizenProfile.select(CitizenProfile.pseudonym)
        .where(CitizenProfile.device_sha256 == device_sha256)
        .first()
        .run()
    )
    return row["pseudonym"] if row else None


async def web_principal() -> Principal:
    """The citizen-app key the pages file under: the oldest live one (so that replicas agree,
    and a filing re-sent to another replica claims the same idempotency key), made on first use."""
    rows = (
        await ApiKey.select(ApiKey.key_id, ApiKey.revoked_at, ApiKey.rate_per_minute)
        .where((ApiKey.name == WEB_KEY_NAME) & (ApiKey.role == Role.CITIZEN_APP.value))
        .order_by(ApiKey.created_at, ApiKey.key_id)
        .run()
    )
    if rows and all(r["revoked_at"] is not None for r in rows):
        raise WebKeyRevoked(
            "the web app's citizen-app key is revoked; web filing is stopped until an admin "
            f"makes a new key named {WEB_KEY_NAME!r}"
        )
    live = next((r for r in rows if r["revoked_at"] is None), None)
    if live is None:
        _, row = await create_key(WEB_KEY_NAME, Role.CITIZEN_APP, rate_per_minute=0,
                                  actor="server")  # fmt: skip
        return Principal(row.key_id, WEB_KEY_NAME, Role.CITIZEN_APP, None, None, 0)
    return Principal(live["key_id"], WEB_KEY_NAME, Role.CITIZEN_APP, None, None, 0)
