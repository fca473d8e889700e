"""Tables: geography and roster, the complaint projection and its log, keys, cases, scores."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    OnDelete,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table, create_table_class

from domain.rollup import COUNTS, HEAT, HOURS


class City(Table):
    """A municipal corporation CivicOps serves."""

    slug = Varchar(length=40, unique=True)
    code = Varchar(length=3, unique=True)
    name = Varchar(length=120)
    corporation = Varchar(length=200)
    language = Varchar(length=8)
    timezone = Varchar(length=40, default="Asia/Kolkata")
    wards_version = Integer(default=0)
    attribution = Text(default="")  # credit line of the ward boundaries, shown with the map


class Zone(Table):
    """An administrative zone: a group of wards under one zonal officer."""

    key = Varchar(length=200, unique=True)  # "<city>:<zone name>"
    city = ForeignKey(references=City, on_delete=OnDelete.restrict)
    name = Varchar(length=120)


class Ward(Table):
    """A ward polygon; the unit a supervisor owns."""

    key = Varchar(length=200, unique=True)  # "<city>:<ward id>"
    city = ForeignKey(references=City, on_delete=OnDelete.restrict)
    ward_id = Varchar(length=60, index=True)
    name = Varchar(length=200)
    zone = ForeignKey(references=Zone, null=True, on_delete=OnDelete.restrict)
    geometry = JSON()


class Official(Table):
    """A person on the roster: level 0 supervisor of a ward, level 1 zonal officer, and up."""

    key = Varchar(length=200, unique=True)  # stable roster key, e.g. "bengaluru:ward:12:L0"
    city = ForeignKey(references=City, on_delete=OnDelete.restrict)
    name = Varchar(length=120)
    designation = Varchar(length=120)
    level = Integer(default=0)
    ward = ForeignKey(references=Ward, null=True, on_delete=OnDelete.set_null)
    zone = ForeignKey(references=Zone, null=True, on_delete=OnDelete.set_null)
    email = Varchar(length=200, null=True, default=None)
    active = Boolean(default=True)


class CitizenKey(Table):
    """One citizen's data key, wrapped by a master key (records/vault.py). Destroying it
    (crypto-shredding) leaves every sealed copy of the citizen's data unreadable."""

    wrapped = Text(null=True, default=None)  # "<master id>.<…>"; None once shredded
    master_key_id = Varchar(length=32, null=True, default=None)
    phone_index = Varchar(length=32, null=True, default=None, index=True)  # blind index
    email_index = Varchar(length=32, null=True, default=None, index=True)  # blind index
    created_at = Timestamptz(default=TimestamptzNow())
    shredded_at = Timestamptz(null=True, default=None)
    shred_reason = Varchar(length=40, null=True, default=None)


class Reporter(Table):
    """One filing's contact details, sealed under the citizen's data key, kept out of workflow
    history, with the privacy notice shown and the legal basis (DPDP; docs/privacy.md)."""

    citizen_key = ForeignKey(references=CitizenKey, null=True, on_delete=OnDelete.set_null)
    name_sealed = Text(null=True, default=None)
    phone_sealed = Text(null=True, default=None)
    email_sealed = Text(null=True, default=None)
    description_sealed = Text(null=True, default=None)  # the original, when it held any
    address_sealed = Text(null=True, default=None)  # the original, when it held any
    legal_basis = Varchar(length=20, null=True, default=None)  # consent | state_function
    notice_version = Varchar(length=40, null=True, default=None)
    purposes = Varchar(length=200, null=True, default=None)  # comma-separated codes
    consent_withdrawn_at = Timestamptz(null=True, default=None)
    erase_due_at = Timestamptz(null=True, default=None)  # consent withdrawn: erase then
    erased_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class Complaint(Table):
    """The queryable projection of one complaint workflow (Temporal holds the truth)."""

    tracking_id = Varchar(length=20, unique=True)
    workflow_id = Varchar(length=40)
    city = Varchar(length=40, index=True)
    category = Varchar(length=40, index=True)
    description = Text()
    latitude = DoublePrecision()
    longitude = DoublePrecision()
    address = Varchar(length=300, null=True, default=None)
    language = Varchar(length=8)
    source = Varchar(length=120)
    status = Varchar(length=20, index=True)
    priority = Integer(null=True, default=None)
    ward_id = Varchar(length=60, null=True, default=None, index=True)
    ward_name = Varchar(length=200, null=True, default=None)
    zone = Varchar(length=120, null=True, default=None, index=True)
    assignee = ForeignKey(references=Official, null=True, on_delete=OnDelete.set_null)
    assignee_name = Varchar(length=120, null=True, default=None)
    escalation_level = Integer(default=0)
    location_match = Varchar(length=10, null=True, default=None)
    # Erasing a reporter (DPDP) must keep the complaint: the link is cleared, not cascaded.
    reporter = ForeignKey(references=Reporter, null=True, on_delete=OnDelete.set_null)
    filed_at = Timestamptz(index=True)  # searches sort and page by it
    sla_due_at = Timestamptz(null=True, default=None)
    updated_at = Timestamptz()
    closed_reason = Text(null=True, default=None)
    revision = Integer(default=0)
    # The lifecycle (issue 4).
    sla_breaches = Integer(default=0)
    recomplaints = Integer(default=0)
    linked_to = Varchar(length=20, null=True, default=None)
    resolved_at = Timestamptz(null=True, default=None)
    resolved_by = ForeignKey(references=Official, null=True, on_delete=OnDelete.set_null)
    confirm_due_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    # Issue 5: the API key that filed the case, so an app can list and follow what it filed.
    filed_by = Varchar(length=16, null=True, default=None, index=True)
    media_url = Varchar(length=2000, null=True, default=None)
    attributes = JSON(null=True, default=None)
    intake = JSON(null=True, default=None)  # issue 15: domain.case.intake_record
    # Issue 13, the public figures: whether a resolution met the SLA due when it was made
    # (None while unresolved), and the case's H3 cells (as integers) for the heatmap.
    # Indexes `complaint_stats` and `complaint_open_place` are raw SQL (records/migrations).
    resolved_on_time = Boolean(null=True, default=None)
    h3_r7 = BigInt(null=True, default=None)
    h3_r8 = BigInt(null=True, default=None)
    h3_r9 = BigInt(null=True, default=None)


# Issue 13: the rollups that keep the public figures ready (what each row counts: domain.rollup).
# Both are written by records.rollup in the same transaction as the projection row; their
# unique indexes (the upserts' conflict targets) are raw SQL in records/migrations.
ComplaintRollup = create_table_class(
    "ComplaintRollup",
    class_kwargs={"tablename": "complaint_rollup"},
    class_members={
        "__doc__": "Counts and hours to resolve per city, IST day or month, category, ward.",
        "city": Varchar(length=40),
        "span": Varchar(length=5),  # "day" or "month"
        "first_day": Date(),
        "category": Varchar(length=40),  # "" for all categories
        "ward_id": Varchar(length=60),  # "" for the whole city
        "zone": Varchar(length=120),  # the ward's zone ("" with the whole city)
        **{name: Integer(default=0) for name in COUNTS + HOURS},
    },
)
ComplaintHeat = create_table_class(
    "ComplaintHeat",
    class_kwargs={"tablename": "complaint_heat"},
    class_members={
        "__doc__": "Cases and open cases per city, month of filing, category and H3 cell.",
        "city": Varchar(length=40),
        "first_day": Date(),
        "category": Varchar(length=40),
        "resolution": SmallInt(),
        "cell": BigInt(),
        **{name: Integer(default=0) for name in HEAT},
    },
)


class RiskModel(Table):
    """A published breach-risk model (issue 14): its artefact in S3 and whether it is active."""

    model_id = Varchar(length=16, unique=True)  # the artefact's content hash
    s3_prefix = Varchar(length=100)
    source = Varchar(length=20)  # the data it was trained on: "boston" or "civicops"
    window_from = Varchar(length=32)
    window_until = Varchar(length=32)
    training_cases = Integer(default=0)
    holdout = JSON()  # its scores and the baseline's on the later window
    xgboost = Varchar(length=20)
    published_at = Timestamptz(null=True, default=None)
    published_by = Varchar(length=120)
    active = Boolean(default=False)  # one at a time; none: the rules


class ComplaintEvent(Table):
    """Append-only event log of a complaint, one row per workflow state revision."""

    event_key = Varchar(
        length=60, unique=True
    )  # "<tracking id>:<revision>" makes writes idempotent
    tracking_id = Varchar(length=20, index=True)
    revision = Integer()
    kind = Varchar(length=40)
    status = Varchar(length=20)
    at = Timestamptz()
    actor = Varchar(length=120)
    detail = JSON()


class ApiKey(Table):
    """An API key: only its SHA-256 is stored; the secret is shown once at creation."""

    key_id = Varchar(length=16, unique=True)
    name = Varchar(length=120)
    role = Varchar(length=20)
    secret_sha256 = Varchar(length=64)
    official = ForeignKey(references=Official, null=True, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)
    # Issue 5: keys expire, and each has its own rate limit (None: the server's default).
    expires_at = Timestamptz(null=True, default=None)
    rate_per_minute = Integer(null=True, default=None)
    revoked_reason = Text(null=True, default=None)


class IdempotencyRecord(Table):
    """Remembers an Idempotency-Key so a retried POST returns the complaint it first created."""

    key = Varchar(length=300, unique=True)  # "<api key id>:<Idempotency-Key>"
    request_sha256 = Varchar(length=64)
    tracking_id = Varchar(length=20)
    reporter = ForeignKey(references=Reporter, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())


class SigningKey(Table):
    """A notice-signing key's public half and status, published at /v1/keys.

    The private half never enters the database: it stays in the key folder (var/keys).
    """

    key_id = Varchar(length=40, unique=True)
    algorithm = Varchar(length=20, default="Ed25519")
    public_key = Varchar(length=64)  # raw 32 bytes, base64url
    created_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
    revoked_reason = Text(null=True, default=None)


class Notice(Table):
    """A signed notice: one per (complaint, kind, escalation level); the PDF lives in S3."""

    notice_id = Varchar(length=40, unique=True)  # "<tracking id>-<KIND><level>"
    tracking_id = Varchar(length=20, index=True)
    complaint = ForeignKey(references=Complaint, null=True, on_delete=OnDelete.set_null)
    kind = Varchar(length=20)
    level = Integer(default=0)
    assignee = ForeignKey(references=Official, null=True, on_delete=OnDelete.set_null)
    key_id = Varchar(length=40, index=True)
    payload = JSON()  # the canonical payload that was signed
    payload_sha256 = Varchar(length=64)  # hex
    content_sha256 = Varchar(length=64)  # hex: the rendered page before the signature
    pdf_sha256 = Varchar(length=64)  # hex: the file as stored and downloaded
    signature = Varchar(length=100)  # document signature, base64url
    qr_signature = Varchar(length=100)  # base64url
    qr_text = Text()
    s3_key = Varchar(length=200)
    size_bytes = Integer()
    issued_at = Timestamptz()
    created_at = Timestamptz(default=TimestamptzNow())


class CaseSite(Table):
    """Where an open case is, written at filing so re-complaints find it at once.

    The seed is the case's original complaint (no contact details): whoever attaches a
    re-complaint first can start the workflow from it, so attaching never races the start.
    Index `case_site_place` (city, category, latitude) serves the re-complaint check; Piccolo
    cannot declare it, so its migration is raw SQL.
    """

    tracking_id = Varchar(length=20, unique=True)
    city = Varchar(length=40)
    category = Varchar(length=40)
    latitude = DoublePrecision()
    longitude = DoublePrecision()
    seed = JSON()
    linked_to = Varchar(length=20, null=True, default=None)
    start_level = Integer(default=0)
    opened_at = Timestamptz()
    ended_at = Timestamptz(null=True, default=None, index=True)  # closed, withdrawn, ...
    end_status = Varchar(length=20, null=True, default=None)


class CaseReport(Table):
    """One citizen filing and the case it became or joined (a reporter linked to a case)."""

    filing_id = Varchar(length=40, unique=True)  # a retry of the same filing finds its case
    tracking_id = Varchar(length=20, index=True)
    kind = Varchar(length=12)  # "original", "recomplaint" or "linked"
    reporter = ForeignKey(references=Reporter, null=True, on_delete=OnDelete.set_null)
    filed_by = Varchar(length=16, null=True, default=None)  # API key id
    source = Varchar(length=120)
    description = Text()
    latitude = DoublePrecision()
    longitude = DoublePrecision()
    distance_m = DoublePrecision(default=0.0)
    filed_at = Timestamptz()


class ProofPhoto(Table):
    """A photo accepted as proof of completion; its hash may never prove another case."""

    sha256 = Varchar(length=64, unique=True)
    tracking_id = Varchar(length=20, index=True)
    s3_key = Varchar(length=300)
    role = Varchar(length=10)  # "after" or "before"
    content_type = Varchar(length=40)
    size_bytes = Integer()
    official = ForeignKey(references=Official, null=True, on_delete=OnDelete.set_null)
    taken_at = Timestamptz(null=True, default=None)
    gps_latitude = DoublePrecision(null=True, default=None)
    gps_longitude = DoublePrecision(null=True, default=None)
    distance_m = DoublePrecision(null=True, default=None)
    flags = JSON()
    created_at = Timestamptz(default=TimestamptzNow())


class ScoreEntry(Table):
    """The append-only reward ledger: one row per (case, event, level, occurrence)."""

    entry_key = Varchar(length=80, unique=True)
    official = ForeignKey(references=Official, null=True, on_delete=OnDelete.set_null)
    official_name = Varchar(length=120)
    city = Varchar(length=40, index=True)
    zone = Varchar(length=120, index=True)
    ward_id = Varchar(length=60)
    tracking_id = Varchar(length=20, index=True)
    event = Varchar(length=30)
    level = Integer()
    occurrence = Integer(default=0)
    priority = Integer()
    points = Integer()
    period = Varchar(length=7, index=True)  # "YYYY-MM" in IST
    at = Timestamptz()
    created_at = Timestamptz(default=TimestamptzNow())


class AuditEntry(Table):
    """One link of the tamper-evident audit log.

    `entry_hash` is SHA-256 over the previous entry's hash and this entry's canonical JSON, so
    editing, inserting or deleting any row breaks every link after it.
    """

    seq = Integer(unique=True)  # 1, 2, 3, ... with no gaps
    at = Timestamptz()
    actor = Varchar(length=200)  # "key:<id> <name>", "workflow", "cli:<user>", ...
    action = Varchar(length=60, index=True)  # "case.status", "notice.signed", "apikey.revoke", ...
    subject = Varchar(length=200, index=True)  # a tracking id, key id, notice id, ...
    detail = JSON()
    # A retried write (Temporal retries activities) appends nothing twice.
    dedupe_key = Varchar(length=200, unique=True, null=True, default=None)
    prev_hash = Varchar(length=64)
    entry_hash = Varchar(length=64, unique=True)


class AuditPending(Table):
    """An audit entry written with the change it describes, waiting to be chained.

    Writers never take the chain's lock: they insert here in their own transaction, and a
    sealer moves pending rows onto the chain in batches, in id order, moments later.
    """

    at = Timestamptz()
    actor = Varchar(length=200)
    action = Varchar(length=60)
    subject = Varchar(length=200)
    detail = JSON()
    dedupe_key = Varchar(length=200, unique=True, null=True, default=None)


class Webhook(Table):
    """A URL an API key registered: status changes of the cases it may read are posted there."""

    key_id = Varchar(length=16, index=True)  # the API key that owns it
    url = Varchar(length=2000)
    secret = Varchar(length=100)  # HMAC-SHA256 signing secret, shown once at registration
    description = Varchar(length=200, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    disabled_at = Timestamptz(null=True, default=None)


class WebhookDelivery(Table):
    """One status change posted (or being posted) to one webhook; failures stay visible."""

    delivery_id = Varchar(length=120, unique=True)  # "<webhook id>:<tracking id>:<revision>"
    webhook = ForeignKey(references=Webhook, on_delete=OnDelete.cascade)
    tracking_id = Varchar(length=20, index=True)
    revision = Integer()
    status = Varchar(length=20)  # the case status that was announced
    payload = JSON()
    state = Varchar(length=12, default="pending")  # pending, delivered, failed
    attempts = Integer(default=0)
    last_status_code = Integer(null=True, default=None)
    last_error = Text(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    last_attempt_at = Timestamptz(null=True, default=None)
    delivered_at = Timestamptz(null=True, default=None)
    given_up_at = Timestamptz(null=True, default=None)


# Issue 16: officials sign in to the web pages with passwords (records/signin.py).
class OfficialLogin(Table):
    """An official's password (an scrypt hash, never the password) and failed sign-ins."""

    official = ForeignKey(references=Official, unique=True, null=False, on_delete=OnDelete.cascade)
    password_hash = Varchar(length=200)  # "scrypt$<n>$<r>$<p>$<salt>$<hash>"
    failed_attempts = Integer(default=0)  # in a row; a success resets it
    locked_until = Timestamptz(null=True, default=None)
    changed_at = Timestamptz(default=TimestamptzNow())


class SignInLink(Table):
    """A single-use link that lets an official set a password: only its SHA-256 is stored."""

    token_sha256 = Varchar(length=64, unique=True)
    official = ForeignKey(references=Official, null=False, index=True, on_delete=OnDelete.cascade)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class WebSession(Table):
    """A signed-in browser: only its cookie's SHA-256 is stored, with its CSRF token."""

    token_sha256 = Varchar(length=64, unique=True)
    official = ForeignKey(references=Official, null=False, index=True, on_delete=OnDelete.cascade)
    csrf = Varchar(length=64)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
    client = Varchar(length=100, null=True, default=None)  # the client address at sign-in


# Issue 16: citizens file from the web app with no account. A device keeps a random secret;
# only its SHA-256 is stored. Each filing gives the device a token (records/citizens.py).
class CitizenToken(Table):
    """A filing's citizen token (only its SHA-256): its holder may confirm, reopen, withdraw."""

    token_sha256 = Varchar(length=64, unique=True)
    tracking_id = Varchar(length=20, index=True)  # the case the filing became or joined
    client_id = Varchar(length=64)  # the device's id of the filing
    device_sha256 = Varchar(length=64, index=True)
    filing = Varchar(length=12)  # "new", "recomplaint" or "linked"
    created_at = Timestamptz(default=TimestamptzNow())


class CitizenProfile(Table):
    """The pseudonym a device chose for the neighbourhood boards (never a name or number)."""

    device_sha256 = Varchar(length=64, unique=True)
    pseudonym = Varchar(length=40, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class CitizenPoints(Table):
    """The citizens' points ledger: append-only, one row per event (idempotent by its key)."""

    event_key = Varchar(length=120, unique=True)
    device_sha256 = Varchar(length=64, index=True)
    points = Integer(default=0)
    reason = Varchar(length=40)
    tracking_id = Varchar(length=20, index=True)
    city = Varchar(length=40)
    ward = Varchar(length=60, null=True, default=None)
    at = Timestamptz(default=TimestamptzNow())


class PrivacyGrievance(Table):
    """A citizen's grievance about the handling of their data, due within the published time."""

    reference = Varchar(length=24, unique=True)
    citizen_key = ForeignKey(references=CitizenKey, null=True, on_delete=OnDelete.set_null)
    tracking_id = Varchar(length=20, null=True, default=None, index=True)
    text_sealed = Text(null=True, default=None)  # under the citizen's data key
    lodged_via = Varchar(length=20)  # "citizen_token" or "in_person"
    lodged_at = Timestamptz(default=TimestamptzNow())
    due_at = Timestamptz(index=True)
    status = Varchar(length=12, default="open")  # open | answered
    answered_at = Timestamptz(null=True, default=None)
    answer = Text(null=True, default=None)


class BreachCase(Table):
    """A personal-data breach, run by its workflow (workflows/breach.py) until reported."""

    breach_id = Varchar(length=40, unique=True)
    summary = Text()
    discovered_at = Timestamptz()
    opened_by = Varchar(length=120)
    report_due_at = Timestamptz()
    report_filed_at = Timestamptz(null=True, default=None)
    report = Text(null=True, default=None)
    affected = Integer(default=0)
    status = Varchar(length=16, default="open")  # open | reported


class BreachNotice(Table):
    """The intimation a breach owes one affected citizen (the channels issue delivers it)."""

    event_key = Varchar(length=80, unique=True)  # "<breach id>:<citizen key id>"
    breach_id = Varchar(length=40, index=True)
    citizen_key = Integer()
    channel = Varchar(length=12)  # sms | email | none (no contact left)
    status = Varchar(length=12, default="owed")  # owed | sent
    created_at = Timestamptz(default=TimestamptzNow())
