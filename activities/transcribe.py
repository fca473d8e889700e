"""The transcribe activity: a voice note's words by machine, or None for the human queue.

It picks the recogniser for the case's language (`language.transcribe.transcriber_for`).
With no machine for it (Indian languages, or CIVICOPS_ASR=off) it answers None at once,
without reading S3, and the workflow waits for an operator's transcript. Otherwise it reads
the note (at most MAX_AUDIO_BYTES + 1 bytes), decodes it to 16 kHz PCM and recognises it,
each in a worker thread. It writes nothing, and the same note gives the same words, so a
retry is harmless. A note that is missing or is not whole audio fails non-retryably
(BadInput): it was checked at filing, so that is a fault no retry can mend. S3 outages raise
as they are, and Temporal retries them.
"""

from __future__ import annotations

import asyncio

from botocore.client import BaseClient
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.audio import MAX_AUDIO_BYTES, AudioRefused, decode_pcm16k
from activities.running import resilient
from domain import pii
from domain.access import Refusal
from domain.case import Transcript
from domain.voice import TranscribeInput
from language.transcribe import HumanQueue, transcriber_for
from storage import uploads


def _bad_input(message: str) -> ApplicationError:
    """A failure no retry can mend."""
    return ApplicationError(message, type=Refusal.BAD_INPUT, non_retryable=True)


class TranscribeActivities:
    """Holds the S3 client and bucket voice notes are read from."""

    def __init__(self, s3: BaseClient, bucket: str) -> None:
        self.s3 = s3
        self.bucket = bucket

    @activity.defn(name="transcribe")
    @resilient
    async def transcribe(self, data: TranscribeInput) -> Transcript | None:
        """The machine transcript of the note at `data.key`, or None: a person transcribes it.

        None also when the recogniser heard no words (silence, noise, or not English).
        """
        transcriber = transcriber_for(data.language)
        if isinstance(transcriber, HumanQueue):
            return None
        body = await asyncio.to_thread(
            uploads.read_bounded, self.s3, self.bucket, data.key, MAX_AUDIO_BYTES
        )
        if body is None:
            raise _bad_input(f"no voice note at {data.key}")
        try:
            pcm = await asyncio.to_thread(decode_pcm16k, body)
        except AudioRefused as exc:
            raise _bad_input(f"the voice note at {data.key} {exc.message}") from None
        heard = await asyncio.to_thread(transcriber.transcribe, pcm, data.language)
        if heard is None or not heard.text.strip():
            activity.logger.info("no words recognised in %s (%s)", data.key, transcriber.name)
            return None
        words = pii.mask(heard.text)  # a spoken phone number never reaches the case
        return Transcript(words, data.language, "machine", heard.engine, heard.confidence)
