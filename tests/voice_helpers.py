"""Voice notes for the tests: sentences spoken by espeak-ng, encoded as a phone would with PyAV.

espeak-ng is a Debian package (scripts/ensure-espeak.sh installs it; `make test` runs that);
without it the voice tests fail with that advice rather than skip, so CI cannot pass by
quietly testing nothing. Every format a citizen's phone sends is made here from the same
samples: WAV (PCM), Ogg/Opus, MP3, M4A/AAC, and bare ADTS AAC.
"""

from __future__ import annotations

import fractions
import io
import shutil
import subprocess
import wave

import av
import numpy as np

ESPEAK = "espeak-ng"
ENSURE = "scripts/ensure-espeak.sh"
# The English voice pocketsphinx hears best, measured over seven complaint sentences in four
# formats at 140 words a minute: espeak-ng's Klatt synthesiser, 67% of words heard, against
# 45% for its default en-us voice (which turns "street light" into "three like the op").
ENGLISH = "en-us+klatt"
# Container format, codec and sample rate of each encoded format.
FORMATS: dict[str, tuple[str, str, int]] = {
    "ogg": ("ogg", "libopus", 48000),
    "webm": ("webm", "libopus", 48000),
    "mp3": ("mp3", "libmp3lame", 22050),
    "m4a": ("ipod", "aac", 22050),
    "aac": ("adts", "aac", 22050),
}


def espeak(text: str, voice: str = ENGLISH, speed: int = 140) -> bytes:
    """espeak-ng's WAV of `text` as it writes it to a pipe (its sizes say "unknown length")."""
    if shutil.which(ESPEAK) is None:
        raise AssertionError(f"{ESPEAK} is not installed: run {ENSURE} (make test runs it)")
    done = subprocess.run(
        [ESPEAK, "-v", voice, "-s", str(speed), "--stdout", text],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return done.stdout


def wav_samples(data: bytes) -> tuple[np.ndarray, int]:
    """The mono int16 samples and rate of a WAV, even one whose header says "unknown length"."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE", "not a WAV"
    at = 12
    rate = 0
    while at + 8 <= len(data):
        chunk, size = data[at : at + 4], int.from_bytes(data[at + 4 : at + 8], "little")
        if chunk == b"fmt ":
            rate = int.from_bytes(data[at + 12 : at + 16], "little")
        if chunk == b"data":
            body = data[at + 8 :]
            return np.frombuffer(body[: len(body) // 2 * 2], dtype="<i2").copy(), rate
        at += 8 + size + (size & 1)
    raise AssertionError("a WAV with no data chunk")


def pcm_wav(samples: np.ndarray, rate: int) -> bytes:
    """A proper mono 16-bit WAV (true sizes in its header) of these samples."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.astype("<i2").tobytes())
    return out.getvalue()


def encode(samples: np.ndarray, rate: int, fmt: str) -> bytes:
    """Mono int16 samples encoded as `fmt` (wav, ogg, webm, mp3, m4a or aac) with PyAV's ffmpeg."""
    if fmt == "wav":
        return pcm_wav(samples, rate)
    container_format, codec, out_rate = FORMATS[fmt]
    out = io.BytesIO()
    with av.open(out, "w", format=container_format) as container:
        stream = container.add_stream(codec, rate=out_rate, layout="mono")
        resampler = av.AudioResampler(
            format=stream.codec_context.format, layout="mono", rate=out_rate
        )
        step = 4096
        pts = 0
        for start in range(0, max(len(samples), 1), step):
            chunk = samples[start : start + step].astype("<i2").reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(chunk, format="s16", layout="mono")
            frame.sample_rate = rate
            frame.pts = pts
            frame.time_base = fractions.Fraction(1, rate)
            pts += chunk.shape[1]
            for resampled in resampler.resample(frame):
                container.mux(stream.encode(resampled))
        for resampled in resampler.resample(None):
            container.mux(stream.encode(resampled))
        container.mux(stream.encode(None))
    return out.getvalue()


def speak(text: str, voice: str = ENGLISH, fmt: str = "wav", speed: int = 140) -> bytes:
    """`text` spoken by espeak-ng (`-v voice -s speed`), as a voice note of format `fmt`."""
    samples, rate = wav_samples(espeak(text, voice, speed))
    return encode(samples, rate, fmt)


def silence(seconds: float, fmt: str = "wav", rate: int = 8000) -> bytes:
    """A voice note of faint noise (not digital silence: phones never record that)."""
    rng = np.random.default_rng(7)
    samples = rng.integers(-64, 64, int(seconds * rate), dtype=np.int16)
    return encode(samples, rate, fmt)


def long_note(seconds: float = 125.0, fmt: str = "wav") -> bytes:
    """A note longer than the 2-minute limit (faint noise: cheap to make and small as Opus)."""
    return silence(seconds, fmt)


def cut_short(data: bytes, keep: float = 0.6) -> bytes:
    """The first `keep` of a file, as an upload that broke off part way leaves it."""
    return data[: int(len(data) * keep)]


def video(seconds: float = 1.0, *, sound: bool = True) -> bytes:
    """A small MP4 film, with a sound track unless told not, as a phone's camera makes one."""
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:
        picture = container.add_stream("mpeg4", rate=10)
        picture.width, picture.height, picture.pix_fmt = 64, 48, "yuv420p"
        audio = container.add_stream("aac", rate=22050, layout="mono") if sound else None
        for i in range(int(seconds * 10)):
            image = np.full((48, 64, 3), (i * 20) % 255, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = i
            container.mux(picture.encode(frame))
        container.mux(picture.encode(None))
        if audio is not None:
            noise = np.random.default_rng(3).random((1, 1024), dtype=np.float32) * 0.1
            for i in range(int(seconds * 22050 / 1024)):
                sound_frame = av.AudioFrame.from_ndarray(noise, format="fltp", layout="mono")
                sound_frame.sample_rate, sound_frame.pts = 22050, i * 1024
                sound_frame.time_base = fractions.Fraction(1, 22050)
                container.mux(audio.encode(sound_frame))
            container.mux(audio.encode(None))
    return out.getvalue()
