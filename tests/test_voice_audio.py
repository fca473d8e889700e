"""What a citizen sees when their voice note is checked: taken with its length, or refused why.

Every note here is real audio: sentences spoken by espeak-ng and encoded by PyAV's ffmpeg as
phones encode them (WAV, Ogg/Opus, MP3, M4A/AAC, bare AAC). Nothing is mocked.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from helpers import photo
from voice_helpers import cut_short, encode, espeak, long_note, silence, speak, video, wav_samples

from activities.audio import (
    MAX_AUDIO_BYTES,
    AudioInfo,
    AudioRefused,
    decode_pcm16k,
    inspect_audio,
    sniff_audio,
)
from domain.voice import AUDIO_TYPES

SENTENCE = "the drain near the bus stop is blocked and the road is flooded"
FORMATS = {
    "wav": ("audio/wav", "pcm_s16le"),
    "ogg": ("audio/ogg", "opus"),
    "webm": ("audio/webm", "opus"),
    "mp3": ("audio/mpeg", "mp3float"),
    "m4a": ("audio/mp4", "aac"),
    "aac": ("audio/aac", "aac"),
}


@pytest.fixture(scope="module")
def spoken() -> tuple[np.ndarray, int]:
    """The sentence's samples and rate, as espeak-ng speaks it."""
    return wav_samples(espeak(SENTENCE))


@pytest.fixture(scope="module")
def notes(spoken: tuple[np.ndarray, int]) -> dict[str, bytes]:
    """The sentence as a voice note of every format."""
    samples, rate = spoken
    return {fmt: encode(samples, rate, fmt) for fmt in FORMATS}


def refusal(data: bytes) -> AudioRefused:
    """The refusal of a note that must be refused."""
    with pytest.raises(AudioRefused) as caught:
        inspect_audio(data)
    return caught.value


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_each_phone_format_is_taken_with_its_true_length(fmt, notes, spoken):
    samples, rate = spoken
    content_type, codec = FORMATS[fmt]
    data = notes[fmt]
    assert sniff_audio(data) == content_type
    assert content_type in AUDIO_TYPES  # the type the API stores it as, and its extension
    info = inspect_audio(data)
    assert isinstance(info, AudioInfo)
    assert (info.content_type, info.codec, info.channels) == (content_type, codec, 1)
    assert abs(info.duration_s - len(samples) / rate) < 0.3, info
    assert info.sample_rate in (22050, 48000)


def test_a_streamed_wav_whose_header_says_unknown_length_is_taken():
    raw = espeak("the garbage has not been collected")  # sizes 0x7ffff000: written to a pipe
    samples, rate = wav_samples(raw)
    info = inspect_audio(raw)
    assert info.content_type == "audio/wav"
    assert abs(info.duration_s - len(samples) / rate) < 0.05


def test_exactly_two_minutes_is_taken():
    info = inspect_audio(silence(120.0))
    assert abs(info.duration_s - 120.0) < 0.01


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (photo(), "a JPEG image"),
        (photo("PNG"), "a PNG image"),
        (b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n", "a PDF"),
        (b"the street light near my house has not worked for a week\n" * 10, "a text file"),
        (random.Random(15).randbytes(20_000), "a file of unknown type"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64, "a HEIC image"),
        (b"\x1aE\xdf\xa3" + bytes(60), "a Matroska file"),
    ],
    ids=["jpeg", "png", "pdf", "text", "random", "heic", "matroska"],
)
def test_a_file_that_is_not_a_voice_note_is_refused_naming_what_it_is(data, named):
    assert sniff_audio(data) is None
    refused = refusal(data)
    assert refused.code == "type"
    assert named in refused.message and "not a voice note" in refused.message
    assert "MP3" in refused.message  # says what to send instead


def test_a_film_is_refused_as_a_video_and_one_without_sound_as_soundless():
    assert (refusal(video()).code, refusal(video()).message) == (
        "type",
        "is a video; send the voice note alone",
    )
    assert refusal(video(sound=False)).message == "has no sound in it"


def test_an_empty_file_is_refused_as_empty():
    refused = refusal(b"")
    assert (refused.code, refused.message) == ("empty", "is an empty file")


def test_a_note_over_5_mb_is_refused_before_it_is_decoded(notes):
    big = notes["wav"] + b"\x00" * MAX_AUDIO_BYTES
    refused = refusal(big)
    assert refused.code == "too_large"
    assert "the limit is 5 MB" in refused.message and "MB" in refused.message.split(";")[0]


@pytest.mark.parametrize("fmt", ["wav", "ogg", "mp3", "m4a"])
def test_a_note_over_two_minutes_is_refused_saying_how_long_it_is(fmt):
    refused = refusal(long_note(125.0, fmt))
    assert refused.code == "too_long"
    assert refused.message == "is 2 min 5 s long; the limit is 2 minutes"


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.9, 0.99])
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_a_note_cut_short_in_upload_is_refused_as_cut_short(fmt, keep, notes):
    refused = refusal(cut_short(notes[fmt], keep))
    assert refused.code == "truncated", refused.message
    assert "cut short or damaged" in refused.message
    assert "record or upload it again" in refused.message


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_the_first_30_bytes_of_a_note_are_refused_as_cut_short(fmt, notes):
    assert refusal(notes[fmt][:30]).code == "truncated"


def test_a_cut_wav_says_how_much_of_it_is_left(notes, spoken):
    samples, rate = spoken
    refused = refusal(cut_short(notes["wav"], 0.5))
    whole = len(samples) / rate
    assert f"of the {whole:.1f} s its header announces" in refused.message


def test_an_ogg_note_damaged_in_the_middle_is_refused():
    data = bytearray(speak(SENTENCE, fmt="ogg"))
    middle = len(data) // 2
    data[middle : middle + 400] = random.Random(2).randbytes(400)
    assert refusal(bytes(data)).code == "truncated"


def test_an_mp3_that_is_only_its_tag_is_refused():
    tag = b"ID3\x04\x00\x00\x00\x00\x00\x0a" + b"TIT2\x00\x00\x00\x00\x00\x00"
    assert refusal(tag).code == "truncated"


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_damaged_bytes_are_always_refused_or_taken_never_an_error(fmt, notes):
    """Flipped bytes anywhere: inspect_audio answers or refuses; no PyAV error escapes."""
    rng = random.Random(fmt)
    original = notes[fmt]
    for _ in range(40):
        data = bytearray(original)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        try:
            info = inspect_audio(bytes(data))
        except AudioRefused as refused:
            assert refused.code in ("type", "truncated", "too_long"), refused.message
        else:
            assert info.duration_s > 0


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_decoded_for_the_recogniser_as_16_khz_mono_of_the_same_length(fmt, notes, spoken):
    samples, rate = spoken
    pcm = decode_pcm16k(notes[fmt])
    assert len(pcm) % 2 == 0
    assert abs(len(pcm) / 2 / 16000 - len(samples) / rate) < 0.3
    decoded = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    assert np.sqrt(np.mean(decoded**2)) > 500  # speech, not silence


def test_a_cut_note_is_not_decoded_for_the_recogniser_either(notes):
    with pytest.raises(AudioRefused) as caught:
        decode_pcm16k(cut_short(notes["ogg"]))
    assert caught.value.code == "truncated"


def test_a_webm_note_recorded_in_a_browser_with_its_size_unknown_is_taken(notes, spoken):
    """MediaRecorder streams: its Segment's size is "unknown" (all ones), yet the note is whole."""
    from activities.ebml import EBML_MAGIC

    data = notes["webm"]
    header_size = data[4] & 0x7F  # a one-byte size, as every encoder writes it
    segment = len(EBML_MAGIC) + 1 + header_size
    assert data[segment : segment + 4] == b"\x18\x53\x80\x67"
    length = 9 - data[segment + 4].bit_length()
    unknown = bytes([(1 << (8 - length)) | ((1 << (8 - length)) - 1)]) + b"\xff" * (length - 1)
    streamed = data[: segment + 4] + unknown + data[segment + 4 + length :]
    info = inspect_audio(streamed)
    samples, rate = spoken
    assert info.content_type == "audio/webm" and abs(info.duration_s - len(samples) / rate) < 0.3
