"""The breach-risk models: the registry of published ones (which is active), and what the
projection says of a new complaint's surroundings when it is filed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from domain.stats import today_ist
from records.audit import AuditRecord
from records.db import write
from records.tables import ComplaintRollup, RiskModel


async def publish(meta: dict[str, Any], s3_prefix: str, actor: str) -> None:
    """Register a model and make it the active one (publishing it again changes nothing but
    which is active); audited."""
    model_id = str(meta["id"])
    holdout = meta.get("holdout") or {}
    row = RiskModel(
        model_id=model_id,
        s3_prefix=s3_prefix,
        source=str(meta.get("source", "")),
        window_from=str(meta["window"]["from"]),
        window_until=str(meta["window"]["until"]),
        training_cases=int(meta.get("training_cases", 0)),
        holdout=holdout,
        xgboost=str(meta.get("xgboost", "")),
        published_at=datetime.now(UTC),
        published_by=actor,
        active=True,
    )
    await write(
        [
            RiskModel.update({RiskModel.active: False}).where(RiskModel.model_id != model_id),
            RiskModel.insert(row).on_conflict(
                target=RiskModel.model_id,
                action="DO UPDATE",
                values=[RiskModel.active, RiskModel.published_at, RiskModel.published_by],
            ),
        ],
        audit=[
            AuditRecord(
                action="model.published",
                subject=model_id,
                actor=actor,
                detail={
                    "window": meta["window"],
                    "roc_auc": (holdout.get("model") or {}).get("roc_auc"),
                    "baseline_roc_auc": (holdout.get("baseline") or {}).get("roc_auc"),
                },
            )
        ],
    )


async def active_id() -> str | None:
    """The id of the model the workers should use, or None (the rules apply)."""
    row = await RiskModel.select(RiskModel.model_id).where(RiskModel.active.eq(True)).first()
    return None if row is None else str(row["model_id"])


async def listing() -> list[dict[str, Any]]:
    """Every published model, newest first."""
    return (
        await RiskModel.select()
        .order_by(RiskModel.published_at, ascending=False)
        .output(load_json=True)
    )


async def filing_context(
    city: str | None, ward_id: str | None, category: str, at: datetime
) -> tuple[int, int]:
    """The ward's open cases now and the category's filings in the city in the 7 days before
    `at`, both read from the figures' rollups in one query (a handful of rows, however big
    the city)."""
    if not city:
        return 0, 0
    rows = await ComplaintRollup.raw(
        "SELECT (SELECT SUM(\"open\") FROM complaint_rollup WHERE city = {} AND category = '' "
        "AND span = 'month' AND ward_id = {}) AS backlog, "
        "(SELECT SUM(filed) FROM complaint_rollup WHERE city = {} AND category = {} "
        "AND span = 'day' AND ward_id = '' AND first_day >= {}) AS recent",
        city,
        ward_id or "-",  # no ward: no row has it
        city,
        category,
        today_ist(at - timedelta(days=7)),
    )
    row = rows[0] if rows else {}
    return int(row.get("backlog") or 0), int(row.get("recent") or 0)
