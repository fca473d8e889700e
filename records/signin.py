"""Officials sign in with passwords: invite links, scrypt hashes, lockouts and web sessions.

- **Invites.** An operator makes a single-use link (`invite`) that lets one official set a
  password (`set_password`); only the link token's SHA-256 is stored. Using a link is one
  conditional UPDATE, so two people using one link at once cannot both win.
- **Passwords** are stored as scrypt hashes (`hash_password`), never in clear. Setting one
  ends every open session of the official and clears a lockout.
- **Sign-in** (`sign_in`) does about the same work whether or not the official has a
  password. LOCK_AFTER wrong passwords in a row lock the account for LOCK_FOR; a locked
  account is refused without its password being checked. The outcome is written only if
  the login row is still as it was read (else it is decided again), so parallel guesses
  cannot slip past the lock: once it is set, even the right password is refused.
- **Sessions** (`open_session`, `current`, `close`, `revoke_all`): the cookie token and a
  CSRF token, the cookie's SHA-256 stored; `current` answers None for an unknown, revoked or
  expired session and for an official who is no longer active.

Every write goes through `records.db.write` with its audit entries ("signin.*", subject
"official:<id>"; never a password, a hash or a token). Time is `now()`, a module-level
function the tests replace (monkeypatch `records.signin.now`) to move the clock; every
comparison of times is done against it, in SQL as parameters or in Python.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.passwords import PASSWORD_MAX as PASSWORD_MAX  # re-exported: the pages' limits
from domain.passwords import PASSWORD_MIN as PASSWORD_MIN
from domain.passwords import WeakPassword as WeakPassword
from domain.passwords import check_password_rules, dummy_hash
from domain.passwords import hash_password as hash_password
from domain.passwords import password_matches as password_matches
from domain.roles import Role
from records.audit import AuditRecord, seal
from records.db import Steps, locked, write
from records.tables import Official, OfficialLogin, SignInLink, WebSession

LOCK_AFTER = 5  # failed sign-ins in a row lock the account
LOCK_FOR = timedelta(minutes=15)
SESSION_HOURS = 12
INVITE_HOURS = 72

TOKEN_MAX = 100  # longer link or session tokens are refused without a query
CLIENT_MAX = 100  # WebSession.client's length
TRIES = 20  # how often a sign-in is decided again when its login row changed meanwhile


def now() -> datetime:
    """The current instant (UTC); tests replace this function to move the clock."""
    return datetime.now(UTC)


class UnknownOfficial(LookupError):
    """No such (active) official."""


class InvalidLink(ValueError):
    """An unknown, used or expired sign-in link."""


class _Changed(Exception):
    """The row a write was decided on changed before it committed: decide again."""


@dataclass(frozen=True)
class Account:
    """Who signed in."""

    official_id: int
    name: str
    designation: str
    level: int

    @property
    def role(self) -> Role:
        """A ward supervisor (level 0) or an official above the wards."""
        return Role.SUPERVISOR if self.level == 0 else Role.OFFICIAL


@dataclass(frozen=True)
class Session:
    """A signed-in browser: whose it is, its CSRF token, and when it ends."""

    session_id: int
    account: Account
    csrf: str
    expires_at: datetime


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt."""

    account: Account | None  # None: refused
    locked_until: datetime | None  # set when the account is (now) locked


# --- helpers --------------------------------------------------------------------------------


def _sha256(token: str) -> str:
    """The hex SHA-256 a link or session token is stored as."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _bounded(token: str) -> bool:
    """True for a token worth looking up (not empty, not absurdly long)."""
    return 0 < len(token) <= TOKEN_MAX


def _subject(official_id: int) -> str:
    """The audit subject of an official's sign-in records."""
    return f"official:{official_id}"


def _web(client: str | None) -> str:
    """The audit actor of a step taken in a browser before (or while) signing in."""
    return "web" if client is None else f"web:{_client(client)}"


def _client(client: str | None) -> str | None:
    """The client address as stored (cut to the column's length)."""
    return None if client is None else client[:CLIENT_MAX]


def _account_columns(official: Any) -> tuple[Any, ...]:
    """The joined Official columns an Account is made of (read back with prefix "official.")."""
    return (official.id, official.name, official.designation, official.level)


def _account(row: dict[str, Any], prefix: str = "") -> Account:
    """An Account from a row of Official columns (joined ones carry `prefix`)."""
    return Account(
        official_id=row[f"{prefix}id"],
        name=row[f"{prefix}name"],
        designation=row[f"{prefix}designation"],
        level=row[f"{prefix}level"],
    )


async def _active_official(official_id: int) -> Account | None:
    """The account of an active official, or None."""
    row = (
        await Official.select(Official.id, Official.name, Official.designation, Official.level)
        .where((Official.id == official_id) & (Official.active.eq(True)))
        .first()
    )
    return None if row is None else _account(row)


# --- invite links ---------------------------------------------------------------------------


async def invite(official_id: int, *, hours: float = INVITE_HOURS, actor: str = "cli") -> str:
    """A single-use link token that lets the official set a password, valid `hours`. Audited.

    Only its SHA-256 is stored; the token is shown once. UnknownOfficial for a missing or
    inactive official.
    """
    if not 0 < hours <= 24 * 365:
        raise ValueError("hours: must be more than 0 and at most a year")
    if await _active_official(official_id) is None:
        raise UnknownOfficial(f"no active official with id {official_id}")
    token = secrets.token_urlsafe(32)
    digest = _sha256(token)
    at = now()
    expires_at = at + timedelta(hours=hours)
    await write(
        [
            SignInLink.insert(
                SignInLink(
                    token_sha256=digest,
                    official=official_id,
                    created_at=at,
                    expires_at=expires_at,
                )
            )
        ],
        audit=[
            AuditRecord(
                action="signin.invite",
                subject=_subject(official_id),
                actor=actor,
                detail={"link": digest[:12], "expires_at": expires_at.isoformat()},
                at=at,
            )
        ],
    )
    await seal()  # an operator's action is on the chain before they hear back
    return token


async def invite_account(token: str) -> Account | None:
    """The official a valid (unused, unexpired) link is for; None otherwise."""
    if not _bounded(token):
        return None
    row = (
        await SignInLink.select(
            *_account_columns(SignInLink.official),
        )
        .where(
            (SignInLink.token_sha256 == _sha256(token))
            & SignInLink.used_at.is_null()
            & (SignInLink.expires_at > now())
            & (SignInLink.official.active.eq(True))
        )
        .first()
    )
    return None if row is None else _account(row, "official.")


async def set_password(token: str, password: str, *, client: str | None = None) -> Account:
    """Use a link to set the official's password; the link works exactly once. Audited.

    WeakPassword if the rules refuse the password (the link stays usable); InvalidLink for
    an unknown, used or expired link, or an official no longer active. The new password
    clears failed sign-ins and a lockout, and ends every open session of the official.
    """
    check_password_rules(password)
    if not _bounded(token):
        raise InvalidLink("unknown sign-in link")
    digest = _sha256(token)
    link = (
        await SignInLink.select(SignInLink.official, SignInLink.used_at, SignInLink.expires_at)
        .where(SignInLink.token_sha256 == digest)
        .first()
    )
    if link is None:
        raise InvalidLink("unknown sign-in link")
    if link["used_at"] is not None or link["expires_at"] <= now():  # the UPDATE decides
        raise InvalidLink("this sign-in link was used already or has expired")
    account = await _active_official(link["official"])
    if account is None:
        raise InvalidLink("this link's official is no longer active")
    stored = await asyncio.to_thread(hash_password, password)
    at = now()

    def steps() -> Steps[None]:
        """Use the link (only if unused and unexpired), store the hash, end the sessions."""
        used = yield (
            SignInLink.update({SignInLink.used_at: at})
            .where(
                (SignInLink.token_sha256 == digest)
                & (SignInLink.official == account.official_id)
                & SignInLink.used_at.is_null()
                & (SignInLink.expires_at > at)
            )
            .returning(SignInLink.id)
        )
        if not used:
            raise InvalidLink("this sign-in link was used already or has expired")
        yield OfficialLogin.insert(
            OfficialLogin(
                official=account.official_id,
                password_hash=stored,
                failed_attempts=0,
                locked_until=None,
                changed_at=at,
            )
        ).on_conflict(
            target=OfficialLogin.official,
            action="DO UPDATE",
            values=[
                OfficialLogin.password_hash,
                OfficialLogin.failed_attempts,
                OfficialLogin.locked_until,
                OfficialLogin.changed_at,
            ],
        )
        yield WebSession.update({WebSession.revoked_at: at}).where(
            (WebSession.official == account.official_id) & WebSession.revoked_at.is_null()
        )

    await write(
        steps(),
        audit=[
            AuditRecord(
                action="signin.password_set",
                subject=_subject(account.official_id),
                actor=_web(client),
                detail={"link": digest[:12]},
                at=at,
            )
        ],
    )
    return account


# --- signing in -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Login:
    """An official's login row as read, to decide a sign-in on."""

    password_hash: str
    failed_attempts: int
    locked_until: datetime | None


_LOGIN_COLUMNS = (
    OfficialLogin.password_hash,
    OfficialLogin.failed_attempts,
    OfficialLogin.locked_until,
)


async def _login(official_id: int) -> tuple[_Login, Account] | None:
    """The login row of an active official with a password, and their account; or None."""
    row = (
        await OfficialLogin.select(
            *_LOGIN_COLUMNS,
            *_account_columns(OfficialLogin.official),
        )
        .where((OfficialLogin.official == official_id) & (OfficialLogin.official.active.eq(True)))
        .first()
    )
    if row is None:
        return None
    seen = _Login(row["password_hash"], row["failed_attempts"], row["locked_until"])
    return seen, _account(row, "official.")


def _if_unchanged(official_id: int, seen: _Login, values: dict[Any, Any]) -> Steps[None]:
    """Steps that write `values` to the login row (none: just check it), if it is still as
    `seen`, holding it to the commit; else raise _Changed (the write rolls back)."""
    rows = yield locked(
        OfficialLogin.select(*_LOGIN_COLUMNS).where(OfficialLogin.official == official_id)
    )
    if not rows or _Login(**rows[0]) != seen:
        raise _Changed
    if values:
        yield OfficialLogin.update(values).where(OfficialLogin.official == official_id)


def _record(action: str, official_id: int, client: str | None, **detail: Any) -> AuditRecord:
    """An audit entry of a sign-in attempt (never with the password)."""
    return AuditRecord(
        action=action,
        subject=_subject(official_id),
        actor=_web(client),
        detail=detail,
        at=now(),
    )


async def sign_in(official_id: int, password: str, *, client: str | None = None) -> SignIn:
    """Check an official's password; audited whatever the outcome, never with the password.

    About the same work whether or not the official exists or has a password (a dummy hash
    is checked). A locked account is refused without checking the password. A wrong one
    counts, and the LOCK_AFTER-th in a row locks the account for LOCK_FOR (a lock that has
    run out starts the count afresh); the right one resets the count. The outcome is written
    only if the login row is still as it was read, else decided again: so once parallel
    guesses have locked the account, even the right password still in flight is refused.
    """
    checked: tuple[str, bool] | None = None  # (hash, whether the password matched it)
    for _ in range(TRIES):
        found = await _login(official_id)
        if found is None:  # unknown, inactive, or no password set: the same work, refused
            await asyncio.to_thread(password_matches, dummy_hash(), password)
            await write(audit=[_record("signin.failed", official_id, client, reason="no password")])
            return SignIn(None, None)
        seen, account = found
        at = now()
        if seen.locked_until is not None and seen.locked_until > at:
            record = _record(
                "signin.locked", official_id, client, locked_until=seen.locked_until.isoformat()
            )
            try:
                await write(_if_unchanged(official_id, seen, {}), audit=[record])
            except _Changed:
                continue
            return SignIn(None, seen.locked_until)
        if checked is None or checked[0] != seen.password_hash:
            right = await asyncio.to_thread(password_matches, seen.password_hash, password)
            checked = (seen.password_hash, right)
        right = checked[1]
        until: datetime | None = None
        if right:
            values: dict[Any, Any] = {}
            if seen.failed_attempts or seen.locked_until is not None:
                values = {OfficialLogin.failed_attempts: 0, OfficialLogin.locked_until: None}
            audit = [_record("signin.ok", official_id, client)]
        else:
            attempts = (0 if seen.locked_until is not None else seen.failed_attempts) + 1
            until = at + LOCK_FOR if attempts >= LOCK_AFTER else None
            values = {OfficialLogin.failed_attempts: attempts, OfficialLogin.locked_until: until}
            audit = [
                _record("signin.failed", official_id, client, reason="wrong password",
                        attempts=attempts)
            ]  # fmt: skip
            if until is not None:
                audit.append(
                    _record("signin.lockout", official_id, client, attempts=attempts,
                            locked_until=until.isoformat())
                )  # fmt: skip
        try:
            await write(_if_unchanged(official_id, seen, values), audit=audit)
        except _Changed:
            continue  # another attempt (or a new password) got there first: decide again
        return SignIn(account if right else None, until)
    # The row kept changing under this attempt (a flood of them): refused, saying no more.
    return SignIn(None, None)


# --- sessions -------------------------------------------------------------------------------


async def open_session(
    account: Account, *, hours: float = SESSION_HOURS, client: str | None = None
) -> tuple[str, Session]:
    """A new session for a signed-in account: its cookie token (shown once) and the session."""
    if not 0 < hours <= 24 * 31:
        raise ValueError("hours: must be more than 0 and at most 31 days")
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    at = now()
    expires_at = at + timedelta(hours=hours)
    [inserted] = await write(
        [
            WebSession.insert(
                WebSession(
                    token_sha256=_sha256(token),
                    official=account.official_id,
                    csrf=csrf,
                    created_at=at,
                    expires_at=expires_at,
                    client=_client(client),
                )
            ).returning(WebSession.id)
        ]
    )
    return token, Session(inserted[0]["id"], account, csrf, expires_at)


async def current(token: str) -> Session | None:
    """The session a cookie token stands for; None if unknown, revoked, expired, or its
    official is no longer active (a token longer than TOKEN_MAX: None, without a query)."""
    if not _bounded(token):
        return None
    row = (
        await WebSession.select(
            WebSession.id,
            WebSession.csrf,
            WebSession.expires_at,
            *_account_columns(WebSession.official),
        )
        .where(
            (WebSession.token_sha256 == _sha256(token))
            & WebSession.revoked_at.is_null()
            & (WebSession.expires_at > now())
            & (WebSession.official.active.eq(True))
        )
        .first()
    )
    if row is None:
        return None
    return Session(row["id"], _account(row, "official."), row["csrf"], row["expires_at"])


async def close(token: str, *, actor: str) -> bool:
    """Sign out: the session is revoked; False if it was not open. Audited."""
    if not _bounded(token):
        return False
    at = now()
    row = (
        await WebSession.select(WebSession.id, WebSession.official)
        .where(
            (WebSession.token_sha256 == _sha256(token))
            & WebSession.revoked_at.is_null()
            & (WebSession.expires_at > at)
        )
        .first()
    )
    if row is None:
        return False

    def steps() -> Steps[None]:
        """Revoke it, unless it was revoked meanwhile."""
        revoked = yield (
            WebSession.update({WebSession.revoked_at: at})
            .where((WebSession.id == row["id"]) & WebSession.revoked_at.is_null())
            .returning(WebSession.id)
        )
        if not revoked:
            raise _Changed

    try:
        await write(
            steps(),
            audit=[
                AuditRecord(
                    action="signin.logout",
                    subject=_subject(row["official"]),
                    actor=actor,
                    detail={"session": row["id"]},
                    at=at,
                )
            ],
        )
    except _Changed:
        return False
    return True


async def revoke_all(official_id: int, *, actor: str) -> int:
    """End every open session of an official; how many were open. Audited."""
    for _ in range(TRIES):
        at = now()
        rows = await WebSession.select(WebSession.id).where(
            (WebSession.official == official_id)
            & WebSession.revoked_at.is_null()
            & (WebSession.expires_at > at)
        )
        ids = sorted(r["id"] for r in rows)

        def steps(ids: list[int] = ids, at: datetime = at) -> Steps[None]:
            """Revoke exactly the sessions read as open, or decide again."""
            if not ids:
                return
            revoked = yield (
                WebSession.update({WebSession.revoked_at: at})
                .where(WebSession.id.is_in(ids) & WebSession.revoked_at.is_null())
                .returning(WebSession.id)
            )
            if len(revoked) != len(ids):
                raise _Changed

        try:
            await write(
                steps(),
                audit=[
                    AuditRecord(
                        action="signin.revoke",
                        subject=_subject(official_id),
                        actor=actor,
                        detail={"sessions": len(ids)},
                        at=at,
                    )
                ],
            )
        except _Changed:
            continue
        return len(ids)
    raise RuntimeError(f"the sessions of official {official_id} kept changing; try again")
