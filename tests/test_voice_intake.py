"""Citizens file by voice: an English note is transcribed by the machine and classified; a
Tamil note waits for an operator. Real API, real worker and activities, S3, Temporal."""

from __future__ import annotations

import base64
import re
from typing import Any

import httpx
from helpers import auth, fresh_spot, wait_for_status, wait_until
from voice_helpers import speak

from domain.ids import workflow_id


async def upload_voice(api: httpx.AsyncClient, key: str, audio: bytes, name: str) -> str:
    """Upload a voice note through the multipart door; its key for the filing."""
    kind = {"wav": "audio/wav", "ogg": "audio/ogg", "mp3": "audio/mpeg"}[name.rsplit(".", 1)[1]]
    resp = await api.post(
        "/v1/complaints/uploads", files=[("voice", (name, audio, kind))], headers=auth(key)
    )
    assert resp.status_code == 201, resp.text
    (voice,) = resp.json()["attachments"]
    assert voice["kind"] == "voice" and voice["duration_s"] > 0.5
    return str(voice["key"])


async def file_by_voice(
    api: httpx.AsyncClient, key: str, voice_key: str, language: str, **extra: Any
) -> dict[str, Any]:
    """File a complaint that is only a voice note and a point."""
    lat, lon, _ = fresh_spot()
    body = {"voice_note": voice_key, "latitude": lat, "longitude": lon, "language": language}
    resp = await api.post("/v1/complaints", json={**body, **extra}, headers=auth(key))
    assert resp.status_code == 202, resp.text
    return dict(resp.json())


def kinds(case: dict[str, Any]) -> list[str]:
    """The case's event kinds, in order."""
    return [e["kind"] for e in case["events"]]


async def test_an_english_voice_note_is_transcribed_by_machine_and_classified(api, api_keys):
    citizen = api_keys["citizen-app"]
    audio = speak("there is no water supply since monday", fmt="ogg")
    voice_key = await upload_voice(api, citizen, audio, "note.ogg")
    accepted = await file_by_voice(api, citizen, voice_key, "en")
    assert accepted["category"] is None  # it is not known until the note is heard
    tracking_id = accepted["tracking_id"]

    def heard(case: dict[str, Any]) -> bool:
        return bool({"classified", "needs_triage"} & set(kinds(case)))

    case = await wait_until(api, tracking_id, citizen, heard, timeout=60)
    transcribed = next(e for e in case["events"] if e["kind"] == "transcribed")
    assert transcribed["detail"]["source"] == "machine"
    assert transcribed["detail"]["engine"].startswith("pocketsphinx")
    assert 0.0 <= transcribed["detail"]["confidence"] <= 1.0
    transcript = case["intake"]["transcript"]
    assert transcript["source"] == "machine" and transcript["language"] == "en"
    assert "water supply" in transcript["text"].lower(), transcript
    # Classified as text: the category the words name, with the classifier's confidence.
    assert kinds(case)[:3] == ["filed", "transcribed", "classified"], kinds(case)
    assert case["category"] == "water_supply"
    assert case["intake"]["category_source"] == "classifier"
    assert case["intake"]["voice_note"]["duration_s"] > 1.0
    # The audio stays in S3: the workflow history holds its key, never its bytes.
    client = api.app.state.temporal
    history = (await client.get_workflow_handle(workflow_id(tracking_id)).fetch_history()).to_json()
    payloads = b"".join(base64.b64decode(d) for d in re.findall(r'"data": "([^"]*)"', history))
    assert voice_key.encode() in payloads
    assert audio[1000:1032] not in payloads and len(payloads) < len(audio)


async def test_a_tamil_voice_note_waits_for_an_operator_then_is_classified(api, api_keys):
    citizen, official = api_keys["citizen-app"], api_keys["official"]
    audio = speak("saalaiyil periya pallam irukkirathu", voice="ta", fmt="wav")
    voice_key = await upload_voice(api, citizen, audio, "note.wav")
    accepted = await file_by_voice(api, citizen, voice_key, "ta")
    tracking_id = accepted["tracking_id"]
    assert accepted["category"] is None and accepted["category_source"] is None
    case = await wait_for_status(api, tracking_id, auth(citizen), "TRANSCRIBING")
    assert case["sla_due_at"] is None and case["intake"]["due_at"]
    assert case["category"] is None and case["intake"]["category_source"] is None
    waiting = next(e for e in case["events"] if e["kind"] == "awaiting_transcript")
    assert waiting["detail"]["language"] == "ta"

    # The operator finds it in the queue and listens to it.
    queue = await api.get("/v1/complaints?status=TRANSCRIBING&limit=100", headers=auth(official))
    assert queue.status_code == 200, queue.text
    listed = [i for i in queue.json()["items"] if i["tracking_id"] == tracking_id]
    assert listed and listed[0]["category"] is None
    note = await api.get(f"/v1/complaints/{tracking_id}/voice-note", headers=auth(official))
    assert note.status_code == 200 and note.content == audio
    assert note.headers["content-type"].startswith("audio/")
    # A citizen app may not send the transcript; an empty one is refused.
    url = f"/v1/complaints/{tracking_id}/transcript"
    refused = await api.post(url, json={"text": "pallam"}, headers=auth(citizen))
    assert refused.status_code == 403, refused.text
    empty = await api.post(url, json={"text": "   "}, headers=auth(official))
    assert empty.status_code in (400, 422) and empty.json()["field"] == "text", empty.text

    said = "சாலையின் நடுவில் பெரிய பள்ளம் உள்ளது, இரு சக்கர வாகனங்கள் தடுமாறுகின்றன"
    sent = await api.post(url, json={"text": said}, headers=auth(official))
    assert sent.status_code == 200, sent.text
    case = await wait_for_status(api, tracking_id, auth(citizen), "NOTICE_ISSUED")
    assert kinds(case)[:5] == [
        "filed",
        "awaiting_transcript",
        "transcribed",
        "classified",
        "prioritized",
    ], kinds(case)
    assert case["category"] == "pothole" and case["sla_due_at"] is not None
    assert case["intake"]["transcript"]["source"] == "human"
    again = await api.post(url, json={"text": said}, headers=auth(official))
    assert again.status_code == 409, again.text
