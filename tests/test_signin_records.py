"""Officials sign in with passwords: invite links, lockouts and sessions, on the real database."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from domain.roles import Role
from records import audit, signin
from records.audit import entries, seal
from records.signin import (
    LOCK_AFTER,
    LOCK_FOR,
    Account,
    InvalidLink,
    UnknownOfficial,
    WeakPassword,
)
from records.tables import City, Official, OfficialLogin, SignInLink, WebSession

PASSWORD = "monsoon drains 2026"
OTHER = "potholes on 80 ft road"

MakeOfficial = Callable[..., Awaitable[int]]


@pytest.fixture
async def make_official(database) -> AsyncIterator[MakeOfficial]:  # type: ignore[no-untyped-def]
    """Put officials of one's own on the roster (removed afterwards, with their logins)."""
    city = await City.objects().first()
    made: list[int] = []

    async def make(level: int = 0, name: str = "Kavya Reddy") -> int:
        row = Official(
            key=f"test:signin:{uuid.uuid4().hex}",
            city=city.id,
            name=name,
            designation="Ward Supervisor (Junior Engineer)" if level == 0 else "Zonal Officer",
            level=level,
        )
        await Official.insert(row)
        made.append(row.id)
        return row.id

    yield make
    if made:
        await Official.delete().where(Official.id.is_in(made))
    # Sign-ins chain their audit entries in the background: let that finish within the test.
    sealer = audit._sealers.get(asyncio.get_running_loop())
    if sealer is not None:
        await sealer
    await seal()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[timedelta], None]:
    """Move records.signin's clock forward: clock(timedelta(minutes=16))."""
    offset = timedelta()

    def advance(by: timedelta) -> None:
        nonlocal offset
        offset += by

    monkeypatch.setattr(signin, "now", lambda: datetime.now(UTC) + offset)
    return advance


async def _trail(official_id: int) -> list[dict[str, Any]]:
    """The official's sign-in audit entries, oldest first, once on the chain."""
    await seal()
    return await entries(0, 10_000, f"official:{official_id}")


async def _actions(official_id: int) -> list[str]:
    return [e["action"] for e in await _trail(official_id)]


async def _with_password(official_id: int, password: str = PASSWORD) -> Account:
    """Invite the official and set their password through the link."""
    return await signin.set_password(await signin.invite(official_id), password)


async def _login(official_id: int) -> dict[str, Any]:
    return await OfficialLogin.select().where(OfficialLogin.official == official_id).first()


async def test_an_invite_link_sets_a_password_once_and_only_once(make_official):
    official_id = await make_official(name="Kavya Reddy")
    token = await signin.invite(official_id, actor="cli:admin")
    assert (await signin.invite_account(token)) == Account(
        official_id, "Kavya Reddy", "Ward Supervisor (Junior Engineer)", 0
    )
    account = await signin.set_password(token, PASSWORD, client="10.0.0.7")
    assert account.official_id == official_id and account.role == Role.SUPERVISOR
    assert await signin.invite_account(token) is None  # used: no longer shows whom it is for
    with pytest.raises(InvalidLink):
        await signin.set_password(token, OTHER)
    assert (await signin.sign_in(official_id, PASSWORD)).account == account
    assert (await signin.sign_in(official_id, OTHER)).account is None  # the second never took
    trail = await _trail(official_id)
    assert [e["action"] for e in trail][:2] == ["signin.invite", "signin.password_set"]
    assert trail[0]["actor"] == "cli:admin"
    assert trail[1]["actor"] == "web:10.0.0.7"


async def test_two_people_using_one_link_at_once_only_one_wins(make_official):
    official_id = await make_official()
    token = await signin.invite(official_id)
    outcomes = await asyncio.gather(
        signin.set_password(token, PASSWORD),
        signin.set_password(token, OTHER),
        return_exceptions=True,
    )
    won = [o for o in outcomes if isinstance(o, Account)]
    lost = [o for o in outcomes if isinstance(o, InvalidLink)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    winner = PASSWORD if outcomes[0] is won[0] else OTHER
    loser = OTHER if winner == PASSWORD else PASSWORD
    assert (await signin.sign_in(official_id, winner)).account is not None
    assert (await signin.sign_in(official_id, loser)).account is None
    assert (await _actions(official_id)).count("signin.password_set") == 1


async def test_an_expired_invite_link_is_refused(make_official, clock):
    official_id = await make_official()
    token = await signin.invite(official_id, hours=1)
    clock(timedelta(minutes=59))
    assert await signin.invite_account(token) is not None
    clock(timedelta(minutes=2))
    assert await signin.invite_account(token) is None
    with pytest.raises(InvalidLink):
        await signin.set_password(token, PASSWORD)
    assert await _login(official_id) is None
    assert "signin.password_set" not in await _actions(official_id)


async def test_an_unknown_or_overlong_link_is_refused_without_a_trace(make_official):
    for token in ("", "not-a-link", "x" * 5000):
        assert await signin.invite_account(token) is None
        with pytest.raises(InvalidLink):
            await signin.set_password(token, PASSWORD)


async def test_unknown_official_cannot_be_invited(make_official):
    with pytest.raises(UnknownOfficial):
        await signin.invite(2_000_000_000)
    retired = await make_official()
    await Official.update({Official.active: False}).where(Official.id == retired)
    with pytest.raises(UnknownOfficial):
        await signin.invite(retired)
    assert not await SignInLink.exists().where(SignInLink.official == retired)


async def test_a_short_or_blank_password_is_refused_saying_why(make_official):
    official_id = await make_official()
    token = await signin.invite(official_id)
    for password, why in (
        ("", "too short"),
        ("short", "too short"),
        ("nine char", "too short"),
        ("   ", "only spaces"),
        (" " * 20, "only spaces"),
        ("x" * 201, "too long"),
    ):
        with pytest.raises(WeakPassword) as refused:
            await signin.set_password(token, password)
        assert refused.value.message.startswith(why), (password, refused.value.message)
    # Refusing a weak password does not use up the link; ten characters are enough.
    assert await signin.invite_account(token) is not None
    await signin.set_password(token, "ten chars!")
    assert (await signin.sign_in(official_id, "ten chars!")).account is not None


async def test_passwords_are_stored_as_scrypt_hashes_never_in_clear(make_official):
    official_id = await make_official()
    token = await signin.invite(official_id)
    await signin.set_password(token, PASSWORD)
    login = await _login(official_id)
    stored = login["password_hash"]
    scheme, n, r, p, salt, digest = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert len(base64.b64decode(salt)) == 16 and len(base64.b64decode(digest)) == 32
    assert PASSWORD not in stored and signin.password_matches(stored, PASSWORD)
    assert not signin.password_matches(stored, OTHER)
    assert signin.hash_password(PASSWORD) != stored  # a fresh salt each time
    # The link and session tokens are stored as SHA-256 only.
    link = await SignInLink.select().where(SignInLink.official == official_id).first()
    assert link["token_sha256"] == hashlib.sha256(token.encode()).hexdigest()
    cookie, session = await signin.open_session(await _with_password(official_id))
    row = await WebSession.select().where(WebSession.id == session.session_id).first()
    assert row["token_sha256"] == hashlib.sha256(cookie.encode()).hexdigest()
    assert cookie not in json.dumps(row, default=str)
    # Nothing in the audit trail gives a password or a token away.
    trail = json.dumps(await _trail(official_id), default=str)
    assert PASSWORD not in trail and token not in trail and cookie not in trail


def test_a_malformed_stored_hash_matches_nothing():
    good = signin.hash_password(PASSWORD)
    for stored in (
        "",
        "plain text",
        good.replace("scrypt", "bcrypt"),
        good.replace("$16384$", "$16383$"),  # not a power of two
        good.replace("$16384$", f"${2**30}$"),  # would take gigabytes
        good.replace("$8$", "$0$"),
        good[:-8] + "!!!!!!!!",  # not base64
        good + "$extra",
    ):
        assert not signin.password_matches(stored, PASSWORD), stored
    assert signin.password_matches(good, PASSWORD)


async def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes_and_are_audited(
    make_official, clock
):
    official_id = await make_official()
    await _with_password(official_id)
    for attempt in range(1, LOCK_AFTER):
        refused = await signin.sign_in(official_id, f"guess {attempt}", client="198.51.100.9")
        assert refused.account is None and refused.locked_until is None
    before = signin.now()
    locked = await signin.sign_in(official_id, "guess 5", client="198.51.100.9")
    assert locked.account is None and locked.locked_until is not None
    assert before + LOCK_FOR <= locked.locked_until <= signin.now() + LOCK_FOR
    assert LOCK_FOR == timedelta(minutes=15)
    login = await _login(official_id)
    assert login["failed_attempts"] == LOCK_AFTER
    trail = [e for e in await _trail(official_id) if e["action"].startswith("signin.")]
    failed = [e for e in trail if e["action"] == "signin.failed"]
    assert [e["detail"]["attempts"] for e in failed] == [1, 2, 3, 4, 5]
    assert all(e["actor"] == "web:198.51.100.9" for e in failed)
    [lockout] = [e for e in trail if e["action"] == "signin.lockout"]
    assert lockout["detail"]["attempts"] == LOCK_AFTER
    assert "guess" not in json.dumps(trail, default=str)  # no password in any detail
    # Fifteen minutes on, the right password works again and the count starts afresh.
    clock(timedelta(minutes=14))
    assert (await signin.sign_in(official_id, PASSWORD)).account is None
    clock(timedelta(minutes=2))
    assert (await signin.sign_in(official_id, PASSWORD)).account is not None
    login = await _login(official_id)
    assert login["failed_attempts"] == 0 and login["locked_until"] is None


async def test_a_locked_account_refuses_even_the_right_password(make_official, clock):
    official_id = await make_official()
    await _with_password(official_id)
    for attempt in range(LOCK_AFTER):
        await signin.sign_in(official_id, f"guess {attempt}")
    refused = await signin.sign_in(official_id, PASSWORD)
    assert refused.account is None and refused.locked_until is not None
    assert (await _actions(official_id))[-1] == "signin.locked"
    # The refusal did not check the password, so it counted no further failure.
    assert (await _login(official_id))["failed_attempts"] == LOCK_AFTER
    # After the lock, one more wrong password starts a new count rather than locking again.
    clock(timedelta(minutes=16))
    again = await signin.sign_in(official_id, "guess again")
    assert again.account is None and again.locked_until is None
    assert (await _login(official_id))["failed_attempts"] == 1


async def test_a_burst_of_parallel_guesses_gets_only_five_tries(make_official):
    official_id = await make_official()
    await _with_password(official_id)
    outcomes = await asyncio.gather(
        *(signin.sign_in(official_id, f"parallel guess {i}") for i in range(12))
    )
    assert all(o.account is None for o in outcomes)
    actions = await _actions(official_id)
    assert actions.count("signin.failed") == LOCK_AFTER
    assert actions.count("signin.lockout") == 1
    assert actions.count("signin.locked") == 12 - LOCK_AFTER
    assert (await signin.sign_in(official_id, PASSWORD)).account is None


async def test_the_right_password_resets_the_count_of_failures(make_official):
    official_id = await make_official()
    await _with_password(official_id)
    for attempt in range(LOCK_AFTER - 1):
        await signin.sign_in(official_id, f"guess {attempt}")
    assert (await signin.sign_in(official_id, PASSWORD)).account is not None
    assert (await _login(official_id))["failed_attempts"] == 0
    for attempt in range(LOCK_AFTER - 1):
        await signin.sign_in(official_id, f"guess {attempt}")
    assert (await signin.sign_in(official_id, PASSWORD)).account is not None  # not locked
    assert (await _actions(official_id)).count("signin.ok") == 2


async def test_no_password_yet_or_no_such_official_is_refused_like_a_wrong_password(
    make_official,
):
    official_id = await make_official()
    assert await signin.sign_in(official_id, PASSWORD) == signin.SignIn(None, None)
    assert await signin.sign_in(2_000_000_001, PASSWORD) == signin.SignIn(None, None)
    [entry] = await _trail(official_id)
    assert entry["action"] == "signin.failed" and PASSWORD not in json.dumps(entry, default=str)


async def test_a_signed_in_session_knows_who_it_is(make_official):
    supervisor = await make_official(level=0)
    zonal = await make_official(level=1, name="Arjun Menon")
    for official_id, role in ((supervisor, Role.SUPERVISOR), (zonal, Role.OFFICIAL)):
        account = await _with_password(official_id)
        signed = await signin.sign_in(official_id, PASSWORD, client="203.0.113.5")
        assert signed.account == account and account.role == role
        cookie, session = await signin.open_session(account, client="203.0.113.5")
        assert len(cookie) >= 40 and len(session.csrf) >= 40 and cookie != session.csrf
        found = await signin.current(cookie)
        assert found == session and found.account.official_id == official_id
        assert (
            timedelta(hours=11, minutes=59)
            < session.expires_at - signin.now()
            <= (timedelta(hours=signin.SESSION_HOURS))
        )
        row = await WebSession.select().where(WebSession.id == session.session_id).first()
        assert row["client"] == "203.0.113.5"
    assert await signin.current("") is None
    assert await signin.current("y" * 101) is None
    assert await signin.current(cookie + "x") is None


async def test_a_signed_out_or_expired_session_is_no_longer_valid(make_official, clock):
    official_id = await make_official()
    account = await _with_password(official_id)
    out, _ = await signin.open_session(account)
    assert await signin.close(out, actor=f"official:{official_id}")
    assert await signin.current(out) is None
    assert not await signin.close(out, actor=f"official:{official_id}")  # once only
    short, _ = await signin.open_session(account, hours=1)
    still, _ = await signin.open_session(account)
    clock(timedelta(minutes=61))
    assert await signin.current(short) is None
    assert await signin.current(still) is not None
    clock(timedelta(hours=11))
    assert await signin.current(still) is None
    assert (await _actions(official_id)).count("signin.logout") == 1


async def test_setting_a_new_password_ends_every_open_session(make_official):
    official_id = await make_official()
    account = await _with_password(official_id)
    cookies = [(await signin.open_session(account))[0] for _ in range(3)]
    assert all([await signin.current(c) for c in cookies])
    await signin.set_password(await signin.invite(official_id), OTHER)
    assert [await signin.current(c) for c in cookies] == [None, None, None]
    assert (await signin.sign_in(official_id, PASSWORD)).account is None
    assert (await signin.sign_in(official_id, OTHER)).account == account


async def test_a_new_password_unlocks_a_locked_account(make_official):
    official_id = await make_official()
    await _with_password(official_id)
    for attempt in range(LOCK_AFTER):
        await signin.sign_in(official_id, f"guess {attempt}")
    await signin.set_password(await signin.invite(official_id), OTHER)
    assert (await signin.sign_in(official_id, OTHER)).account is not None


async def test_revoking_every_session_of_an_official_is_audited(make_official):
    official_id = await make_official()
    other_id = await make_official(name="Arjun Menon")
    account = await _with_password(official_id)
    other = await _with_password(other_id)
    cookies = [(await signin.open_session(account))[0] for _ in range(2)]
    kept, _ = await signin.open_session(other)
    assert await signin.revoke_all(official_id, actor="cli:admin") == 2
    assert [await signin.current(c) for c in cookies] == [None, None]
    assert await signin.current(kept) is not None  # someone else's session stays
    assert await signin.revoke_all(official_id, actor="cli:admin") == 0
    revokes = [e for e in await _trail(official_id) if e["action"] == "signin.revoke"]
    assert [(e["actor"], e["detail"]["sessions"]) for e in revokes] == [
        ("cli:admin", 2),
        ("cli:admin", 0),
    ]


async def test_a_deactivated_official_is_signed_out_and_cannot_sign_in(make_official):
    official_id = await make_official()
    account = await _with_password(official_id)
    cookie, _ = await signin.open_session(account)
    token = await signin.invite(official_id)
    await Official.update({Official.active: False}).where(Official.id == official_id)
    assert await signin.current(cookie) is None
    assert (await signin.sign_in(official_id, PASSWORD)).account is None
    assert await signin.invite_account(token) is None
    with pytest.raises(InvalidLink):
        await signin.set_password(token, OTHER)


_ON_SQLITE = """
import asyncio, json
from datetime import UTC, datetime, timedelta
from pathlib import Path

async def main():
    from piccolo.apps.migrations.commands.forwards import run_forwards
    from records import audit, signin
    from records.db import prepare
    from records.tables import City, Official

    await prepare()
    assert (await run_forwards(app_name="records", migration_id="all")).success
    city = City(slug="testpur", code="TST", name="Testpur", corporation="T", language="en")
    await City.insert(city)
    official = Official(key="testpur:ward:1:L0", city=city.id, name="Asha", designation="JE")
    await Official.insert(official)
    oid, out, offset = official.id, {}, [timedelta()]
    signin.now = lambda: datetime.now(UTC) + offset[0]
    token = await signin.invite(oid)
    won = await asyncio.gather(signin.set_password(token, "first password"),
                               signin.set_password(token, "other password"),
                               return_exceptions=True)
    out["won"] = sorted(type(w).__name__ for w in won)
    right = "first password" if type(won[0]).__name__ == "Account" else "other password"
    out["ok"] = (await signin.sign_in(oid, right)).account is not None
    out["wrong"] = [(await signin.sign_in(oid, f"guess {i}")).locked_until is not None
                    for i in range(5)]
    out["locked"] = (await signin.sign_in(oid, right)).account is None
    offset[0] += timedelta(minutes=16)
    account = (await signin.sign_in(oid, right)).account
    out["after_lock"] = account is not None
    cookie, session = await signin.open_session(account, hours=1)
    out["current"] = (await signin.current(cookie)) == session
    offset[0] += timedelta(minutes=59)
    out["before_expiry"] = (await signin.current(cookie)) is not None
    offset[0] += timedelta(minutes=2)
    out["after_expiry"] = (await signin.current(cookie)) is None
    second, _ = await signin.open_session(account)
    out["closed"] = await signin.close(second, actor="me")
    out["revoked"] = await signin.revoke_all(oid, actor="cli")
    expired = await signin.invite(oid, hours=1)
    offset[0] += timedelta(hours=2)
    out["expired_link"] = (await signin.invite_account(expired)) is None
    await audit.seal()
    out["verified"] = (await audit.verify()).ok
    out["actions"] = [e["action"] for e in await audit.entries(0, 1000, f"official:{oid}")]
    print(json.dumps(out))

asyncio.run(main())
"""


@pytest.mark.timeout(180)
async def test_signing_in_works_the_same_on_sqlite(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["CIVICOPS_VAR_DIR"] = str(tmp_path / "var")
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", _ON_SQLITE],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=170,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["won"] == ["Account", "InvalidLink"]
    assert out["ok"] and out["locked"] and out["after_lock"]
    assert out["wrong"] == [False, False, False, False, True]
    assert out["current"] and out["before_expiry"] and out["after_expiry"]
    assert out["closed"] and out["revoked"] == 0 and out["expired_link"]
    assert out["verified"]
    assert out["actions"].count("signin.failed") == 5
    assert {"signin.lockout", "signin.locked", "signin.logout", "signin.revoke"} <= set(
        out["actions"]
    )
