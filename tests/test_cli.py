"""The `civicops` command: importing a city's wards, and `up` running the whole embedded stack."""

from __future__ import annotations

import asyncio
import json
import os
import stat

import boto3
import httpx
import pytest
from conftest import WARDS
from helpers import (
    Stack,
    auth,
    civicops,
    in_malleshwaram,
    pothole,
    run_civicops,
    up_env,
    wait_for_status,
)

from devstack.services import port_open
from records.tables import City, Official, Ward


async def test_importing_pune_wards_lets_pune_citizens_file_complaints(api, api_keys):
    pune = WARDS / "pune_pmc_58_electoral_wards_2022.geojson"
    args = ["zones", "import", str(pune), "--city", "pune", "--ward-field", "wardnum",
            "--name-field", "Name2"]  # fmt: skip
    first = await civicops(*args)
    assert first.returncode == 0, first.stderr
    # Pune's map has no zones: 58 ward supervisors and the city commissioner.
    assert "58 wards" in first.stdout and "59 officials" in first.stdout
    again = await civicops(*args)
    assert again.returncode == 0 and "0 officials added" in again.stdout

    city = await City.objects().get(City.slug == "pune")
    assert (city.code, city.language) == ("PUN", "mr")
    assert await Ward.count().where(Ward.city == city.id) == 58
    assert await Official.count().where(Official.city == city.id) == 59

    # Shaniwar Wada, in the old city.
    headers = auth(api_keys["citizen-app"])
    resp = await api.post(
        "/v1/complaints", json=pothole(18.5195, 73.8553, city="pune"), headers=headers
    )
    assert resp.status_code == 202, resp.text
    tracking_id = resp.json()["tracking_id"]
    assert tracking_id.startswith("PUN-")
    case = await wait_for_status(api, tracking_id, headers, "NOTICE_ISSUED")
    assert case["city"] == "pune" and case["ward"]["id"]


def test_importing_a_file_without_the_ward_field_names_the_field():
    pune = WARDS / "pune_pmc_58_electoral_wards_2022.geojson"
    result = run_civicops(
        "zones", "import", str(pune), "--city", "pune", "--ward-field", "WARD_NUM"
    )
    assert result.returncode == 2
    assert "WARD_NUM" in result.stderr


def test_importing_an_unknown_city_asks_for_its_details():
    pune = WARDS / "pune_pmc_58_electoral_wards_2022.geojson"
    result = run_civicops(
        "zones", "import", str(pune), "--city", "nagpur", "--ward-field", "wardnum"
    )
    assert result.returncode == 2
    assert "--code" in result.stderr


@pytest.mark.timeout(400)
async def test_make_up_runs_everything_and_keeps_data_across_restarts(tmp_path):
    var_dir = tmp_path / "var"
    env = up_env(var_dir)
    stack = Stack(env, tmp_path / "up.log")
    stack.start()
    try:
        output = (tmp_path / "up.log").read_text()
        assert "Temporal UI" in output and "/schema" in output and "demo-keys.json" in output
        keys_file = var_dir / "demo-keys.json"
        assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
        keys = json.loads(keys_file.read_text())
        assert set(keys) == {"citizen-app", "integrator", "supervisor", "auditor", "official",
                             "admin"}  # fmt: skip
        async with httpx.AsyncClient(base_url=stack.url, timeout=30) as client:
            resp = await client.post(
                "/v1/complaints",
                json=pothole(*in_malleshwaram()),
                headers=auth(keys["citizen-app"]),
            )
            assert resp.status_code == 202, resp.text
            tracking_id = resp.json()["tracking_id"]
            await wait_for_status(client, tracking_id, auth(keys["auditor"]), "NOTICE_ISSUED", 60)
            # The embedded SQLite database places a burst of one pothole as one case.
            spot = in_malleshwaram()
            burst = await asyncio.gather(
                *(
                    client.post(
                        "/v1/complaints", json=pothole(*spot), headers=auth(keys["citizen-app"])
                    )
                    for _ in range(8)
                )
            )
            assert [r.status_code for r in burst] == [202] * 8, [r.text for r in burst]
            assert len({r.json()["tracking_id"] for r in burst}) == 1
            assert sorted(r.json()["filing"] for r in burst) == ["new"] + ["recomplaint"] * 7
            signing_keys = (await client.get("/v1/keys")).json()["keys"]
            assert [k["status"] for k in signing_keys] == ["active"]
            assert stat.S_IMODE((var_dir / "keys").stat().st_mode) == 0o700
        s3 = boto3.client(
            "s3", endpoint_url=f"http://127.0.0.1:{env['S3_PORT']}",
            aws_access_key_id="civicops", aws_secret_access_key="civicops-dev-secret",
            region_name="us-east-1",
        )  # fmt: skip
        s3.put_object(Bucket="civicops", Key="probe/hello.txt", Body=b"namaskara")

        demo = await civicops("demo", "--complaints", "3", env=env)
        assert demo.returncode == 0, demo.stdout + demo.stderr
        assert "3 of 3 complaints accepted" in demo.stdout
    finally:
        stack.ctrl_c()
    assert stack.proc is not None and stack.proc.returncode == 0
    assert not any(port_open("127.0.0.1", p) for p in stack.ports()), "Ctrl-C left a server up"

    # Second `make up`: the same complaint, workflow and object are still there.
    stack.start()
    try:
        async with httpx.AsyncClient(base_url=stack.url, timeout=30) as client:
            case = await wait_for_status(
                client, tracking_id, auth(keys["auditor"]), "NOTICE_ISSUED", 60
            )
            assert case["source"] == "live" and case["ward"]["id"] == "65"
            # The signing key survives a restart, and so do the notices it signed.
            assert (await client.get("/v1/keys")).json()["keys"] == signing_keys
            pdf = await client.get(
                f"/v1/notices/{tracking_id}-ASG0.pdf", headers=auth(keys["auditor"])
            )
            verdict = await client.post(
                "/v1/notices/verify",
                content=pdf.content,
                headers={"Content-Type": "application/pdf"},
            )
            assert verdict.json()["valid"] is True, verdict.text
        assert (
            s3.get_object(Bucket="civicops", Key="probe/hello.txt")["Body"].read() == b"namaskara"
        )
        assert json.loads(keys_file.read_text()) == keys
    finally:
        stack.ctrl_c()


def test_make_up_refuses_clearly_when_a_port_is_taken(tmp_path):
    import socket

    env = up_env(tmp_path / "var")
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", int(env["API_PORT"])))
        holder.listen()
        result = run_civicops("up", env=env)
    assert result.returncode == 1
    assert "already in use" in result.stderr and env["API_PORT"] in result.stderr
    assert not any(port_open("127.0.0.1", int(env[k])) for k in ("TEMPORAL_PORT", "S3_PORT"))


@pytest.mark.timeout(300)
async def test_make_up_with_production_services_configured_starts_only_worker_and_api(
    tmp_path, settings, temporal_env
):
    import asyncpg
    from conftest import PG_ADMIN_DSN

    db_name = f"civicops_up_{os.getpid()}"
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    await admin.execute(f'CREATE DATABASE "{db_name}"')
    await admin.close()
    env = up_env(tmp_path / "var")
    env.update(
        DATABASE_URL=PG_ADMIN_DSN.rsplit("/", 1)[0] + f"/{db_name}",
        TEMPORAL_ADDRESS=settings.temporal_address,
        S3_ENDPOINT_URL=settings.s3_endpoint_url,
        TEMPORAL_TASK_QUEUE=f"up-{os.getpid()}",
    )
    stack = Stack(env, tmp_path / "up.log")
    try:
        stack.start()
        output = (tmp_path / "up.log").read_text()
        assert f"temporal   using {settings.temporal_address}" in output
        assert f"s3         using {settings.s3_endpoint_url}" in output
        assert "database   postgresql" in output
        assert not (tmp_path / "var" / "logs" / "temporal.log").exists()
        assert not (tmp_path / "var" / "logs" / "rclone.log").exists()
        assert not port_open("127.0.0.1", int(env["TEMPORAL_PORT"]))
        keys = json.loads((tmp_path / "var" / "demo-keys.json").read_text())
        async with httpx.AsyncClient(base_url=stack.url, timeout=30) as client:
            resp = await client.post(
                "/v1/complaints", json=pothole(*in_malleshwaram()), headers=auth(keys["integrator"])
            )
            assert resp.status_code == 202, resp.text
            case = await wait_for_status(
                client, resp.json()["tracking_id"], auth(keys["auditor"]), "NOTICE_ISSUED", 60
            )
        assert case["ward"]["id"] == "65"
    finally:
        if stack.proc is not None:
            stack.ctrl_c()
        admin = await asyncpg.connect(PG_ADMIN_DSN)
        await admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        await admin.close()


async def test_apikeys_create_prints_a_working_key_once_and_list_never_shows_it(api, database):
    created = await civicops("apikeys", "create", "--role", "integrator", "--name", "Namma App")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("cvk_")
    resp = await api.post("/v1/complaints", json=pothole(*in_malleshwaram()), headers=auth(token))
    assert resp.status_code == 202

    listed = await civicops("apikeys", "list")
    assert listed.returncode == 0 and "Namma App" in listed.stdout
    assert token.split("_", 2)[2] not in listed.stdout

    unbound = await civicops("apikeys", "create", "--role", "supervisor", "--name", "no official")
    assert unbound.returncode == 2 and "--official" in unbound.stderr


async def test_a_revoked_key_is_refused(api, database):
    created = await civicops("apikeys", "create", "--role", "integrator", "--name", "leaked key")
    token = created.stdout.strip().splitlines()[-1]
    key_id = token.split("_", 2)[1]
    revoked = await civicops("apikeys", "revoke", key_id)
    assert revoked.returncode == 0 and "revoked" in revoked.stdout
    assert "revoked" in (await civicops("apikeys", "list")).stdout
    resp = await api.post("/v1/complaints", json=pothole(*in_malleshwaram()), headers=auth(token))
    assert resp.status_code == 401
    assert (await civicops("apikeys", "revoke", key_id)).returncode == 2  # already revoked


def test_a_new_city_code_must_be_three_letters():
    pune = WARDS / "pune_pmc_58_electoral_wards_2022.geojson"
    result = run_civicops("zones", "import", str(pune), "--city", "pimpri", "--ward-field",
                      "wardnum", "--code", "PC1", "--name", "Pimpri", "--corporation", "PCMC",
                      "--language", "mr")  # fmt: skip
    assert result.returncode == 2 and "three capital letters" in result.stderr


async def test_a_revoked_demo_key_stays_revoked_until_the_demo_keys_are_renewed(
    tmp_path, api, settings
):
    from records.apikeys import key_info

    # `civicops bootstrap` for a var/ of its own, on this run's database, S3 and signing keys.
    env = {**os.environ, "CIVICOPS_VAR_DIR": str(tmp_path / "var"),
           "CIVICOPS_KEYS_DIR": str(settings.keys_dir),
           "S3_ENDPOINT_URL": settings.s3_endpoint_url}  # fmt: skip
    keys_file = tmp_path / "var" / "demo-keys.json"
    first = await civicops("bootstrap", env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    written = keys_file.read_text()
    keys = json.loads(written)
    ids = {role: token.split("_", 2)[1] for role, token in keys.items()}

    # Any admin may revoke a demo key, here the demo admin key itself revoking the citizen app's.
    resp = await api.post(
        f"/v1/apikeys/{ids['citizen-app']}/revoke",
        json={"reason": "leaked in a screenshot"},
        headers=auth(keys["admin"]),
    )
    assert resp.status_code == 200, resp.text

    again = await civicops("bootstrap", env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert keys_file.read_text() == written, "bootstrap replaced the demo keys"
    [line] = [line for line in again.stdout.splitlines() if "not replaced" in line]
    assert line.startswith("demo key citizen-app was revoked on ")
    assert line.endswith(
        " UTC (leaked in a screenshot): not replaced; "
        "run `civicops demo-keys renew` to make a new set"
    )
    filed = await api.post(
        "/v1/complaints", json=pothole(*in_malleshwaram()), headers=auth(keys["citizen-app"])
    )
    assert filed.status_code == 401

    renewed = await civicops("demo-keys", "renew", env=env)
    assert renewed.returncode == 0, renewed.stdout + renewed.stderr
    still_active = [i for role, i in ids.items() if role != "citizen-app"]
    assert f"revoked the old demo keys still active: {', '.join(still_active)}" in renewed.stdout
    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
    new = json.loads(keys_file.read_text())
    assert set(new) == set(keys) and not set(new.values()) & set(keys.values())
    for role, key_id in ids.items():
        info = await key_info(key_id)
        assert info is not None and info.state == "revoked", role
        expected = "leaked in a screenshot" if role == "citizen-app" else "demo keys renewed"
        assert info.revoked_reason == expected
    old_auditor = await api.get("/v1/apikeys/me", headers=auth(keys["auditor"]))
    assert old_auditor.status_code == 401
    filed = await api.post(
        "/v1/complaints", json=pothole(*in_malleshwaram()), headers=auth(new["citizen-app"])
    )
    assert filed.status_code == 202, filed.text

    quiet = await civicops("bootstrap", env=env)
    assert "not replaced" not in quiet.stdout and json.loads(keys_file.read_text()) == new
