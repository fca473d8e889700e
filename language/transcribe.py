"""Transcription behind one interface: a machine where one exists offline, else a person.

English is recognised by pocketsphinx with the en-US acoustic model, dictionary and language
model its PyPI wheel ships (nothing is downloaded). No offline recogniser exists for the
Indian languages CivicOps takes, so `transcriber_for` gives `HumanQueue` for them: it always
answers None, and the workflow puts the case in the human transcription queue. Setting
CIVICOPS_ASR=off sends every language there (a city that wants people to hear every note).

Recognisers take what `activities.audio.decode_pcm16k` makes: mono 16 kHz signed 16-bit
little-endian PCM.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from domain.languages import normalise

ASR_ENV = "CIVICOPS_ASR"  # "off" (or "0", "no", "false"): every note goes to a person
_FILLER = re.compile(r"^(<.*>|\[.*\]|\+\+.*\+\+)$")  # <s>, </s>, <sil>, [NOISE], ++NOISE++
_ALTERNATE = re.compile(r"\(\d+\)$")  # "the(2)": the dictionary's second pronunciation


@dataclass
class MachineTranscript:
    """What a recogniser heard: the words, how sure it is (0..1), and which engine it was."""

    text: str
    confidence: float
    engine: str


class Transcriber(Protocol):
    """Something that turns a voice note's PCM into words, for the languages it names."""

    name: str
    languages: tuple[str, ...]

    def transcribe(self, pcm16k: bytes, language: str) -> MachineTranscript | None:
        """The words of mono 16 kHz s16le PCM, or None when there are none (or no machine)."""
        ...


class HumanQueue:
    """No machine: every language, always None, so a person transcribes the note."""

    name = "human-queue"
    languages: tuple[str, ...] = ("*",)

    def transcribe(self, pcm16k: bytes, language: str) -> MachineTranscript | None:
        """Always None: a person transcribes it."""
        return None


def _dithered(pcm16k: bytes) -> bytes:
    """The PCM with pocketsphinx's own dither (+1 on a quarter of the samples), seeded fixed.

    Decoded files carry runs of exact digital silence (encoders' padding, synthetic speech),
    whose log energy the recogniser's features cannot take; dither fixes that. Pocketsphinx's
    `-dither` seeds from the clock and carries its generator across utterances, so the same
    note could read differently twice; this one gives the same words for the same note.
    """
    samples = np.frombuffer(pcm16k[: len(pcm16k) // 2 * 2], dtype="<i2").astype(np.int32)
    noise = np.random.default_rng(0).integers(0, 4, samples.size) == 0
    return np.clip(samples + noise, -32768, 32767).astype("<i2").tobytes()


class PocketsphinxTranscriber:
    """English by pocketsphinx's bundled en-US model; one decoder per process, behind a lock.

    Confidence is the mean posterior probability of the recognised words (fillers such as
    silences and noises left out): pocketsphinx computes each word's posterior from the
    utterance's word lattice (forward-backward), so 1.0 means no other word in the lattice
    competed for that stretch of sound. The whole-utterance posterior (`hyp().prob`) shrinks
    with every word and says little about a 2-minute note, so it is not used.

    The same note always gives the same words and confidence: the feature extractor is
    re-initialised before each note (pocketsphinx's live cepstral mean otherwise carries over
    from the previous one), and the dither is seeded fixed.
    """

    name = "pocketsphinx-en-us"
    languages: tuple[str, ...] = ("en",)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._decoder: Any = None

    def _load(self) -> Any:
        """The decoder, loaded on first use (about 0.3 s and 40 MB); call with the lock held."""
        if self._decoder is None:
            from pocketsphinx import Decoder, get_model_path

            model = os.path.join(get_model_path(), "en-us")
            self._decoder = Decoder(
                hmm=os.path.join(model, "en-us"),
                lm=os.path.join(model, "en-us.lm.bin"),
                dict=os.path.join(model, "cmudict-en-us.dict"),
                samprate=16000,
                loglevel="FATAL",
            )
        return self._decoder

    def transcribe(self, pcm16k: bytes, language: str) -> MachineTranscript | None:
        """The English words of the PCM with their mean word posterior; None if none were heard."""
        if normalise(language) not in self.languages or len(pcm16k) < 2:
            return None
        pcm = _dithered(pcm16k)
        with self._lock:
            decoder = self._load()
            decoder.reinit_feat()  # a fresh CMN: no note's words depend on the notes before it
            decoder.start_utt()
            decoder.process_raw(pcm, no_search=False, full_utt=True)
            decoder.end_utt()
            hypothesis = decoder.hyp()
            text = " ".join((hypothesis.hypstr if hypothesis is not None else "").split())
            posteriors = [
                min(max(float(seg.prob), 0.0), 1.0)
                for seg in decoder.seg()
                if not _FILLER.match(_ALTERNATE.sub("", seg.word))
            ]
        if not text:
            return None
        confidence = sum(posteriors) / len(posteriors) if posteriors else 0.0
        return MachineTranscript(text, round(confidence, 4), self.name)


_POCKETSPHINX = PocketsphinxTranscriber()
_HUMAN = HumanQueue()


def asr_enabled() -> bool:
    """False when CIVICOPS_ASR turns machine transcription off."""
    return os.environ.get(ASR_ENV, "on").strip().lower() not in ("off", "0", "no", "false")


def transcriber_for(language: str) -> Transcriber:
    """The recogniser for a language: pocketsphinx for English, else (or if off) HumanQueue."""
    if asr_enabled() and normalise(language) in _POCKETSPHINX.languages:
        return _POCKETSPHINX
    return _HUMAN
