"""First-run set-up, safe to repeat: migrations, signing keys, the bucket, demo city and keys."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from piccolo.apps.migrations.commands.forwards import run_forwards

from domain.cities import spec_for
from domain.roles import Role
from geo.geojson import read_wards
from notices.keys import KeyStore
from records import vault
from records.apikeys import authenticate, create_key, key_info, revoke_key, split_key
from records.audit import AuditRecord, append
from records.db import prepare as prepare_database
from records.geography import ImportResult, ensure_ladder, import_city
from records.notices import publish_keys
from records.tables import City, Official
from settings import Settings
from storage import s3

DEMO_DATA = Path(__file__).resolve().parents[1] / "geo" / "data"
DEMO_WARDS = DEMO_DATA / "bengaluru_bbmp_198_wards_2012.geojson"
DEMO_LOOKUP = DEMO_DATA / "bengaluru_bbmp_198_ward_zone_lookup.csv"
DEMO_ATTRIBUTION = (
    "Ward boundaries: DataMeet India community, Municipal_Spatial_Data (CC BY-SA 2.5 IN); "
    "ward-to-zone lookup: OpenCity.in"
)


async def migrate(settings: Settings) -> None:
    """Apply every pending migration (after readying the database for two processes)."""
    vault.configure(settings)  # the step sealing cleartext personal data uses this keyring
    await prepare_database()
    result = await run_forwards(app_name="records", migration_id="all")
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}")


def demo_wards():  # type: ignore[no-untyped-def]
    """The demo city's wards as read from geo/data (also the analytics benchmark's)."""
    return read_wards(
        DEMO_WARDS,
        ward_field="WARD_NO",
        name_field="WARD_NAME",
        zone_lookup=DEMO_LOOKUP,
        lookup_ward_column="Ward No",
        lookup_zone_column="BBMP Zone Name",
    )


async def load_demo_city() -> ImportResult | None:
    """Import Bengaluru's 198 BBMP wards in 8 zones, with its roster, unless already there."""
    if await City.exists().where(City.slug == "bengaluru"):
        await ensure_ladder("bengaluru")  # imported before the ladder had L2 and L3
        return None
    return await import_city(spec_for("bengaluru"), demo_wards(), attribution=DEMO_ATTRIBUTION)


APP_SERVER_RATE = 60_000  # requests a minute for the demo citizen-app key
RENEW_HINT = "run `civicops demo-keys renew` to make a new set"


def demo_keys_path(settings: Settings) -> Path:
    """Where the demo keys are written: var/demo-keys.json."""
    return settings.var_dir / "demo-keys.json"


def read_demo_keys(path: Path) -> dict[str, str]:
    """The demo keys file as {role: token}; ValueError if it is not one."""
    try:
        keys = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} cannot be read ({exc})") from exc
    if (
        not isinstance(keys, dict)
        or not keys
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in keys.items())
    ):
        raise ValueError(f"{path} is not a demo keys file (a JSON object of role: key)")
    return keys


async def demo_key_problems(keys: dict[str, str]) -> list[str]:
    """Why each demo key no longer works (revoked, expired, unknown); empty when all do."""
    problems = []
    for role, token in keys.items():
        parts = split_key(token)
        info = await key_info(parts[0]) if parts else None
        if info is None:
            problems.append(f"demo key {role} is not in the database")
        elif info.revoked_at is not None:
            why = f" ({info.revoked_reason})" if info.revoked_reason else ""
            problems.append(f"demo key {role} was revoked on {_when(info.revoked_at)}{why}")
        elif info.state == "expired" and info.expires_at is not None:
            problems.append(f"demo key {role} expired on {_when(info.expires_at)}")
        elif await authenticate(token) is None:
            problems.append(f"demo key {role} does not match its stored secret")
    return problems


def _when(moment: datetime) -> str:
    """A timestamp as people read it in a terminal: 2026-12-02 09:15 UTC."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%d %H:%M} UTC"


async def demo_keys(settings: Settings) -> list[str]:
    """One demo key per role, written once to var/demo-keys.json (0600); reports, never replaces.

    A demo key that was revoked (by any admin) or has expired stays so: replacing the set
    silently would undo the revocation. The lines returned say which keys no longer work;
    `civicops demo-keys renew` (`renew_demo_keys`) makes a new set on purpose.
    """
    path = demo_keys_path(settings)
    if not path.exists():
        await _write_new_set(path, actor="bootstrap")
        return [f"demo API keys: {path}"]
    try:
        problems = await demo_key_problems(read_demo_keys(path))
    except ValueError as exc:
        problems = [str(exc)]
    return [f"{problem}: not replaced; {RENEW_HINT}" for problem in problems] + [
        f"demo API keys: {path}"
    ]


async def renew_demo_keys(settings: Settings, *, actor: str) -> tuple[Path, list[str]]:
    """Revoke the demo keys still active ("demo keys renewed"), write a new set; (file, ids)."""
    path = demo_keys_path(settings)
    try:
        old = read_demo_keys(path) if path.exists() else {}
    except ValueError:
        old = {}  # nothing in it can be revoked: it names no key
    revoked = []
    for token in old.values():
        parts = split_key(token)
        if parts and await revoke_key(parts[0], reason="demo keys renewed", actor=actor):
            revoked.append(parts[0])
    await _write_new_set(path, actor=actor)
    return path, revoked


async def _write_new_set(path: Path, *, actor: str) -> dict[str, str]:
    """Create one key per role (audited by create_key) and write them to `path`, mode 0600."""
    supervisor = await Official.objects().where(Official.level == 0).order_by(Official.id).first()
    keys: dict[str, str] = {}
    for role in Role:
        official = supervisor.id if role == Role.SUPERVISOR and supervisor else None
        if role == Role.SUPERVISOR and official is None:
            continue
        # The demo citizen app stands for a city's app server filing for many citizens (and
        # is what the benchmarks file with): its limit is a server's, not one person's.
        rate = APP_SERVER_RATE if role == Role.CITIZEN_APP else None
        token, _ = await create_key(
            f"demo-{role.value}", role, official, rate_per_minute=rate, actor=actor
        )
        keys[role.value] = token
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(keys, fh, indent=2)
    os.replace(tmp, path)
    return keys


async def bootstrap(settings: Settings, *, demo: bool = True) -> list[str]:
    """Everything a fresh installation needs; each step is idempotent. Returns what it did."""
    done: list[str] = []
    await migrate(settings)
    done.append("migrations applied")
    store = KeyStore.from_settings(settings)
    kid = store.ensure()
    await publish_keys(store)
    # On the audit chain once per key: the first bootstrap that publishes it.
    await append(
        AuditRecord(
            "signing_key.publish", kid, "bootstrap", dedupe_key=f"signing_key.publish:{kid}"
        )
    )
    done.append(f"notice signing key {kid} ({settings.keys_dir})")
    s3.ensure_bucket(s3.client(settings), settings.s3_bucket)
    done.append(f"bucket {settings.s3_bucket} ready")
    if demo:
        result = await load_demo_city()
        if result:
            done.append(
                f"demo city imported: {result.wards} wards, {result.zones} zones, "
                f"{result.officials_created} officials"
            )
        done.extend(await demo_keys(settings))
    return done
