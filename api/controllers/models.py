"""The breach-risk models: which exist, how well each did on a later window, which is active."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller, get

from api.auth import PUBLIC
from api.openapi import answers
from records.riskmodels import listing


class ModelView(msgspec.Struct):
    """A published model: its window, its scores beside the baseline's, and whether it is active."""

    model_id: str
    active: bool
    source: str
    trained_from: str
    trained_until: str
    training_cases: int
    holdout: dict[str, Any]  # the model's and the type baseline's scores on the later window
    xgboost: str
    published_at: datetime | None


class ModelList(msgspec.Struct):
    """Every published model, newest first, and the one that sets priorities now."""

    active: str | None  # None: the rules set every priority
    models: list[ModelView]


class ModelController(Controller):
    """Public: anyone may see which model sets priorities and how well it was shown to work."""

    path = "/v1/models"
    tags = ["public"]

    @get("/", operation_id="listModels", opt=PUBLIC, responses=answers(429), summary="Risk models")
    async def list_models(self) -> ModelList:
        """The breach-risk models and which one is active (none: the rules)."""
        rows = await listing()
        views = [
            ModelView(
                model_id=r["model_id"],
                active=bool(r["active"]),
                source=r["source"],
                trained_from=r["window_from"],
                trained_until=r["window_until"],
                training_cases=r["training_cases"],
                holdout=r["holdout"] or {},
                xgboost=r["xgboost"],
                published_at=r["published_at"],
            )
            for r in rows
        ]
        return ModelList(next((v.model_id for v in views if v.active), None), views)
