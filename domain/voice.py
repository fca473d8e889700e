"""Voice notes: the limits the API and the worker both hold them to, and the transcribe input."""

from dataclasses import dataclass

MAX_AUDIO_BYTES = 5 * 1024 * 1024  # a 2-minute note is ~0.5 MB as Opus, ~2 MB as MP3
MAX_AUDIO_SECONDS = 120
# The types a voice note may be declared as, with the file extension it is stored under.
# The first of each group is what the bytes are sniffed as; the others are the names phones
# and browsers also send for the same files (Chrome and Safari say audio/x-m4a for .m4a,
# older Firefox audio/x-wav, some Android recorders audio/opus for Ogg Opus).
AUDIO_TYPES: dict[str, str] = {
    "audio/ogg": "ogg",
    "audio/opus": "opus",
    "audio/mp4": "m4a",
    "audio/x-m4a": "m4a",
    "audio/aac": "aac",
    "audio/mpeg": "mp3",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/webm": "webm",  # what Chrome's and Firefox's MediaRecorder record
}
AUDIO_FORMATS = "Ogg/Opus, WebM/Opus, M4A/AAC, AAC, MP3 or WAV"  # as a refusal names them


@dataclass
class TranscribeInput:
    """Which voice note to transcribe (its S3 key) and the language the citizen filed in."""

    key: str
    language: str


def spoken_duration(seconds: float) -> str:
    """A length as people say it: "45 s", "2 min", "3 min 10 s"."""
    whole = max(round(seconds), 0)
    minutes, rest = divmod(whole, 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min" if not rest else f"{minutes} min {rest} s"
