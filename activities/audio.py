"""Voice notes' bytes: what they are (magic bytes), whether they are whole, and their length.

`inspect_audio` is what the API runs on an upload and at filing; `decode_pcm16k` is what the
transcribe activity feeds the recogniser. Both refuse with `AudioRefused`, whose `code` the
API maps to a status (type 415; too_large, too_long 413; truncated, empty 422) and whose
`message` is said to the citizen after the field's name ("voice_note: is 3 min 10 s long...").

A file is whole when both its own structure and its decoder say so. The structure is walked
in pure Python, once, front to back: a WAV's data chunk must hold the bytes its header
announces (a streamed WAV whose sizes say "unknown", as espeak-ng and some recorders write
them, is taken as it comes); every Ogg page must be complete and the last one must end the
stream; MP3 and ADTS frames must not run past the end; ISO-BMFF boxes must not either. Then
PyAV demuxes every packet (its durations give the length without decoding) and decodes the
audio: a decoder that fails, finds next to no sound, or finds much less than a trustworthy
header announces (M4A's moov, an MP3's Xing/Info frame, Ogg's granule) means a damaged or
cut-short note. Work is linear in the file's size and decoding stops at the length limit.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import av
import av.error

from activities.ebml import EBML_MAGIC, is_webm, webm_cut
from activities.photos import HEIC_BRANDS, sniff_type
from domain.voice import (
    AUDIO_FORMATS,
    AUDIO_TYPES,
    MAX_AUDIO_BYTES,
    MAX_AUDIO_SECONDS,
    spoken_duration,
)

__all__ = [
    "AUDIO_TYPES",
    "MAX_AUDIO_BYTES",
    "MAX_AUDIO_SECONDS",
    "AudioInfo",
    "AudioRefused",
    "decode_pcm16k",
    "inspect_audio",
    "sniff_audio",
]

av.logging.set_level(None)  # PyAV is quiet: every fault it finds is raised, then refused here

PCM_RATE = 16000  # what pocketsphinx's en-US model was trained on
SLACK_SECONDS = 0.5  # a recorder stopped at 2:00 writes a few ms of encoder padding more
MIN_SOUND_SECONDS = 0.1  # less decodable audio than this is no voice note
_WAV_UNKNOWN = 0x7FFF0000  # data sizes from here up mean "length unknown" (streamed WAV)
_NAMES = {
    "audio/ogg": "an Ogg voice note",
    "audio/mp4": "an M4A voice note",
    "audio/aac": "an AAC voice note",
    "audio/mpeg": "an MP3 voice note",
    "audio/wav": "a WAV voice note",
    "audio/webm": "a WebM voice note",
}
_DEMUXER = {
    "audio/ogg": "ogg",
    "audio/mp4": "mp4",
    "audio/aac": "aac",
    "audio/mpeg": "mp3",
    "audio/wav": "wav",
    "audio/webm": "matroska",
}
_IMAGE_BRANDS = HEIC_BRANDS | {b"avif", b"avis", b"crx "}
# MPEG audio: kbit/s by [version is MPEG-1][layer 1..3][index], and sample rates by version.
_BITRATES = {
    (True, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_MPEG_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


class AudioRefused(Exception):
    """A voice note that cannot be taken: `code` for the API, `message` for the citizen."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class AudioInfo:
    """What a whole, decodable voice note is: its type, codec and measured length."""

    content_type: str
    codec: str
    duration_s: float
    sample_rate: int
    channels: int


# --- magic bytes ---------------------------------------------------------------------------


def _id3_end(data: bytes) -> int:
    """Where the audio after a leading ID3v2 tag starts (0 when there is none)."""
    if not data.startswith(b"ID3") or len(data) < 10:
        return 0
    size = 0
    for byte in data[6:10]:
        size = (size << 7) | (byte & 0x7F)
    footer = 10 if data[5] & 0x10 else 0
    return 10 + size + footer


def _mpeg_frame(data: bytes, at: int) -> int | None:
    """The length of the MPEG audio frame whose header is at `at`, or None if none is there.

    Free-format frames (bitrate index 0) have no computable length: 0, "a frame, length unknown".
    """
    if at + 4 > len(data) or data[at] != 0xFF or data[at + 1] & 0xE0 != 0xE0:
        return None
    version, layer_bits = (data[at + 1] >> 3) & 3, (data[at + 1] >> 1) & 3
    index, rate_index = data[at + 2] >> 4, (data[at + 2] >> 2) & 3
    if version == 1 or layer_bits == 0 or index == 15 or rate_index == 3:
        return None
    layer = 4 - layer_bits
    mpeg1 = version == 3
    if index == 0:
        return 0
    bitrate = _BITRATES[(mpeg1, layer)][index] * 1000
    rate = _MPEG_RATES[version][rate_index]
    padding = (data[at + 2] >> 1) & 1
    if layer == 1:
        return (12 * bitrate // rate + padding) * 4
    per_frame = 144 if layer == 2 or mpeg1 else 72
    return per_frame * bitrate // rate + padding


def _adts_frame(data: bytes, at: int) -> int | None:
    """The length of the ADTS (AAC) frame whose header is at `at`, or None if none is there."""
    if at + 7 > len(data) or data[at] != 0xFF or data[at + 1] & 0xF6 != 0xF0:
        return None
    if (data[at + 2] >> 2) & 0x0F > 12:  # sampling frequency index
        return None
    length = ((data[at + 3] & 3) << 11) | (data[at + 4] << 3) | (data[at + 5] >> 5)
    return length if length >= 7 else None


def _frames_follow(data: bytes, at: int, frame: Callable[[bytes, int], int | None]) -> bool:
    """True when a frame header is at `at` and, if the file goes on, another after it."""
    length = frame(data, at)
    if length is None:
        return False
    if length == 0 or at + length >= len(data):
        return True  # free format, or a one-frame file (a cut one is caught later)
    return frame(data, at + length) is not None


def sniff_audio(data: bytes) -> str | None:
    """The voice-note type the magic bytes say (a key of AUDIO_TYPES), or None for any other."""
    if data[:4] == b"OggS":
        return "audio/ogg"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    if is_webm(data):
        return "audio/webm"  # what browsers record (MediaRecorder)
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in _IMAGE_BRANDS or sniff_type(data)[0] is not None:
            return None  # HEIC, AVIF and the like are photos
        return "audio/mp4"
    start = _id3_end(data)
    if start:
        if _frames_follow(data, start, _adts_frame):
            return "audio/aac"
        return "audio/mpeg"  # a tag that announces MP3 (whether the audio is whole is checked)
    if _frames_follow(data, 0, _adts_frame):
        return "audio/aac"
    if _frames_follow(data, 0, _mpeg_frame):
        return "audio/mpeg"
    return None


def _describe(data: bytes) -> str:
    """What a file that is not a voice note is, as the refusal names it."""
    if data.startswith(EBML_MAGIC):
        return "a Matroska file"
    return sniff_type(data)[1]


# --- structure: is the file whole? ---------------------------------------------------------


def _cut(content_type: str, detail: str) -> AudioRefused:
    """The refusal of a note that is cut short or damaged."""
    return AudioRefused(
        "truncated",
        f"looks like {_NAMES[content_type]} but is cut short or damaged ({detail}); "
        "record or upload it again",
    )


def _check_wav(data: bytes) -> None:
    """A WAV's chunks are complete and its data chunk holds what the header announces."""
    at, byte_rate = 12, 0
    while True:
        if at + 8 > len(data):
            raise _cut("audio/wav", "it ends before its sound data starts")
        chunk, size = data[at : at + 4], int.from_bytes(data[at + 4 : at + 8], "little")
        body = at + 8
        if chunk == b"fmt ":
            if body + 16 > len(data):
                raise _cut("audio/wav", "its format header is incomplete")
            byte_rate = int.from_bytes(data[body + 8 : body + 12], "little")
        elif chunk == b"data":
            have = len(data) - body
            if size == 0 or size >= _WAV_UNKNOWN or have >= size:
                return  # streamed ("length unknown"), or whole
            if byte_rate:
                raise _cut(
                    "audio/wav",
                    f"it stops at {have / byte_rate:.1f} s of the "
                    f"{size / byte_rate:.1f} s its header announces",
                )
            raise _cut("audio/wav", f"it holds {have:,} of the {size:,} bytes it announces")
        at = body + size + (size & 1)


def _check_ogg(data: bytes) -> None:
    """Every Ogg page is complete, and the last one ends the stream."""
    at, flags = 0, 0
    while at < len(data):
        if data[at : at + 4] != b"OggS":
            raise _cut("audio/ogg", f"unreadable data at byte {at:,}")
        if at + 27 > len(data):
            raise _cut("audio/ogg", "its last page is incomplete")
        flags, segments = data[at + 5], data[at + 26]
        if at + 27 + segments > len(data):
            raise _cut("audio/ogg", "its last page is incomplete")
        end = at + 27 + segments + sum(data[at + 27 : at + 27 + segments])
        if end > len(data):
            raise _cut("audio/ogg", "its last page is incomplete")
        at = end
    if not flags & 0x04:
        raise _cut("audio/ogg", "the recording does not end properly")


def _check_frames(data: bytes, content_type: str) -> None:
    """MPEG or ADTS frames, walked from the first: the last one must not run past the end."""
    frame = _adts_frame if content_type == "audio/aac" else _mpeg_frame
    at = _id3_end(data)
    if at > len(data):
        raise _cut(content_type, "it ends inside its tags, before any sound")
    while at < len(data):
        length = frame(data, at)
        if not length:
            return  # a trailing tag, junk between frames, or free format: the decoder judges
        if at + length > len(data):
            raise _cut(content_type, "its last frame is incomplete")
        at += length


def _check_boxes(data: bytes) -> None:
    """ISO-BMFF top-level boxes (ftyp, moov, mdat, ...) do not run past the end."""
    at = 0
    while at < len(data):
        if at + 8 > len(data):
            raise _cut("audio/mp4", "its last box is incomplete")
        size = int.from_bytes(data[at : at + 4], "big")
        if size == 1:
            if at + 16 > len(data):
                raise _cut("audio/mp4", "its last box is incomplete")
            size = int.from_bytes(data[at + 8 : at + 16], "big")
        elif size == 0:
            return  # the last box runs to the end of the file
        if size < 8 or at + size > len(data):
            raise _cut("audio/mp4", "its last box is incomplete")
        at += size


def _vbr_header(data: bytes) -> tuple[bool, int | None]:
    """Whether an MP3 opens with a Xing/Info/VBRI frame (its length is then known), and the
    byte count of the audio it announces, when it does."""
    start = _id3_end(data)
    length = _mpeg_frame(data, start) or 0
    first = data[start : start + max(length, 4)]
    for tag in (b"Xing", b"Info"):
        at = first.find(tag)
        if at >= 0:
            flags = int.from_bytes(first[at + 4 : at + 8], "big")
            field = at + 8 + (4 if flags & 1 else 0)  # the frame count comes first
            if flags & 2 and field + 4 <= len(first):
                return True, int.from_bytes(first[field : field + 4], "big")
            return True, None
    if first[36:40] == b"VBRI" and len(first) >= 50:
        return True, int.from_bytes(first[46:50], "big")
    return False, None


def _check_mp3(data: bytes) -> None:
    """An MP3's frames are whole, and it holds the bytes its Xing/Info/VBRI frame announces."""
    _check_frames(data, "audio/mpeg")
    _, announced = _vbr_header(data)
    have = len(data) - _id3_end(data)
    if announced and have < announced:
        raise _cut("audio/mpeg", f"it holds {have:,} of the {announced:,} bytes it announces")


def _check_webm(data: bytes) -> None:
    """A WebM note holds its header, its Segment, and the bytes its Segment announces."""
    problem = webm_cut(data)
    if problem:
        raise _cut("audio/webm", problem)


_STRUCTURE: dict[str, Callable[[bytes], None]] = {
    "audio/wav": _check_wav,
    "audio/ogg": _check_ogg,
    "audio/mpeg": _check_mp3,
    "audio/aac": lambda data: _check_frames(data, "audio/aac"),
    "audio/mp4": _check_boxes,
    "audio/webm": _check_webm,
}


# --- decoding ------------------------------------------------------------------------------


def _too_long(seconds: float, *, exact: bool) -> AudioRefused:
    """The refusal of a note over the length limit (`exact`: its whole length is known)."""
    length = spoken_duration(seconds) if exact else f"more than {spoken_duration(seconds)}"
    limit = spoken_duration(MAX_AUDIO_SECONDS).replace("min", "minutes")
    return AudioRefused("too_long", f"is {length} long; the limit is {limit}")


def _decode(data: bytes, on_frame: Callable[[av.AudioFrame], None] | None = None) -> AudioInfo:
    """Every check of a voice note, decoding it once; `on_frame` sees each decoded frame."""
    if not data:
        raise AudioRefused("empty", "is an empty file")
    if len(data) > MAX_AUDIO_BYTES:
        raise AudioRefused(
            "too_large",
            f"is {len(data) / (1024 * 1024):.1f} MB; the limit is "
            f"{MAX_AUDIO_BYTES / (1024 * 1024):g} MB",
        )
    content_type = sniff_audio(data)
    if content_type is None:
        raise AudioRefused("type", f"is {_describe(data)}, not a voice note (send {AUDIO_FORMATS})")
    _STRUCTURE[content_type](data)
    try:
        return _demux_and_decode(data, content_type, on_frame)
    except AudioRefused:
        raise
    except MemoryError:
        raise
    except Exception as exc:  # any fault of PyAV's or ffmpeg's: the file is not whole
        reason = exc.strerror if isinstance(exc, av.error.FFmpegError) else type(exc).__name__
        raise _cut(content_type, f"it cannot be decoded: {reason}") from None


def _demux_and_decode(
    data: bytes, content_type: str, on_frame: Callable[[av.AudioFrame], None] | None
) -> AudioInfo:
    """Demux every packet (the length from their durations) and decode up to the limit."""
    limit = MAX_AUDIO_SECONDS + SLACK_SECONDS
    with av.open(io.BytesIO(data), format=_DEMUXER[content_type]) as container:
        if not container.streams.audio:
            raise AudioRefused("type", "has no sound in it")
        for video in container.streams.video:
            if not video.disposition & av.stream.Disposition.attached_pic:
                raise AudioRefused("type", "is a video; send the voice note alone")
        stream = container.streams.audio[0]
        time_base = float(stream.time_base or 0)
        declared = float(stream.duration * stream.time_base) if stream.duration else None
        codec = stream.codec_context.name
        packet_seconds = decoded = 0.0
        rate = channels = 0
        packets = failed = 0
        for packet in container.demux(stream):
            if packet.size == 0:
                continue  # the demuxer's end-of-stream marker
            packets += 1
            packet_seconds += (packet.duration or 0) * time_base
            if packet_seconds > limit or decoded > limit:
                continue  # over the limit: only counted from here, never decoded
            try:
                frames = packet.decode()
            except av.error.FFmpegError:
                failed += 1
                continue
            for frame in frames:
                rate, channels = frame.sample_rate, frame.layout.nb_channels
                decoded += frame.samples / rate
                if on_frame is not None:
                    on_frame(frame)
        if packet_seconds <= limit and decoded <= limit:
            for frame in stream.codec_context.decode(None):  # what the decoder still holds
                decoded += frame.samples / frame.sample_rate
                if on_frame is not None:
                    on_frame(frame)
    length = max(packet_seconds, decoded)
    if length > limit:  # packets without durations: decoding stopped at the limit
        raise _too_long(length, exact=packet_seconds >= decoded)
    if failed > max(2, packets // 50):  # a glitch or two is played through; more is damage
        raise _cut(content_type, f"{failed} of its {packets} parts cannot be decoded")
    if decoded < MIN_SOUND_SECONDS:
        raise _cut(content_type, "it holds no sound that can be played")
    trusted = content_type in ("audio/mp4", "audio/ogg", "audio/webm") or (
        content_type == "audio/mpeg" and _vbr_header(data)[0]
    )
    if trusted and declared and declared - decoded > max(SLACK_SECONDS, declared * 0.05):
        raise _cut(
            content_type,
            f"it stops at {decoded:.1f} s of the {declared:.1f} s its header announces",
        )
    return AudioInfo(content_type, codec, round(decoded, 3), rate, channels)


def inspect_audio(data: bytes) -> AudioInfo:
    """What a voice note is and how long; AudioRefused if it cannot be taken (see the module)."""
    return _decode(data)


def decode_pcm16k(data: bytes) -> bytes:
    """The note as mono 16 kHz signed 16-bit little-endian PCM, after every inspect_audio check."""
    resampler = av.AudioResampler(format="s16", layout="mono", rate=PCM_RATE)
    chunks: list[bytes] = []

    def keep(frames: list[av.AudioFrame]) -> None:
        """Append resampled frames' samples (packed mono s16: one plane, 2 bytes a sample)."""
        for out in frames:
            chunks.append(bytes(out.planes[0])[: out.samples * 2])

    def on_frame(frame: av.AudioFrame) -> None:
        """Resample one decoded frame (its pts dropped: the resampler keeps its own count)."""
        frame.pts = None
        keep(resampler.resample(frame))

    _decode(data, on_frame)
    try:
        keep(resampler.resample(None))
    except MemoryError:
        raise
    except Exception as exc:  # PyAV's, as in _decode: never anything but AudioRefused
        raise AudioRefused("truncated", f"cannot be converted for transcription ({exc})") from None
    return b"".join(chunks)
