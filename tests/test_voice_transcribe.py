"""A voice note's words: English by pocketsphinx, offline; every other language by a person.

The sentences are spoken by espeak-ng (voice en-us+klatt, 140 words a minute). Its robotic
voice is hard for pocketsphinx's en-US model, so the sentences were chosen by measurement:
across WAV, Ogg/Opus, MP3 and M4A, "please send someone to fix the road" is heard as
"please send someone to fix the roads" (6 of 7 words) and "there is no water supply since
monday" word for word; "the street light is not working" comes out as "the three site is
not working" (WAV, MP3), "the street lights is not working" (Ogg) or "does three site is
not working" (M4A): 3 to 5 of its 6 words. Recognition is deterministic, so five runs gave
the same words and confidences each time. A 5 s note takes about 1 s to recognise (a
2-minute one about 25 s; the activity may take 120 s).

The activity is run against the real S3 (rclone's, from conftest) through Temporal's
ActivityEnvironment, as a worker runs it.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from helpers import photo
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment
from voice_helpers import ENGLISH, cut_short, silence, speak

from activities.audio import decode_pcm16k
from activities.transcribe import TranscribeActivities
from domain.access import Refusal
from domain.case import Transcript
from domain.voice import TranscribeInput
from language.transcribe import (
    ASR_ENV,
    HumanQueue,
    MachineTranscript,
    PocketsphinxTranscriber,
    transcriber_for,
)
from storage import s3 as s3_storage
from storage import uploads

VOICE = ENGLISH
FIX_ROAD = "please send someone to fix the road"
NO_WATER = "there is no water supply since monday"
STREET_LIGHT = "the street light is not working"
# The words each sentence must be heard with, and the share of its words that must be.
KEY_WORDS = {FIX_ROAD: ({"send", "someone", "fix"}, 0.8), NO_WATER: ({"water", "supply"}, 0.8)}


def overlap(spoken: str, heard: str) -> float:
    """The share of the spoken words that were heard."""
    words = spoken.split()
    return sum(word in heard.split() for word in words) / len(words)


@pytest.fixture(scope="module")
def recogniser() -> PocketsphinxTranscriber:
    """One pocketsphinx transcriber for the module (its model loads on first use)."""
    return PocketsphinxTranscriber()


def heard(recogniser: PocketsphinxTranscriber, text: str, fmt: str) -> MachineTranscript:
    """What the recogniser hears in `text` spoken as a note of format `fmt`."""
    got = recogniser.transcribe(decode_pcm16k(speak(text, voice=VOICE, fmt=fmt)), "en")
    assert got is not None, f"nothing heard in {text!r} ({fmt})"
    return got


@pytest.mark.parametrize("fmt", ["wav", "ogg", "mp3", "m4a"])
@pytest.mark.parametrize("text", sorted(KEY_WORDS))
def test_an_english_complaint_is_heard_with_its_key_words(recogniser, text, fmt):
    got = heard(recogniser, text, fmt)
    words, share = KEY_WORDS[text]
    assert words <= set(got.text.split()), got
    assert overlap(text, got.text) >= share, got
    assert 0.0 <= got.confidence <= 1.0
    assert got.engine == "pocketsphinx-en-us"


@pytest.mark.parametrize("fmt", ["wav", "ogg", "mp3", "m4a"])
def test_a_street_light_complaint_is_heard_in_part(recogniser, fmt):
    got = heard(recogniser, STREET_LIGHT, fmt)
    assert {"is", "not"} <= set(got.text.split()), got
    assert overlap(STREET_LIGHT, got.text) >= 0.5, got


def test_the_same_note_reads_the_same_every_time(recogniser):
    pcm = decode_pcm16k(speak(NO_WATER, voice=VOICE, fmt="ogg"))
    first = recogniser.transcribe(pcm, "en")
    recogniser.transcribe(decode_pcm16k(speak(FIX_ROAD, voice=VOICE)), "en")  # in between
    assert recogniser.transcribe(pcm, "en") == first
    assert PocketsphinxTranscriber().transcribe(pcm, "en") == first  # another process's decoder


def test_a_note_with_no_words_gives_no_transcript(recogniser):
    assert recogniser.transcribe(decode_pcm16k(silence(2.0)), "en") is None
    assert recogniser.transcribe(b"", "en") is None


def test_pocketsphinx_hears_only_english(recogniser):
    pcm = decode_pcm16k(speak(FIX_ROAD, voice=VOICE))
    assert recogniser.transcribe(pcm, "hi") is None
    assert recogniser.transcribe(pcm, "en-IN") is not None


@pytest.mark.parametrize("language", ["ta", "kn", "hi", "te", "kn-IN"])
def test_indian_languages_go_to_a_person(language):
    transcriber = transcriber_for(language)
    assert isinstance(transcriber, HumanQueue)
    assert transcriber.transcribe(b"\x01\x00" * 16000, language) is None


def test_english_goes_to_pocketsphinx_unless_machine_transcription_is_off(monkeypatch):
    assert isinstance(transcriber_for("en"), PocketsphinxTranscriber)
    assert isinstance(transcriber_for("en-IN"), PocketsphinxTranscriber)
    assert transcriber_for("en").name == "pocketsphinx-en-us"
    assert transcriber_for("en").languages == ("en",)
    monkeypatch.setenv(ASR_ENV, "off")
    assert isinstance(transcriber_for("en"), HumanQueue)


# --- the activity, against the real S3 -------------------------------------------------------


class NoStorage:
    """An S3 client that must not be used: any call fails the test."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"S3 was used ({name}) for a note no machine can transcribe")


@pytest.fixture
def store(settings) -> Any:  # type: ignore[no-untyped-def]
    """Put bytes in the real S3 under a fresh upload key; returns (activities, put)."""
    s3 = s3_storage.client(settings)
    activities = TranscribeActivities(s3, settings.s3_bucket)

    def put(data: bytes, ext: str) -> str:
        """Store one object; its key."""
        key = uploads.upload_key("key-voice-tests", uploads.new_upload_id(), 0, ext)
        uploads.put_bytes(s3, settings.s3_bucket, key, data, "application/octet-stream")
        return key

    return activities, put


async def run(activities: TranscribeActivities, key: str, language: str) -> Transcript | None:
    """Run the activity as a worker would (with Temporal's activity context)."""
    return await ActivityEnvironment().run(
        activities.transcribe, TranscribeInput(key=key, language=language)
    )


@pytest.mark.parametrize("fmt", ["wav", "ogg"])
async def test_an_english_voice_note_in_storage_gets_a_machine_transcript(store, fmt):
    activities, put = store
    key = await asyncio.to_thread(put, speak(NO_WATER, voice=VOICE, fmt=fmt), fmt)
    got = await run(activities, key, "en")
    assert got is not None
    assert (got.language, got.source, got.engine) == ("en", "machine", "pocketsphinx-en-us")
    assert {"water", "supply"} <= set(got.text.split()), got
    assert got.confidence is not None and 0.0 <= got.confidence <= 1.0
    assert await run(activities, key, "en") == got  # a retry: the same answer
    assert await activities.transcribe(TranscribeInput(key, "en")) == got  # called plainly


async def test_a_silent_english_note_goes_to_a_person(store):
    activities, put = store
    key = await asyncio.to_thread(put, silence(2.0), "wav")
    assert await run(activities, key, "en") is None


async def test_a_tamil_note_goes_to_a_person_without_reading_storage():
    activities = TranscribeActivities(NoStorage(), "civicops")  # type: ignore[arg-type]
    assert await run(activities, "intake/0000000000000000/x/0.ogg", "ta") is None


@pytest.mark.parametrize(
    "what", ["missing", "a photo", "cut short"], ids=["missing", "photo", "cut"]
)
async def test_a_missing_or_broken_note_fails_for_good_not_for_a_retry(store, what):
    activities, put = store
    if what == "missing":
        key = uploads.upload_key("key-voice-tests", uploads.new_upload_id(), 0, "ogg")
    elif what == "a photo":
        key = await asyncio.to_thread(put, photo(), "ogg")
    else:
        key = await asyncio.to_thread(put, cut_short(speak(FIX_ROAD, fmt="ogg")), "ogg")
    with pytest.raises(ApplicationError) as caught:
        await run(activities, key, "en")
    assert caught.value.non_retryable
    assert caught.value.type == Refusal.BAD_INPUT
    assert key in caught.value.message


async def test_a_five_second_note_is_transcribed_well_within_the_activity_timeout(store):
    activities, put = store
    sentence = f"{NO_WATER} and the drain near the school is blocked"
    note = speak(sentence, voice=VOICE, fmt="ogg")
    key = await asyncio.to_thread(put, note, "ogg")
    seconds = len(decode_pcm16k(note)) / 32000
    assert 4.0 < seconds < 6.5
    await run(activities, key, "en")  # the model is loaded once per process
    started = time.perf_counter()
    got = await run(activities, key, "en")
    took = time.perf_counter() - started
    assert got is not None and "water" in got.text
    assert took < 15.0, f"{seconds:.1f} s of speech took {took:.1f} s (the timeout is 120 s)"
