"""Model artefacts in S3: `models/<id>/model.json` and `models/<id>/artefact.json`."""

from __future__ import annotations

from pathlib import Path

from botocore.client import BaseClient

FILES = ("model.json", "artefact.json")


def prefix(model_id: str) -> str:
    """Where an artefact's files live in the bucket."""
    return f"models/{model_id}/"


def upload(s3: BaseClient, bucket: str, where: Path, model_id: str) -> str:
    """Put both files of the artefact at `where` (idempotent: same id, same bytes); its prefix."""
    for name in FILES:
        s3.put_object(Bucket=bucket, Key=prefix(model_id) + name, Body=(where / name).read_bytes())
    return prefix(model_id)


def download(s3: BaseClient, bucket: str, model_id: str, dest: Path) -> Path:
    """Fetch an artefact into `dest/<id>/`; that directory (its content is checked on load)."""
    where = dest / model_id
    where.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        body = s3.get_object(Bucket=bucket, Key=prefix(model_id) + name)["Body"].read()
        (where / name).write_bytes(body)
    return where
