"""The analytics benchmark's data: complaints at real ward points of Bengaluru, made with faker
under the real SLA policy, as rows of the complaint projection."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import json  # noqa: E402
import math  # noqa: E402
from collections.abc import Iterator, Sequence  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from typing import Any  # noqa: E402

CITY = "bengaluru"
CITY_CODE = "BLR"
TARGET_MS = {"pg": 300.0, "sqlite": 150.0}
ENGINE_NAMES = {"pg": "PostgreSQL", "sqlite": "SQLite"}
CHUNK = 50_000  # rows per COPY / per SQLite transaction
WARMUP = 2  # uncounted requests per case
SPAN_DAYS = 365  # complaints are filed over the 12 months up to now
# The indexes issue 13 adds (records/migrations/records_2026_12_02t09_01_…): the "without"
# side of the write comparison runs without them.
NEW_INDEXES = ("complaint_stats", "complaint_open_place")
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # the tracking-id alphabet (domain.ids)
ID_MASK = (1 << 50) - 1
ID_MULT = 0x9E3779B97F4A7C15 & ID_MASK | 1  # odd: i -> i * M mod 2^50 is a bijection
MONSOON = (6, 7, 8, 9)
WET = {"waterlogging": 3.0, "drain_overflow": 2.0, "mosquito_breeding": 2.5, "fallen_tree": 2.0}
CATEGORY_WEIGHT = {
    "pothole": 14,
    "garbage_not_collected": 18,
    "streetlight_out": 11,
    "drain_overflow": 8,
    "waterlogging": 5,
    "waste_not_segregated": 6,
    "stray_animals": 7,
    "fallen_tree": 3,
    "water_supply": 9,
    "illegal_dumping": 8,
    "public_toilet": 4,
    "mosquito_breeding": 7,
}
PHRASES = {
    "pothole": "Deep pothole on the road",
    "garbage_not_collected": "Garbage not collected for days",
    "streetlight_out": "Streetlight not working",
    "drain_overflow": "Drain overflowing onto the road",
    "waterlogging": "Road waterlogged after rain",
    "waste_not_segregated": "Mixed waste dumped without segregation",
    "stray_animals": "Stray dogs chasing two-wheelers",
    "fallen_tree": "Tree branch fallen across the footpath",
    "water_supply": "No water supply since morning",
    "illegal_dumping": "Construction debris dumped on the roadside",
    "public_toilet": "Public toilet locked and dirty",
    "mosquito_breeding": "Stagnant water breeding mosquitoes",
}
SOURCES = ("demo-citizen-app", "namma-bengaluru-app", "open311:bbmp-portal", "ivr:1533")
COLUMNS = (
    "tracking_id",
    "workflow_id",
    "city",
    "category",
    "description",
    "latitude",
    "longitude",
    "address",
    "language",
    "source",
    "status",
    "priority",
    "ward_id",
    "ward_name",
    "zone",
    "assignee",
    "assignee_name",
    "escalation_level",
    "location_match",
    "filed_at",
    "sla_due_at",
    "updated_at",
    "closed_reason",
    "revision",
    "closed_at",
    "confirm_due_at",
    "recomplaints",
    "resolved_at",
    "resolved_by",
    "sla_breaches",
    "resolved_on_time",
    "h3_r7",
    "h3_r8",
    "h3_r9",
)


# --- the loader -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """One ward to put complaints in: ids, names, how many people live there, its shape."""

    ward_id: str
    name: str
    zone: str
    population: float
    geometry: Any  # shapely geometry (lon/lat)


@dataclass(frozen=True)
class Roster:
    """Who holds a case at each level: a ward's supervisor, the zone's officers, the city's."""

    ward: dict[str, tuple[int, str]]  # ward id -> (official id, name), level 0
    zone: dict[tuple[str, int], tuple[int, str]]  # (zone, level 1 or 2) -> official
    city: tuple[int, str]  # level 3

    def holder(self, ward_id: str, zone: str, level: int) -> tuple[int, str]:
        """The official holding a case of `ward_id` at `level`."""
        if level == 0:
            return self.ward[ward_id]
        if level < 3:
            return self.zone[(zone, level)]
        return self.city


def city_places() -> list[Place]:
    """Bengaluru's 198 wards as the demo city imports them, with each ward's population."""
    from cli.bootstrap import DEMO_WARDS, demo_wards
    from geo.geojson import normalise_id
    from geo.repair import repair

    wards = demo_wards()
    population = {
        normalise_id(f["properties"].get("WARD_NO")): float(f["properties"].get("POP_TOTAL") or 0)
        for f in json.loads(DEMO_WARDS.read_text())["features"]
    }
    return [
        Place(
            w.ward_id,
            w.name,
            w.zone or "",
            max(population.get(w.ward_id, 0.0), 1e3),
            repair(w.geometry),
        )
        for w in wards
    ]


def ward_index(places: list[Place]) -> Any:
    """The API's own ward map (`geo.zones.ZoneIndex`) of the places."""
    import shapely

    from geo.geojson import WardShape
    from geo.zones import ZoneIndex

    return ZoneIndex(
        [WardShape(p.ward_id, p.name, p.zone, shapely.geometry.mapping(p.geometry)) for p in places]
    )


def sample_points(
    index: Any, places: list[Place], counts: Sequence[int], seed: int
) -> dict[str, list[tuple[float, float]]]:
    """`counts[i]` uniform random points (lat, lon, 6 decimals) inside ward i.

    Drawn in the ward's bounding box and kept when shapely puts them inside its polygon and the
    API's own ward map `index` places them INSIDE that ward.
    """
    import numpy as np
    import shapely

    from geo.zones import Match

    rng = np.random.default_rng(seed)
    out: dict[str, list[tuple[float, float]]] = {}
    for place, want in zip(places, counts, strict=True):
        got: list[tuple[float, float]] = []
        shapely.prepare(place.geometry)
        x0, y0, x1, y1 = place.geometry.bounds
        while len(got) < want:
            n = max(256, int((want - len(got)) * 2.5))
            xs = np.round(rng.uniform(x0, x1, n), 6)
            ys = np.round(rng.uniform(y0, y1, n), 6)
            inside = shapely.contains_xy(place.geometry, xs, ys)
            for lon, lat in zip(xs[inside].tolist(), ys[inside].tolist(), strict=True):
                loc = index.locate(lat, lon)
                if loc.match is Match.INSIDE and loc.ward_id == place.ward_id:
                    got.append((lat, lon))
                    if len(got) == want:
                        break
        out[place.ward_id] = got
    return out


def tracking_id(i: int, salt: int) -> str:
    """A distinct, valid tracking id for row i (a bijection of i onto 50 bits, in base 32)."""
    number = ((i + salt) * ID_MULT) & ID_MASK
    chars = []
    for _ in range(10):
        number, rem = divmod(number, 32)
        chars.append(CROCKFORD[rem])
    return f"{CITY_CODE}-{''.join(reversed(chars))}"


@dataclass
class Timeline:
    """Where a case's SLA clock stands at some moment: level, deadline, breaches, events."""

    level: int
    due: float  # epoch seconds
    breaches: int = 0
    held_breaches: int = 0  # deadlines passed at the top, where nobody is above (reminders)
    events: int = 0
    last: float = 0.0  # when its last escalation or reminder happened


def climb(t: Timeline, windows: Sequence[float], until: float) -> Timeline:
    """Advance the clock to `until`: each deadline passed moves the case one level up with the
    next, shorter window; at the top (level 3) the case stays and a reminder repeats."""
    while t.due < until and t.level < 3:
        t.breaches += 1
        t.level += 1
        t.last = t.due
        t.due += windows[t.level]
        t.events += 2  # escalated + its notice
    if t.level == 3 and t.due < until:
        k = int((until - t.due) // windows[3]) + 1
        t.breaches += k
        t.held_breaches += k
        t.last = t.due + (k - 1) * windows[3]
        t.due += k * windows[3]
        t.events += k
    return t


class Maker:
    """Makes complaint projection rows (tuples in COLUMNS order), the same for the same seed."""

    def __init__(
        self, seed: int, now: datetime, places: list[Place], roster: Roster, salt: int = 0
    ) -> None:
        import numpy as np
        from faker import Faker

        from domain.categories import CATEGORIES
        from domain.sla import PolicyBook

        self.np = np.random.default_rng(seed)
        self.now = now.timestamp()
        self.places = places
        self.index = ward_index(places)
        self.roster = roster
        self.salt = salt
        self.codes = [c.code for c in CATEGORIES]
        self.default_priority = {c.code: int(c.default_priority) for c in CATEGORIES}
        book = PolicyBook.load(None)
        policies = {code: book.sla(CITY, code) for code in self.codes}
        # windows[code][priority] -> [level 0..3 window in seconds]; confirm window in seconds
        self.windows = {
            code: {
                p: [pol.window(p, lvl).total_seconds() for lvl in range(4)] for p in (1, 2, 3, 4)
            }
            for code, pol in policies.items()
        }
        self.confirm_s = {code: pol.confirm_hours * 3600 for code, pol in policies.items()}
        base = np.array([CATEGORY_WEIGHT[c] for c in self.codes], dtype=float)
        wet = base * np.array([WET.get(c, 1.0) for c in self.codes])
        self.p_dry, self.p_wet = base / base.sum(), wet / wet.sum()
        pop = np.array([p.population for p in places])
        self.p_ward = pop / pop.sum()
        # Some wards and some categories are faster than others.
        self.ward_speed = np.exp(self.np.normal(0.0, 0.35, len(places)))
        self.cat_speed = {c: float(np.exp(self.np.normal(0.0, 0.2))) for c in self.codes}
        fake = Faker("en_IN")
        fake.seed_instance(seed)
        self.streets = [fake.street_name() for _ in range(4000)]
        self.sentences = [fake.sentence(nb_words=8) for _ in range(4000)]
        self.buildings = [fake.building_number() for _ in range(500)]
        # IST hours at which people file: few at night, most in the morning and evening.
        hours = np.array([1, 1, 1, 1, 1, 2, 4, 7, 9, 9, 8, 7, 6, 6, 6, 6, 7, 8, 9, 8, 6, 4, 3, 2.0])
        self.p_hour = hours / hours.sum()

    def rows(self, n: int) -> Iterator[list[tuple[Any, ...]]]:
        """N rows in chunks of CHUNK."""
        done = 0
        while done < n:
            size = min(CHUNK, n - done)
            yield self._chunk(done, size)
            done += size

    def _chunk(self, offset: int, n: int) -> list[tuple[Any, ...]]:
        """Rows offset .. offset + n."""
        import numpy as np

        from domain.lifecycle import resolved_on_time
        from domain.stats import cells

        rng = self.np
        ist = 5.5 * 3600
        now = self.now
        today_ist = (now + ist) // 86400 * 86400 - ist  # this IST day's midnight, as UTC epoch
        day = rng.integers(0, SPAN_DAYS, n)
        hour = rng.choice(24, n, p=self.p_hour)
        filed = today_ist - day * 86400.0 + hour * 3600.0 + rng.uniform(0, 3600, n)
        filed = np.where(filed > now, filed - 86400.0, filed)
        ist_days = ((filed + ist) // 86400).astype("int64").astype("datetime64[D]")
        month = ist_days.astype("datetime64[M]").astype("int64") % 12 + 1
        wet = np.isin(month, MONSOON)
        k = len(self.codes)
        cat_i = np.where(wet, rng.choice(k, n, p=self.p_wet), rng.choice(k, n, p=self.p_dry))
        ward_i = rng.choice(len(self.places), n, p=self.p_ward)
        counts = np.bincount(ward_i, minlength=len(self.places))
        points = sample_points(self.index, self.places, counts.tolist(), int(rng.integers(1 << 30)))
        cursor = dict.fromkeys(points, 0)
        bump = rng.choice([-1, 0, 0, 0, 0, 0, 0, 0, 1], n)
        speed = rng.lognormal(math.log(0.6), 0.9, n)
        fate = rng.random(n)  # < 0.015 withdrawn, < 0.045 never resolved
        later = rng.random((n, 4))
        recomplaints = rng.poisson(0.22, n)
        assign_delay = rng.uniform(5, 90, n)
        language = rng.choice(["kn", "en", "hi"], n, p=[0.6, 0.35, 0.05])
        source = rng.choice(len(SOURCES), n, p=[0.55, 0.25, 0.15, 0.05])
        text = rng.integers(0, 4000, (n, 3))
        out: list[tuple[Any, ...]] = []
        ts = datetime.fromtimestamp
        for j in range(n):
            place = self.places[ward_i[j]]
            lat, lon = points[place.ward_id][cursor[place.ward_id]]
            cursor[place.ward_id] += 1
            code = self.codes[cat_i[j]]
            priority = min(4, max(1, self.default_priority[code] + int(bump[j])))
            windows = self.windows[code][priority]
            f = float(filed[j])
            tid = tracking_id(offset + j, self.salt)
            u = later[j]
            street = self.streets[text[j, 0]]
            description = f"{PHRASES[code]} near {street}. {self.sentences[text[j, 1]]}"
            address = f"{self.buildings[text[j, 2] % 500]}, {street}, {place.name}"
            cells7, cells8, cells9 = cells(lat, lon)
            head = (
                tid,
                f"complaint-{tid}",
                CITY,
                code,
                description,
                lat,
                lon,
                address,
                str(language[j]),
                SOURCES[source[j]],
            )
            if now - f < 90:  # still in intake: no ward, no deadline yet
                status = "FILED" if now - f < 30 else "TRIAGED"
                rank = None if status == "FILED" else priority
                nothing = (None, None, None, None, None, 0, None)  # ward .. location_match
                at = ts(f, UTC)
                later_fields = (None, 1 if status == "FILED" else 2, None, None, 0, None, None, 0)
                out.append(
                    (
                        *head,
                        status,
                        rank,
                        *nothing,
                        at,
                        None,
                        at,
                        *later_fields,
                        None,
                        cells7,
                        cells8,
                        cells9,
                    )
                )
                continue
            assigned = f + float(assign_delay[j])
            t = Timeline(level=0, due=assigned + windows[0], events=4, last=assigned)
            hours = windows[0] * float(speed[j]) * self.ward_speed[ward_i[j]] * self.cat_speed[code]
            resolve = assigned + hours if fate[j] >= 0.045 else math.inf
            reopened = False
            closed_reason = None
            closed_at = confirm_due = resolved = on_time = None
            if fate[j] < 0.015:  # withdrawn by the citizen within three days
                end = min(f + 3600 + u[0] * 72 * 3600, now)
                climb(t, windows, end)
                status, updated, closed_reason = "WITHDRAWN", end, "withdrawn by the citizen"
            else:
                climb(t, windows, min(resolve, now))
                if resolve <= now and u[1] < 0.03:  # reopened by the citizen, one level up
                    reopen = resolve + u[2] * self.confirm_s[code]
                    if reopen <= now:
                        reopened = True
                        t.level = min(t.level + 1, 3)
                        t.held_breaches = 0
                        t.due = reopen + windows[t.level]
                        t.events += 4
                        t.last = reopen
                        resolve = reopen + windows[t.level] * float(speed[(j + 1) % n])
                        climb(t, windows, min(resolve, now))
                if resolve <= now:
                    resolved = resolve
                    on_time = resolved_on_time(t.held_breaches, ts(t.due, UTC), ts(resolve, UTC))
                    t.events += 2  # proof accepted + closure notice
                    confirm_due = resolve + self.confirm_s[code]
                    if confirm_due <= now:
                        confirmed = u[3] < 0.4
                        if confirmed:
                            closed_at = resolve + u[3] / 0.4 * self.confirm_s[code]
                            closed_reason = "confirmed by the citizen"
                        else:
                            closed_at, closed_reason = confirm_due, "no answer within 72 h"
                        status, updated = "CLOSED", closed_at
                        t.events += 1
                    else:
                        status, updated = "RESOLVED", resolve
                else:
                    if reopened:
                        status = "REOPENED"
                    elif t.level > 0:
                        status = "ESCALATED"
                    else:
                        status = "NOTICE_ISSUED" if u[3] > 0.03 else "ASSIGNED"
                    updated = max(t.last, assigned)
            holder_id, holder_name = self.roster.holder(place.ward_id, place.zone, t.level)
            rc = int(recomplaints[j])
            out.append(
                (
                    *head,
                    status,
                    priority,
                    place.ward_id,
                    place.name,
                    place.zone,
                    holder_id,
                    holder_name,
                    t.level,
                    "inside",
                    ts(f, UTC),
                    ts(t.due, UTC),
                    ts(updated, UTC),
                    closed_reason,
                    t.events + rc,
                    ts(closed_at, UTC) if closed_at is not None else None,
                    ts(confirm_due, UTC) if confirm_due is not None else None,
                    rc,
                    ts(resolved, UTC) if resolved is not None else None,
                    holder_id if resolved is not None else None,
                    t.breaches,
                    on_time,
                    cells7,
                    cells8,
                    cells9,
                )
            )
        return out
