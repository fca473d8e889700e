"""The active breach-risk model, kept loaded in each worker and swapped when a new one is
published, without a restart.

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
from pathlib import Path

from botocore.client import BaseClient

from records import riskmodels as registry
from risk import model as risk_model
from storage import models as artefacts

log = logging.getLogger(__name__)
REFRESH_S = 30.0  # how often a worker asks whether another model was published


class ModelHolder:
    """The model this worker uses now (None: the rules)."""

    def __init__(self, s3: BaseClient, bucket: str, cache: Path | None = None) -> None:
        self.s3, self.bucket = s3, bucket
        self.cache = cache or Path(tempfile.mkdtemp(prefix="civicops-models-"))
        self.model: risk_model.Model | None = None
        self.failed: str | None = None  # the active id whose artefact would not load

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

    async def watch(self, every: float = REFRESH_S) -> None:
        """Refresh forever (a worker runs this beside its Temporal worker)."""
        while True:
            await self.refresh()
            await asyncio.sleep(every)
