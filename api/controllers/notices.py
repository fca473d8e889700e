"""Signed notices: list a case's notices, fetch one or its PDF, verify, publish the keys.

Verification is public and takes a 10 MB body, so it is built not to be a lever: the PDF is
parsed in linear time (notices/pdfseal.py), every CPU-heavy step (parsing, both hashes of
the body, the signatures) runs in a worker thread, and at most `VERIFY_SLOTS` uploads are
read and checked at once. The rest wait up to `VERIFY_WAIT` seconds, then get a 503 with
Retry-After before their body is read, so a flood of large uploads cannot exhaust memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import msgspec
from botocore.exceptions import BotoCoreError, ClientError
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import PathParameter, QueryParameter
from litestar.response import Template
from litestar.status_codes import (
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_503_SERVICE_UNAVAILABLE,
)

from api.auth import PUBLIC, current_principal
from api.controllers.complaints import READERS, TrackingId, check_tracking_id
from api.errors import FieldError
from api.openapi import VerifyOperation, answers
from api.pages.verify import verdict_page, wants_html
from api.schemas import NoticeRefView, NoticeView, VerdictView
from api.scope import require_assigned
from api.views import notice_pdf_url
from domain.roles import Role
from notices import pdfseal
from notices.keys import PublicKeyInfo
from notices.model import format_ist
from notices.verify import (
    Keyring,
    Reason,
    Verdict,
    invalidate,
    match_qr,
    verify_pdf,
    verify_qr,
)
from records import notices as notice_records
from records import projection
from records.notices import KeyringCache

log = logging.getLogger("civicops.api")

MAX_PDF_BYTES = 10 * 1024 * 1024
MAX_JSON_BYTES = 16 * 1024  # a JSON body carries only a QR string (at most 2,048 characters)
VERIFY_SLOTS = 3  # uploads read and verified at once: about 3 × 3 copies of 10 MB at most
VERIFY_WAIT = 2.0  # seconds an upload may wait for a slot before it is refused with 503
DOWNLOAD_TTL = timedelta(minutes=15)
# A repeat of a kind at one level (an L3 reminder, a re-issue) has a sequence suffix: -SLA3-1.
NOTICE_ID_RE = re.compile(
    r"^[A-Z]{3}-[0-9A-HJKMNP-TV-Z]{10,11}-(ASG|ESC|SLA|CLS)[0-9]{1,2}(-[1-9][0-9]{0,3})?$"
)
PDF_TYPES = ("application/pdf", "application/octet-stream")

NoticeRef = Annotated[
    str,
    PathParameter(
        description="Notice number, e.g. BLR-7K3M9QX2AB-ASG0 or BLR-7K3M9QX2AB-SLA3-1; "
        "add .pdf for the PDF itself",
        max_length=44,
    ),
]


def _check_notice_id(value: str) -> str:
    notice = value.strip().upper()
    if not NOTICE_ID_RE.match(notice):
        raise FieldError("notice_id", "not a notice number (expected like BLR-7K3M9QX2AB-ASG0)")
    return notice


def _links(request: Request, notice_id: str) -> tuple[str, str]:
    public_url = request.app.state.settings.public_url
    return f"{public_url}/v1/notices/{notice_id}", notice_pdf_url(public_url, notice_id)


class NoticeController(Controller):
    """Where supervisors fetch their notices and auditors check them."""

    path = "/v1"
    tags = ["notices"]

    @get(
        "/complaints/{tracking_id:str}/notices",
        operation_id="listComplaintNotices",
        opt=READERS,
        summary="A complaint's signed notices",
    )
    async def for_complaint(self, request: Request, tracking_id: TrackingId) -> list[NoticeRefView]:
        """The notices issued for one complaint, oldest first."""
        tracking_id = check_tracking_id(tracking_id)
        principal = current_principal(request)
        rows = await notice_records.for_complaint(tracking_id)
        if principal.role == Role.SUPERVISOR or not rows:
            case = await projection.load(tracking_id)
            if case is None and not rows:
                raise NotFoundException(f"no complaint {tracking_id}")
            require_assigned(principal, case["assignee"] if case else None)
        views = []
        for row in rows:
            url, pdf_url = _links(request, row["notice_id"])
            views.append(
                NoticeRefView(
                    row["notice_id"],
                    row["kind"],
                    row["level"],
                    row["key_id"],
                    row["issued_at"],
                    row["pdf_sha256"],
                    url,
                    pdf_url,
                )
            )
        return views

    @get(
        "/notices/{ref:str}",
        operation_id="getNotice",
        opt=READERS,
        summary="A notice's record and download link, or with .pdf the PDF itself",
    )
    async def get_notice(self, request: Request, ref: NoticeRef) -> Response[Any]:
        """Metadata and a presigned download URL; `<notice id>.pdf` streams the signed PDF."""
        want_pdf = ref.lower().endswith(".pdf")
        notice = _check_notice_id(ref[:-4] if want_pdf else ref)
        row = await notice_records.get(notice)
        if row is None:
            raise NotFoundException(f"no notice {notice}")
        principal = current_principal(request)
        if principal.role == Role.SUPERVISOR and row["assignee"] != principal.official_id:
            # A supervisor reads the notices addressed to them, and those of their cases.
            case = await projection.load(row["tracking_id"])
            require_assigned(principal, case["assignee"] if case else None)
        if want_pdf:
            return await self._pdf(request, row)
        _, pdf_url = _links(request, notice)
        expires = datetime.now(UTC) + DOWNLOAD_TTL
        settings = request.app.state.settings
        download = request.app.state.s3_public.generate_presigned_url(
            "get_object",
            Params={"Bucket": settings.s3_bucket, "Key": row["s3_key"]},
            ExpiresIn=int(DOWNLOAD_TTL.total_seconds()),
        )
        view = NoticeView(
            notice_id=row["notice_id"],
            tracking_id=row["tracking_id"],
            kind=row["kind"],
            level=row["level"],
            key_id=row["key_id"],
            assignee_id=row["assignee"],
            issued_at=row["issued_at"],
            payload_sha256=row["payload_sha256"],
            content_sha256=row["content_sha256"],
            pdf_sha256=row["pdf_sha256"],
            signature=row["signature"],
            qr_text=row["qr_text"],
            s3_key=row["s3_key"],
            size_bytes=row["size_bytes"],
            pdf_url=pdf_url,
            download_url=download,
            download_expires_at=expires,
            payload=row["payload"],
        )
        return Response(
            msgspec.to_builtins(view), headers={"Link": f'<{pdf_url}>; rel="alternate"'}
        )

    async def _pdf(self, request: Request, row: dict[str, Any]) -> Response[bytes]:
        settings = request.app.state.settings
        try:
            obj = await asyncio.to_thread(
                request.app.state.s3.get_object, Bucket=settings.s3_bucket, Key=row["s3_key"]
            )
            data = await asyncio.to_thread(obj["Body"].read)
        except (ClientError, BotoCoreError) as exc:
            log.warning("notice %s unavailable from storage: %s", row["notice_id"], exc)
            raise HTTPException(
                status_code=503,
                detail="the notice PDF is briefly unavailable; retry shortly",
                headers={"Retry-After": "5"},
            ) from exc
        if hashlib.sha256(data).hexdigest() != row["pdf_sha256"]:
            log.error("stored PDF of %s does not match its record", row["notice_id"])
            raise HTTPException(
                status_code=503, detail="the stored PDF does not match its record; reported"
            )
        return Response(
            data,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'inline; filename="{row["notice_id"]}.pdf"',
                "ETag": f'"{row["pdf_sha256"]}"',
                "Cache-Control": "private, max-age=300",
            },
        )

    @post(
        "/notices/verify",
        operation_id="verifyNotice",
        opt=PUBLIC,
        status_code=200,
        request_max_body_size=MAX_PDF_BYTES + 64 * 1024,
        operation_class=VerifyOperation,
        responses=answers(400, 413, 415, 422),
        summary="Verify a notice from its PDF or QR string",
    )
    async def verify(self, request: Request) -> VerdictView:
        """Upload the PDF (multipart `file` or application/pdf body) and/or a QR string.

        docs/notice-format.md describes what is checked, for verifiers written elsewhere.
        """
        _refuse_declared_oversize(request)
        async with _verify_slot(request):
            pdf, qr = await _read_verify_request(request)
            return await _verify_online(request, pdf, qr)

    @get(
        "/notices/verify",
        operation_id="verifyNoticeQr",
        opt=PUBLIC,
        summary="Verify a scanned QR code (where the QR's URL leads)",
    )
    async def verify_link(
        self,
        request: Request,
        qr: Annotated[str, QueryParameter(description="the QR string", max_length=2048)],
    ) -> VerdictView:  # or, for a browser, the page (a Response, which Litestar sends as is)
        """The page a phone opens after scanning a notice's QR code: HTML for a browser (by
        its Accept header), the same verdict as JSON for any other client."""
        if not wants_html(request):
            return await _verify_online(request, None, qr)
        return await qr_verdict_page(request, qr)  # type: ignore[return-value]

    @get("/keys", operation_id="publicKeys", opt=PUBLIC, summary="Notice-signing public keys")
    async def keys(self, request: Request) -> Response[dict[str, Any]]:
        """Every signing key ever used, as a JWKS; each key says active, retired or revoked."""
        _, keys = await _keyring(request)
        active = next((k.key_id for k in keys if k.revoked_at is None), None)
        return Response(
            {"keys": [k.jwk(current=k.key_id == active) for k in keys]},
            headers={"Cache-Control": "public, max-age=60"},
        )


async def qr_verdict_page(request: Request, qr: str) -> Template:
    """The verdict on a scanned QR string as a page; for a QR string that is not one of ours,
    the page says why (the verdict page here, and the /verify page, api/pages/audit.py)."""
    try:
        verdict = await _verify_online(request, None, qr)
    except FieldError as exc:
        return await verdict_page(request, None, exc.message, exc.status_code)
    return await verdict_page(request, verdict)


async def _keyring(request: Request) -> tuple[Keyring, list[PublicKeyInfo]]:
    cache: KeyringCache = request.app.state.keyring
    return await cache.get()


def _refuse_declared_oversize(request: Request) -> None:
    """413 at once when the Content-Length announces more than the limit."""
    length = request.headers.get("content-length", "")
    if 0 < len(length) <= 20 and length.isdigit() and int(length) > MAX_PDF_BYTES + 64 * 1024:
        raise FieldError(
            "file", "larger than the 10 MB limit", status_code=HTTP_413_REQUEST_ENTITY_TOO_LARGE
        )


def _verify_slots(request: Request) -> asyncio.Semaphore:
    """This app's verification slots, made on first use."""
    state = request.app.state
    slots = getattr(state, "notice_verify_slots", None)
    if slots is None:
        slots = asyncio.Semaphore(VERIFY_SLOTS)
        state.notice_verify_slots = slots
    return slots


@contextlib.asynccontextmanager
async def _verify_slot(request: Request) -> AsyncIterator[None]:
    """Hold one of the verification slots; 503 with Retry-After if none frees up in time."""
    slots = _verify_slots(request)
    try:
        await asyncio.wait_for(slots.acquire(), VERIFY_WAIT)
    except TimeoutError:
        log.warning("notice verification busy: refused an upload after %.0f s", VERIFY_WAIT)
        raise HTTPException(
            status_code=HTTP_503_SERVICE_UNAVAILABLE,
            detail="too many notices are being verified at once; retry shortly",
            headers={"Retry-After": "2"},
        ) from None
    try:
        yield
    finally:
        slots.release()


async def _read_verify_request(request: Request) -> tuple[bytes | None, str | None]:
    """The PDF bytes and/or QR string from a multipart, PDF or JSON body."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    pdf: bytes | None = None
    qr: str | None = None
    if content_type == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if isinstance(upload, UploadFile):
            pdf = await upload.read()
        elif upload is not None:
            raise FieldError("file", "must be an uploaded file")
        value = form.get("qr")
        if isinstance(value, UploadFile):
            raise FieldError("qr", "must be text, not a file")
        qr = value
    elif content_type in PDF_TYPES:
        pdf = await request.body()
    elif content_type == "application/json":
        raw = await request.body()
        if len(raw) > MAX_JSON_BYTES:
            raise FieldError(
                "body",
                f"larger than {MAX_JSON_BYTES // 1024} KB; it carries only the qr string",
                status_code=HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        try:
            body = msgspec.json.decode(raw)
        except (msgspec.DecodeError, RecursionError):  # msgspec: RecursionError when deep
            raise FieldError("body", "is not valid JSON") from None
        if not isinstance(body, dict) or not isinstance(body.get("qr"), str):
            raise FieldError("qr", "is required and must be a string")
        if set(body) - {"qr"}:
            raise FieldError(sorted(set(body) - {"qr"})[0], "unknown field")
        qr = body["qr"]
    else:
        raise FieldError(
            "Content-Type",
            "must be multipart/form-data (file, qr), application/pdf or application/json (qr)",
            status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        )
    if pdf is not None and len(pdf) > MAX_PDF_BYTES:
        raise FieldError(
            "file", "larger than the 10 MB limit", status_code=HTTP_413_REQUEST_ENTITY_TOO_LARGE
        )
    if pdf is not None and not pdf:
        raise FieldError("file", "is empty")
    if pdf is None and not qr:
        raise FieldError("file", "give a PDF (file) or a QR string (qr)")
    return pdf, qr


async def _verify_online(request: Request, pdf: bytes | None, qr: str | None) -> VerdictView:
    """Offline checks with the published keys, then against the notice's record."""
    keyring, _ = await _keyring(request)
    pdf_verdict = qr_verdict = None
    pdf_sha256: str | None = None
    if pdf is not None:
        try:
            pdf_verdict, pdf_sha256 = await asyncio.to_thread(_verify_pdf_offline, pdf, keyring)
        except pdfseal.NotAPdf as exc:
            raise FieldError("file", str(exc)) from None
        except pdfseal.Unsigned as exc:
            raise FieldError("file", str(exc), status_code=HTTP_422_UNPROCESSABLE_ENTITY) from None
    if qr is not None:
        try:
            qr_verdict = verify_qr(qr, keyring)
        except ValueError as exc:
            raise FieldError("qr", str(exc)) from None
    verdict = match_qr(pdf_verdict, qr_verdict)
    if verdict.valid:
        verdict = await _against_record(verdict, pdf_sha256)
    source = "+".join(s for s, v in (("pdf", pdf_verdict), ("qr", qr_verdict)) if v)
    data = verdict.as_dict()
    return VerdictView(**data, source=source)


def _verify_pdf_offline(pdf: bytes, keyring: Keyring) -> tuple[Verdict, str | None]:
    """`verify_pdf`, and for a valid notice the whole file's SHA-256 (run in a thread)."""
    verdict = verify_pdf(pdf, keyring)
    return verdict, hashlib.sha256(pdf).hexdigest() if verdict.valid else None


async def _against_record(verdict: Verdict, pdf_sha256: str | None) -> Verdict:
    """A signature can be genuine for a notice CivicOps never recorded, or recorded otherwise."""
    assert verdict.notice_id is not None
    row = await notice_records.get(verdict.notice_id)
    if row is None:
        return invalidate(
            verdict, Reason.NOTICE_NOT_FOUND, f"CivicOps has no record of {verdict.notice_id}"
        )
    if row["payload_sha256"] != verdict.payload_sha256 or row["key_id"] != verdict.key_id:
        return invalidate(
            verdict,
            Reason.PAYLOAD_MISMATCH,
            f"the notice differs from the record of {verdict.notice_id}",
        )
    if pdf_sha256 is not None and pdf_sha256 != row["pdf_sha256"]:
        return invalidate(
            verdict,
            Reason.PAYLOAD_MISMATCH,
            f"the PDF differs from the one recorded for {verdict.notice_id}",
        )
    verdict.checked.append("record")
    if verdict.issued_at is None:
        verdict.issued_at = row["issued_at"]
        verdict.kind = row["kind"]
        verdict.message = (
            f"valid, signed by key {verdict.key_id} on {format_ist(verdict.issued_at)} "
            f"for complaint {verdict.tracking_id} (notice {verdict.notice_id})"
        )
    return verdict
