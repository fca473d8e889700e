"""Issue 17 (DPDP), step 2 of 3: seal today's cleartext rows, losing nothing.

Each reporter's name, phone and email are sealed under a data key of its own (findable by
the blind indexes of its phone and email) and the cleartext cleared. A complaint's or filing's description or
address holding a phone number, an email or an Aadhaar-like number is masked; its original is
sealed in the reporter row of that filing (made, with a key of its own, if there was none).
The keyring is the configured one (records/vault.py). Tables are declared here as they stand
at this step, so later changes to records/tables.py do not change what this step does.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import ForeignKey, Integer, Text, Varchar
from piccolo.table import Table

ID = "2026-12-03T13:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "Issue 17: seal cleartext contact details and mask personal data in free text"
FIELDS = ("name", "phone", "email", "description", "address")


class Key(Table, tablename="citizen_key"):
    """citizen_key at this step."""

    wrapped = Text(null=True, default=None)
    master_key_id = Varchar(length=32, null=True, default=None)
    phone_index = Varchar(length=32, null=True, default=None)
    email_index = Varchar(length=32, null=True, default=None)


class Person(Table, tablename="reporter"):
    """reporter at this step: cleartext and sealed columns side by side."""

    name = Varchar(length=120, null=True, default=None)
    phone = Varchar(length=20, null=True, default=None)
    email = Varchar(length=254, null=True, default=None)
    citizen_key = ForeignKey(references=Key, null=True, default=None)
    name_sealed = Text(null=True, default=None)
    phone_sealed = Text(null=True, default=None)
    email_sealed = Text(null=True, default=None)
    description_sealed = Text(null=True, default=None)
    address_sealed = Text(null=True, default=None)
    legal_basis = Varchar(length=20, null=True, default=None)
    notice_version = Varchar(length=40, null=True, default=None)
    purposes = Varchar(length=200, null=True, default=None)


class Case(Table, tablename="complaint"):
    """complaint at this step: its free text and its filer."""

    description = Text()
    address = Varchar(length=300, null=True, default=None)
    reporter = Integer(null=True, default=None)


class Filing(Table, tablename="case_report"):
    """case_report at this step: a filing's free text and its filer."""

    description = Text()
    reporter = Integer(null=True, default=None)


class _Sealer:
    """Seals under citizens' data keys, opening the keyring only if a row needs it."""

    def __init__(self) -> None:
        self.keys = None
        self.data: dict[int, bytes] = {}

    def keyring(self):  # type: ignore[no-untyped-def]
        """The configured keyring, loaded on first need."""
        if self.keys is None:
            from records import vault
            from settings import Settings

            try:
                self.keys = vault.keyring()  # `civicops migrate` configured it
            except RuntimeError:
                self.keys = vault.load(Settings.from_env())
        return self.keys

    async def key_for(self, phone: str | None, email: str | None) -> tuple[int, bytes]:
        """A new data key for one row, findable by its blind indexes (records/vault.py)."""
        from domain.pii import normalise_email, normalise_phone
        from records import sealing

        keys = self.keyring()
        p = normalise_phone(phone) if phone else None
        e = normalise_email(email) if email else None
        phone_ix = sealing.blind_index(keys, "phone", p) if p else None
        email_ix = sealing.blind_index(keys, "email", e) if e else None
        made = await Key.insert(Key(phone_index=phone_ix, email_index=email_ix)).returning(Key.id)
        key_id, data_key = made[0]["id"], sealing.new_data_key()
        wrapped = sealing.wrap(keys, data_key, context=f"citizen-key:{key_id}")
        await Key.update({Key.wrapped: wrapped, Key.master_key_id: keys.current}).where(
            Key.id == key_id
        )
        self.data[key_id] = data_key
        return key_id, data_key

    async def key_of(self, key_id: int) -> bytes:
        """A known citizen key's data key."""
        from records import sealing

        if key_id not in self.data:
            row = await Key.select(Key.wrapped).where(Key.id == key_id).first()
            label = f"citizen-key:{key_id}"
            self.data[key_id] = sealing.unwrap(self.keyring(), row["wrapped"], context=label)
        return self.data[key_id]


async def _seal_people(sealer: _Sealer) -> None:
    """Seal every reporter row that still holds cleartext, and clear the cleartext."""
    from records import sealing

    rows = await Person.select(Person.id, Person.name, Person.phone, Person.email).where(
        Person.name.is_not_null() | Person.phone.is_not_null() | Person.email.is_not_null()
    )
    for row in rows:
        key_id, key = await sealer.key_for(row["phone"], row["email"])
        label = f"citizen-key:{key_id}"
        values = {
            f"{f}_sealed": sealing.seal_optional(key, row[f], field=f, row=label)
            for f in ("name", "phone", "email")
        }
        await Person.update(
            {
                Person.citizen_key: key_id,
                Person.name_sealed: values["name_sealed"],
                Person.phone_sealed: values["phone_sealed"],
                Person.email_sealed: values["email_sealed"],
                Person.legal_basis: "state_function",
                Person.notice_version: "unstated",
                Person.name: None,
                Person.phone: None,
                Person.email: None,
            }
        ).where(Person.id == row["id"])


async def _keep_original(sealer: _Sealer, reporter: int | None, field: str, text: str) -> int:
    """Seal an original text in the filing's reporter row (made if need be); its id."""
    from records import sealing

    if reporter is not None:
        row = await Person.select(Person.citizen_key).where(Person.id == reporter).first()
        key_id = row["citizen_key"] if row else None
        if key_id is None:
            key_id, key = await sealer.key_for(None, None)
            await Person.update({Person.citizen_key: key_id}).where(Person.id == reporter)
        else:
            key = await sealer.key_of(key_id)
    else:
        key_id, key = await sealer.key_for(None, None)
        made = await Person.insert(
            Person(citizen_key=key_id, legal_basis="state_function", notice_version="unstated")
        ).returning(Person.id)
        reporter = made[0]["id"]
    column = Person.description_sealed if field == "description" else Person.address_sealed
    sealed = sealing.seal(key, text, field=field, row=f"citizen-key:{key_id}")
    await Person.update({column: sealed}).where(Person.id == reporter)
    return reporter


async def _mask_texts(sealer: _Sealer, table: type[Table], fields: tuple[str, ...]) -> None:
    """Mask personal data in a table's free text, keeping each original sealed."""
    from domain import pii

    columns = [table.id, table.reporter, *(getattr(table, f) for f in fields)]
    for row in await table.select(*columns):
        changes: dict = {}
        reporter = row["reporter"]
        for field in fields:
            text = row[field]
            if not text:
                continue
            masked, kinds = pii.scan(text)
            if kinds:
                reporter = await _keep_original(sealer, reporter, field, text)
                changes[getattr(table, field)] = masked
        if changes:
            changes[table.reporter] = reporter
            await table.update(changes).where(table.id == row["id"])


async def forwards() -> MigrationManager:
    """Seal and mask (backwards: nothing; sealed data stays sealed)."""
    manager = MigrationManager(migration_id=ID, app_name="records", description=DESCRIPTION)

    async def seal_rows() -> None:
        """The cleartext rows, sealed."""
        sealer = _Sealer()
        await _seal_people(sealer)
        await _mask_texts(sealer, Case, ("description", "address"))
        await _mask_texts(sealer, Filing, ("description",))

    manager.add_raw(seal_rows)
    return manager
