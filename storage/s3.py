"""One boto3 client factory for every S3-compatible store CivicOps talks to."""

from __future__ import annotations

import boto3
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError

from settings import Settings


def client(settings: Settings, *, public: bool = False) -> BaseClient:
    """A boto3 S3 client for the configured endpoint (path-style, so rclone and MinIO work).

    `public=True` gives a client for presigning links at the address users reach.
    """
    endpoint = (
        settings.effective_s3_public_endpoint_url if public else settings.effective_s3_endpoint_url
    )
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=settings.s3_access_key_id,
        aws_secret_access_key=settings.s3_secret_access_key,
        region_name=settings.s3_region,
        config=Config(
            s3={"addressing_style": "path"},
            signature_version="s3v4",
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=5,
            read_timeout=30,
        ),
    )


def ensure_bucket(s3: BaseClient, bucket: str) -> None:
    """Create the bucket if it does not exist (idempotent)."""
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket", "NotFound"):
            raise
        s3.create_bucket(Bucket=bucket)


def delete_keys(s3: BaseClient, bucket: str, keys: list[str]) -> int:
    """Delete objects by key, a thousand a call (a key already gone is no error); how many
    were asked for."""
    for start in range(0, len(keys), 1000):
        chunk = [{"Key": k} for k in keys[start : start + 1000]]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": chunk, "Quiet": True})
    return len(keys)
