"""The breach-risk model at work: the active one kept loaded in each worker (swapped when a new
one is published, without a restart) and the prioritize step that asks it.

`ModelHolder.refresh` asks the registry (records.models) which model is active; when that
changes it fetches the artefact from S3 and loads it, which checks the artefact's id against
its content. Whatever goes wrong (no model published, S3 or the database down, an altered
artefact) leaves `model` None, so the prioritize step uses the rules and a case never waits
on the model; a broken artefact is not fetched again until another one is published.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from botocore.client import BaseClient
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.running import resilient
from domain.access import Refusal
from domain.case import PrioritizeInput
from domain.categories import BY_CODE
from domain.priority import Reason, RiskDecision, decide, urgent_words
from records import riskmodels as registry
from records.geography import UnknownCity, ZoneDirectory
from records.riskmodels import filing_context
from risk import model as risk_model
from risk.features import Filing, civicops_filing
from risk.model import Model
from storage import models as artefacts

log = logging.getLogger(__name__)
REFRESH_S = 30.0  # how often a worker asks whether another model was published


class ModelHolder:
    """The model this worker uses now (None: the rules)."""

    def __init__(
        self, s3: BaseClient, bucket: str, cache: Path | None = None, every: float = REFRESH_S
    ) -> None:
        self.s3, self.bucket, self.every = s3, bucket, every
        self.cache = cache or Path(tempfile.mkdtemp(prefix="civicops-models-"))
        self.model: risk_model.Model | None = None
        self.failed: str | None = None  # the active id whose artefact would not load
        self._asked = -float("inf")  # when the registry was last asked (monotonic seconds)

    async def fresh(self) -> risk_model.Model | None:
        """The model to use now, asking the registry again once `every` seconds have passed
        (so a worker takes a newly published model within that time, without a restart)."""
        if time.monotonic() - self._asked >= self.every:
            self._asked = time.monotonic()
            await self.refresh()
        return self.model

    async def refresh(self) -> str | None:
        """Load the active model if it changed; the id in use afterwards (None: rules)."""
        try:
            wanted = await registry.active_id()
        except Exception as exc:
            log.warning("model registry unreadable, keeping %s: %s", self.current, exc)
            return self.current
        if wanted is None:
            self.model = None
        elif wanted != self.current and wanted != self.failed:
            try:
                where = await asyncio.to_thread(
                    artefacts.download, self.s3, self.bucket, wanted, self.cache
                )
                self.model = await asyncio.to_thread(risk_model.load, where)
                self.failed = None
                log.info("breach-risk model %s loaded", wanted)
            except Exception as exc:
                log.error("breach-risk model %s did not load, using the rules: %s", wanted, exc)
                self.model, self.failed = None, wanted
        return self.current

    @property
    def current(self) -> str | None:
        """The id of the model in use, or None."""
        return None if self.model is None else self.model.id


class RiskActivities:
    """The prioritize step with the model: features from the projection, a prediction with its
    reasons, and the rules whenever there is no model or it fails."""

    def __init__(self, holder: ModelHolder, zones: ZoneDirectory) -> None:
        self.holder = holder
        self.zones = zones

    @activity.defn(name="assess_priority")
    @resilient
    async def assess_priority(self, data: PrioritizeInput) -> RiskDecision:
        """Priority P1–P4 from the breach risk and the category (rules without a model)."""
        if data.category not in BY_CODE:
            raise ApplicationError(f"unknown category {data.category!r}", type=Refusal.BAD_INPUT)
        return await self.decision(data, await self.holder.fresh())

    async def decision(self, data: PrioritizeInput, model: Model | None) -> RiskDecision:
        """The step's work with a given model (None: the rules); bench/model.py times it."""
        urgent = urgent_words(data.description)
        if model is None:
            return RiskDecision(decide(data.category, urgent, None))
        try:
            filing = await self._filing(data)
            probability, reasons = await asyncio.to_thread(model.explain, filing)
        except Exception as exc:
            log.error("breach-risk model %s failed on %s: %s", model.id, data.tracking_id, exc)
            return RiskDecision(decide(data.category, urgent, None))
        return RiskDecision(
            decide(data.category, urgent, probability),
            model=model.id,
            probability=probability,
            reasons=[Reason(text, weight) for text, weight in reasons],
        )

    async def _filing(self, data: PrioritizeInput) -> Filing:
        """What was known when the complaint was filed, read from the projection."""
        filed_at = data.filed_at or datetime.now(UTC)
        ward = None
        if data.city and data.latitude is not None and data.longitude is not None:
            try:
                ward = (
                    (await self.zones.city(data.city)).locate(data.latitude, data.longitude).ward_id
                )
            except UnknownCity:
                ward = None
        backlog, recent = await filing_context(data.city, ward, data.category, filed_at)
        return civicops_filing(
            data.category,
            filed_at,
            ward or "",
            data.source or "",
            data.description,
            backlog,
            recent,
        )
