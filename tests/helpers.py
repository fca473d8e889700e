"""Small helpers the tests share: waiting for a case to reach a status, running `civicops up`."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from domain.case import CaseState, Complaint
from domain.ids import new_tracking_id

REPO = Path(__file__).resolve().parents[1]
CIVICOPS = [sys.executable, "-m", "cli.main"]  # the real `civicops` command


def run_civicops(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run the real `civicops` command (this run's database, unless `env` says otherwise)."""
    return subprocess.run(
        [*CIVICOPS, *args], cwd=REPO, env=env or os.environ.copy(),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


async def civicops(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`run_civicops` for async tests: the event loop keeps running while the command does.

    The in-process API, worker and audit sealer run on that loop; blocking it could leave
    the sealer holding the audit chain's lock, which the command then waits for.
    """
    return await asyncio.to_thread(run_civicops, *args, env=env)


def up_env(var_dir: Path) -> dict[str, str]:
    """The environment of a `civicops up` of its own: embedded services, free ports, `var_dir`."""
    from devstack.services import free_port

    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "TEMPORAL_ADDRESS", "S3_ENDPOINT_URL")}  # fmt: skip
    ports: set[int] = set()
    while len(ports) < 4:
        ports.add(free_port())
    api_port, temporal_port, ui_port, s3_port = ports
    env.update(
        CIVICOPS_VAR_DIR=str(var_dir),
        TEMPORAL_PORT=str(temporal_port),
        TEMPORAL_UI_PORT=str(ui_port),
        S3_PORT=str(s3_port),
        API_PORT=str(api_port),
        CIVICOPS_PUBLIC_URL=f"http://127.0.0.1:{api_port}",
    )
    return env


# What `up`'s children run (a binary, or a `civicops` subcommand) -> the service's name.
CHILD_NAMES = {"rclone": "rclone-s3", "temporal": "temporal", "worker": "worker", "server": "api"}


class Stack:
    """`civicops up` as a child process, as a newcomer runs it."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.url = env["CIVICOPS_PUBLIC_URL"]
        self.proc: subprocess.Popen | None = None

    def start(self, *args: str, timeout: float = 120) -> None:
        """Run `civicops up [args]` and wait until the banner is out and /health answers 200."""
        self.proc = subprocess.Popen(
            [*CIVICOPS, "up", *args], cwd=REPO, env=self.env, stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()
            if self.healthy() and "Press Ctrl-C" in self.log.read_text():
                return
            time.sleep(0.5)
        raise AssertionError(f"stack did not come up:\n{self.log.read_text()}")

    def healthy(self) -> bool:
        """True when the API's /health answers 200."""
        try:
            return httpx.get(f"{self.url}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def output(self) -> str:
        """Everything `up` and its children printed so far."""
        return self.log.read_text(errors="replace")

    def ports(self) -> list[int]:
        """The ports of the embedded Temporal server, S3 server and API."""
        return [int(self.env[k]) for k in ("TEMPORAL_PORT", "S3_PORT", "API_PORT")]

    def children(self) -> dict[str, int]:
        """The live children of `up`, by service name (rclone-s3, temporal, worker, api): pid."""
        assert self.proc is not None
        found = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                cmdline = (stat.parent / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue  # it ended while we looked
            if int(fields[1]) != self.proc.pid or fields[0] == "Z":
                continue
            argv = [part.decode(errors="replace") for part in cmdline if part]
            if not argv:
                continue
            what = argv[-1] if "cli.main" in argv else Path(argv[0]).name
            if name := CHILD_NAMES.get(what):
                found[name] = int(stat.parent.name)
        return found

    def ctrl_c(self) -> None:
        """Ctrl-C, pressed twice as impatient people do: the second must not cut clean-up."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGINT)
        time.sleep(0.3)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=60)


def process_gone(pid: int) -> bool:
    """True once `pid` has ended (a zombie nobody reaped counts as ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


# Points whose ward is known from the 198-ward BBMP map (checked against the polygons).
MALLESHWARAM = (13.0035, 77.5709)
_MALLESHWARAM_SPOTS: list[tuple[float, float]] = []


def pothole_case(
    *,
    filed_at: datetime | None = None,
    filed_by: str | None = None,
    source: str = "test",
    description: str = "Pothole near the temple",
    **overrides: Any,
) -> CaseState:
    """A pothole case in Malleshwaram (ward 65) as a workflow input, not yet started."""
    complaint = Complaint(
        tracking_id=new_tracking_id("BLR"),
        city="bengaluru",
        category="pothole",
        description=description,
        latitude=MALLESHWARAM[0],
        longitude=MALLESHWARAM[1],
        language="kn",
        filed_at=filed_at or datetime.now(UTC),
        source=source,
        filed_by=filed_by,
    )
    return CaseState(complaint=complaint, **overrides)


def in_malleshwaram() -> tuple[float, float]:
    """A point in ward 65 (Kadu Malleshwar, West zone) no earlier call of this run returned.

    Points lie 60 m apart, so a test's pothole is never taken for a re-complaint of another
    test's open case (the same category within 50 m attaches to it).
    """
    if not _MALLESHWARAM_SPOTS:
        from shapely.geometry import Point, shape

        from cli.bootstrap import DEMO_LOOKUP, DEMO_WARDS
        from geo.geojson import read_wards

        [ward] = [
            w
            for w in read_wards(
                DEMO_WARDS, ward_field="WARD_NO", name_field="WARD_NAME", zone_lookup=DEMO_LOOKUP
            )
            if w.ward_id == "65"
        ]
        inner = shape(ward.geometry).buffer(-0.0003)  # at least ~30 m inside the boundary
        west, south, east, north = inner.bounds
        step_lat, step_lon = 60 / 111_320, 60 / (111_320 * 0.974)
        lat = south
        while lat < north:
            lon = west
            while lon < east:
                far_from_fixed = (lat - MALLESHWARAM[0]) ** 2 + (lon - MALLESHWARAM[1]) ** 2 > (
                    100 / 111_320
                ) ** 2
                if far_from_fixed and inner.contains(Point(lon, lat)):
                    _MALLESHWARAM_SPOTS.append((round(lat, 6), round(lon, 6)))
                lon += step_lon
            lat += step_lat
        _MALLESHWARAM_SPOTS.reverse()
    return _MALLESHWARAM_SPOTS.pop()


async def wait_for_status(
    api: httpx.AsyncClient, tracking_id: str, headers: dict[str, str], status: str,
    timeout: float = 20.0,
) -> dict[str, Any]:  # fmt: skip
    """Poll GET /v1/complaints/{id} until the case reaches `status`."""
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        resp = await api.get(f"/v1/complaints/{tracking_id}", headers=headers)
        if resp.status_code == 200:
            body = resp.json()
            if body["status"] == status:
                return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"{tracking_id} did not reach {status}; last seen {body}")


async def wait_until(
    api: httpx.AsyncClient, tracking_id: str, key: str, check: Any, timeout: float = 30.0
) -> dict[str, Any]:
    """Poll GET /v1/complaints/{id} with an API key until check(case) holds."""
    deadline = time.monotonic() + timeout
    case: dict[str, Any] = {}
    while time.monotonic() < deadline:
        resp = await api.get(f"/v1/complaints/{tracking_id}", headers=auth(key))
        if resp.status_code == 200:
            case = resp.json()
            if check(case):
                return case
        await asyncio.sleep(0.1)
    raise AssertionError(f"{tracking_id} never satisfied the check; last seen {case}")


def pothole(lat: float, lon: float, **extra: Any) -> dict[str, Any]:
    """A complaint body for a pothole at a point."""
    return {
        "category": "pothole",
        "description": "Deep pothole near the bus stop, two-wheelers skid at night",
        "latitude": lat,
        "longitude": lon,
        "language": "kn",
        **extra,
    }


async def key_of(official_id: int) -> str:
    """A supervisor API key bound to one official."""
    from domain.roles import Role
    from records.apikeys import create_key

    token, _ = await create_key(f"test-official-{official_id}", Role.SUPERVISOR, official_id)
    return token


def auth(key: str) -> dict[str, str]:
    """Headers carrying an API key."""
    return {"Authorization": f"Bearer {key}"}


def notice_content(key_id: str, **overrides: Any) -> Any:
    """A notice for a pothole in Malleshwaram (ward 65, West zone); Assignment unless `kind`."""
    from datetime import UTC, datetime

    from notices.model import NoticeContent, NoticeKind, notice_id

    tracking_id = overrides.pop("tracking_id", "BLR-7K3M9QX2AB")
    kind = NoticeKind(overrides.pop("kind", NoticeKind.ASSIGNMENT))
    level = int(overrides.pop("level", 0))
    fields: dict[str, Any] = {
        "notice_id": notice_id(tracking_id, kind, level),
        "kind": kind,
        "level": level,
        "tracking_id": tracking_id,
        "city": "bengaluru",
        "city_name": "Bengaluru",
        "corporation": "Bruhat Bengaluru Mahanagara Palike",
        "language": "kn",
        "zone": "West",
        "ward_id": "65",
        "ward_name": "Kadu Malleshwar Ward",
        "category": "pothole",
        "category_name": "Pothole",
        "priority": "P3",
        "latitude": MALLESHWARAM[0],
        "longitude": MALLESHWARAM[1],
        "address": "15th Cross, Malleshwaram",
        "description": "Deep pothole near the bus stop; ಬಸ್ ನಿಲ್ದಾಣದ ಬಳಿ ಆಳವಾದ ಗುಂಡಿ",
        "assignee_id": 7,
        "assignee_name": "Lakshmi Narayana",
        "assignee_designation": "Ward Supervisor (Junior Engineer)",
        "sla_due_at": datetime(2026, 11, 27, 9, 0, tzinfo=UTC),
        "issued_at": datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
        "issuer": "West Zone Office, Bruhat Bengaluru Mahanagara Palike",
        "key_id": key_id,
    }
    fields.update(overrides)
    return NoticeContent(**fields)


def scan_qr(pdf: bytes, dpi: int = 150) -> list[str]:
    """What a phone's QR scanner reads: the first page rendered at dpi, decoded by zxing-cpp.

    Only QR symbols are looked for, and each distinct text is given once (zxing may report
    the same symbol twice when it finds it at two scales).
    """
    import pypdfium2 as pdfium
    import zxingcpp

    image = pdfium.PdfDocument(pdf)[0].render(scale=dpi / 72).to_pil()
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return list(dict.fromkeys(code.text for code in found))


def photo(
    fmt: str = "JPEG",
    *,
    gps: tuple[float, float] | None = None,
    taken: str | None = None,
    offset: str | None = None,
    size: int = 32,
) -> bytes:
    """A unique photo (random pixels) with optional EXIF GPS and DateTimeOriginal."""
    import io
    import os

    from PIL import Image

    image = Image.frombytes("RGB", (size, size), os.urandom(size * size * 3))
    out = io.BytesIO()
    if gps is None and taken is None:
        image.save(out, fmt)
        return out.getvalue()
    exif = Image.Exif()
    exif[0x0110] = "CivicOps test camera"
    if gps is not None:
        exif[0x8825] = {
            1: "N" if gps[0] >= 0 else "S",
            2: _dms(abs(gps[0])),
            3: "E" if gps[1] >= 0 else "W",
            4: _dms(abs(gps[1])),
        }
    if taken is not None:
        exif[0x8769] = {0x9003: taken} | ({0x9011: offset} if offset else {})
    image.save(out, fmt, exif=exif.tobytes())
    return out.getvalue()


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 4)


_SPOTS: list[tuple[float, float, str]] = []
_WARD_SHAPES: dict[str, Any] = {}  # fresh_spot's wards, by id


def fresh_spot() -> tuple[float, float, str]:
    """A point inside a Bengaluru ward no other test of this run has used: (lat, lon, ward).

    Each lifecycle test gets its own ward, so its supervisor's ledger holds only its entries.
    """
    import random

    from shapely.geometry import shape

    from cli.bootstrap import DEMO_LOOKUP, DEMO_WARDS
    from geo.geojson import read_wards

    if not _SPOTS:
        wards = read_wards(
            DEMO_WARDS,
            ward_field="WARD_NO",
            name_field="WARD_NAME",
            zone_lookup=DEMO_LOOKUP,
        )
        for w in wards:
            polygon = shape(w.geometry)
            _WARD_SHAPES[w.ward_id] = polygon
            point = polygon.representative_point()
            _SPOTS.append((round(point.y, 6), round(point.x, 6), w.ward_id))
        random.shuffle(_SPOTS)
        _SPOTS[:] = [s for s in _SPOTS if s[2] != "65"]  # Malleshwaram: the other tests' ward
    return _SPOTS.pop()


def spot_nearby(spot: tuple[float, float, str], metres: float = 100) -> tuple[float, float]:
    """A point about `metres` from a fresh_spot, inside the same ward (a different problem
    for the same supervisor): the first of eight directions that stays in the ward."""
    import math

    from shapely.geometry import Point

    lat, lon, ward = spot
    step = metres / 111_320
    for k in range(8):
        angle = k * math.pi / 4
        there = (
            lat + step * math.sin(angle),
            lon + step * math.cos(angle) / math.cos(math.radians(lat)),
        )
        if _WARD_SHAPES[ward].contains(Point(there[1], there[0])):
            return round(there[0], 6), round(there[1], 6)
    raise AssertionError(f"ward {ward} has no point {metres} m from its spot")
