"""Intake that waits for a person: an operator transcribes a voice note, a triager picks a
category, and either may listen to the voice note first."""

from __future__ import annotations

import asyncio
from typing import Annotated

import msgspec
from botocore.exceptions import ClientError
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import JSONBody
from msgspec import Meta

from api.auth import current_principal, roles
from api.controllers.complaints import TrackingId, check_tracking_id
from api.filing import known_language
from api.schemas import CategoryCode, ComplaintView
from api.scope import require_assigned
from api.updates import live_state, run_update, unavailable
from api.views import from_state
from domain import pii, text
from domain.case import CategoryRequest, TranscriptRequest
from domain.roles import Role
from domain.voice import MAX_AUDIO_BYTES
from storage.uploads import read_bounded
from workflows.complaint import ComplaintWorkflow

TRANSCRIBERS = roles(Role.OFFICIAL)  # the city's call-centre operators use official keys
TRIAGERS = roles(Role.SUPERVISOR, Role.OFFICIAL)
LISTENERS = roles(Role.SUPERVISOR, Role.OFFICIAL, Role.AUDITOR)


class TranscriptIn(msgspec.Struct, forbid_unknown_fields=True):
    """What the voice note says, typed by an operator, and its language if not the tagged one."""

    text: Annotated[str, Meta(min_length=1, max_length=4000)]
    language: Annotated[str, Meta(min_length=2, max_length=12)] | None = None


class CategoryIn(msgspec.Struct, forbid_unknown_fields=True):
    """The category a triager picked, and optionally why."""

    category: CategoryCode
    reason: Annotated[str, Meta(max_length=500)] | None = None


class IntakeController(Controller):
    """The human queues of intake: transcripts and categories, and the voice note itself."""

    path = "/v1/complaints"
    tags = ["intake"]

    @post(
        "/{tracking_id:str}/transcript",
        operation_id="transcribeVoiceNote",
        opt=TRANSCRIBERS,
        status_code=200,
        summary="Send a voice note's transcript",
    )
    async def transcript(
        self, request: Request, tracking_id: TrackingId, data: JSONBody[TranscriptIn]
    ) -> ComplaintView:
        """An operator's transcript of a case waiting in TRANSCRIBING; intake goes on with it."""
        tracking_id = check_tracking_id(tracking_id)
        words = text.clean(data.text, "text", required=True)
        assert words is not None
        language = known_language(data.language) if data.language is not None else None
        principal = current_principal(request)
        state = await run_update(
            request.app.state.temporal,
            tracking_id,
            ComplaintWorkflow.transcribe,
            TranscriptRequest(pii.mask(words), principal.name, language),  # no personal data
        )
        return from_state(state, request.app.state.settings.public_url)

    @post(
        "/{tracking_id:str}/category",
        operation_id="categorizeComplaint",
        opt=TRIAGERS,
        status_code=200,
        summary="Pick the category of a case in NEEDS_TRIAGE",
    )
    async def category(
        self, request: Request, tracking_id: TrackingId, data: JSONBody[CategoryIn]
    ) -> ComplaintView:
        """The ward's supervisor or an officer picks the category; the SLA starts at assignment."""
        tracking_id = check_tracking_id(tracking_id)
        reason = text.clean(data.reason, "reason")
        principal = current_principal(request)
        state = await run_update(
            request.app.state.temporal,
            tracking_id,
            ComplaintWorkflow.categorize,
            CategoryRequest(
                data.category.value, principal.name, principal.official_id, principal.role, reason
            ),
        )
        return from_state(state, request.app.state.settings.public_url)

    @get(
        "/{tracking_id:str}/voice-note",
        operation_id="getVoiceNote",
        opt=LISTENERS,
        summary="Listen to a case's voice note",
        media_type="application/octet-stream",
    )
    async def voice_note(self, request: Request, tracking_id: TrackingId) -> Response[bytes]:
        """The voice note of a running case, for its transcriber or triager (personal data:
        never public)."""
        tracking_id = check_tracking_id(tracking_id)
        state = await live_state(request.app.state.temporal, tracking_id, ComplaintWorkflow.status)
        if state is None:
            raise NotFoundException(f"no open complaint {tracking_id}")
        a = state.assignment
        require_assigned(current_principal(request), a.official_id if a else None)
        voice = next((x for x in state.complaint.attachments if x.kind == "voice"), None)
        if voice is None:
            raise NotFoundException(f"complaint {tracking_id} has no voice note")
        s3, bucket = request.app.state.s3, request.app.state.settings.s3_bucket
        try:  # bounded: a note was checked at filing to be at most MAX_AUDIO_BYTES
            body = await asyncio.to_thread(read_bounded, s3, bucket, voice.key, MAX_AUDIO_BYTES)
        except ClientError as exc:
            raise unavailable(exc) from exc
        if body is None:
            raise NotFoundException(f"complaint {tracking_id}'s voice note is no longer stored")
        return Response(
            body,
            media_type=voice.content_type,
            headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
        )
