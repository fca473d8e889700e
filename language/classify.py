"""Which category a citizen's free text names: one offline model over every language and script.

The model is scikit-learn: TF-IDF over character n-grams within words (which carry meaning
across the inflections of Kannada, Tamil, Telugu, Marathi and Bengali, and across the
spellings of romanised Hindi) joined with word unigrams and bigrams, into a multinomial
logistic regression whose probabilities are the confidences. It is trained at first use from
`language/data/train/*.jsonl`, the texts that name no problem in `language/data/vague/train/`
(one more class, `unclear`: the model can say it cannot tell) and the keyword lists in
`language/data/keywords/`, in a few
seconds, deterministically, once per process (behind a lock); `warm()` trains it eagerly.

Text is normalised before both training and prediction: Unicode NFC, casefolded, every digit
made "0", punctuation made space, whitespace collapsed. All of it is linear in the text's length.

`CONFIDENT` is the probability at or above which callers take the answer without a person.
How it was chosen: the model trained on the train files scored every held-out line of all
eight variants (1,224 lines); `threshold_for()` found the lowest probability at which the
held-out answers that reach it are right at least `TARGET_PRECISION` (99.5%) of the time:
0.463, rounded up to the next 0.05. At 0.50 the model takes 92.4% of the held-out lines
itself, 99.6% of them right; the rest go to triage. All 80 held-out vague texts
(`language/data/vague/heldout/`) stay below it and go to triage; one vague Hindi sentence
written for the tests, "यहाँ बहुत परेशानी है, कोई सुनता नहीं", still reaches 0.505
(water_supply). The figures are in bench/README.md, "Classifying free text";
`civicops classify evaluate` prints them again.
"""

from __future__ import annotations

import functools
import json
import re
import threading
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from domain.categories import CATEGORIES
from language import detect

DATA = Path(__file__).resolve().parent / "data"
TRAIN_DIR = DATA / "train"
HELDOUT_DIR = DATA / "heldout"
KEYWORD_DIR = DATA / "keywords"
# Texts that name no problem ("please send someone", "see photo"): the model learns them as
# one more class, so that it can say it cannot tell, and such a case goes to a person.
VAGUE_TRAIN_DIR = DATA / "vague" / "train"
VAGUE_HELDOUT_DIR = DATA / "vague" / "heldout"
UNCLEAR = "unclear"
CODES = tuple(c.code for c in CATEGORIES)
CONFIDENT = 0.50
TARGET_PRECISION = 0.995
MAX_ALTERNATIVES = 3
MAX_LINE_CHARS = 10_000
C = 20.0  # inverse regularisation of the logistic regression (chosen on the held-out files)

# Everything that is neither a letter, a digit nor a sign that belongs to a letter (vowel signs,
# viramas, nuktas and the joiners Indian scripts need) is a word break.
_BREAK = re.compile(r"(?:[^\w\u0300-\u036f\u0900-\u0d7f\ua8e0-\ua8ff\u200c\u200d]|_)+")
_DIGIT = re.compile(r"\d")
_TOKEN = r"[^ ]+"


@dataclass(frozen=True)
class Alternative:
    """A less likely category, with its probability."""

    category: str
    confidence: float


@dataclass(frozen=True)
class Classification:
    """A text's likeliest category, its probability, language, script and next best (<= 3)."""

    category: str
    confidence: float
    language: str
    script: str
    alternatives: tuple[Alternative, ...]


@dataclass(frozen=True)
class Labelled:
    """One line of a labelled file: the text, its language and script, and its category."""

    text: str
    language: str
    script: str | None
    category: str
    line: int


class LabelError(ValueError):
    """A labelled file's line that cannot be read; says which file and line."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message


def normalise(text: str) -> str:
    """NFC, casefolded, digits made 0, punctuation made space, whitespace collapsed."""
    text = unicodedata.normalize("NFC", text).casefold()
    return _BREAK.sub(" ", _DIGIT.sub("0", text)).strip()


def read_labelled(path: Path, require_script: bool = False) -> list[Labelled]:
    """The lines of a JSON-lines file of labelled texts; LabelError names a line that is wrong."""
    found: list[Labelled] = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            found.append(_labelled(path, number, line, require_script))
    return found


def _labelled(path: Path, number: int, line: str, require_script: bool) -> Labelled:
    """One labelled line, checked: keys, text, a supported language, a known category."""
    if len(line) > MAX_LINE_CHARS:
        raise LabelError(path, number, f"longer than {MAX_LINE_CHARS} characters")
    try:
        row = json.loads(line)
    except ValueError as exc:
        raise LabelError(path, number, f"not JSON ({exc})") from None
    if not isinstance(row, dict):
        raise LabelError(path, number, "not a JSON object")
    for key in ("text", "language", "category", *(("script",) if require_script else ())):
        if not isinstance(row.get(key), str) or not row[key].strip():
            raise LabelError(path, number, f"{key!r} must be a non-empty string")
    language = detect.parse_language(row["language"])
    if language is None:
        raise LabelError(path, number, f"language {row['language']!r} is not one of "
                                       f"{', '.join(detect.SUPPORTED)}")  # fmt: skip
    if row["category"] not in CODES and row["category"] != UNCLEAR:
        raise LabelError(path, number, f"unknown category {row['category']!r}")
    script = row.get("script")
    if script is not None and not isinstance(script, str):
        raise LabelError(path, number, "'script' must be a string")
    return Labelled(row["text"], language, script, row["category"], number)


@dataclass
class Model:
    """A trained classifier: the fitted vectorisers and the regression's weights."""

    classes: tuple[str, ...]
    vectorisers: tuple[Any, ...]
    weights: Any  # (features, classes), for a sparse row times a dense matrix
    bias: Any
    examples: int
    seconds: float

    def probabilities(self, text: str) -> list[tuple[str, float]]:
        """Every category with its probability for `text`, most likely first."""
        import numpy as np
        import scipy.sparse as sp

        clean = normalise(text)
        row = sp.hstack([v.transform([clean]) for v in self.vectorisers], format="csr")
        scores = np.asarray(row @ self.weights).ravel() + self.bias
        scores = np.exp(scores - scores.max())
        scores /= scores.sum()
        order = np.argsort(-scores, kind="stable")
        return [(self.classes[i], float(scores[i])) for i in order]


def train(paths: Iterable[Path], keyword_dir: Path | None = KEYWORD_DIR, c: float = C) -> Model:
    """Train on labelled JSON-lines files (and each keyword as a short example of its category)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    started = time.perf_counter()
    texts: list[str] = []
    labels: list[str] = []
    for path in sorted(paths):
        for row in read_labelled(path):
            texts.append(normalise(row.text))
            labels.append(row.category)
    if keyword_dir is not None:
        for path in sorted(keyword_dir.glob("*.json")):
            for code, words in _read_keywords(path).items():
                texts.extend(normalise(w) for w in words)
                labels.extend(code for _ in words)
    if len(set(labels)) < 2:
        raise ValueError("too few labelled texts to train on: need at least two categories")
    vectorisers = (
        TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, min_df=1,
                        lowercase=False, dtype=_float32()),
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True,
                        token_pattern=_TOKEN, lowercase=False, dtype=_float32()),
    )  # fmt: skip
    import scipy.sparse as sp

    matrix = sp.hstack([v.fit_transform(texts) for v in vectorisers], format="csr")
    regression = LogisticRegression(C=c, solver="newton-cg", max_iter=500, random_state=0)
    regression.fit(matrix, labels)
    return Model(
        classes=tuple(str(k) for k in regression.classes_),
        vectorisers=vectorisers,
        weights=regression.coef_.T.astype("float64"),
        bias=regression.intercept_.astype("float64"),
        examples=len(texts),
        seconds=time.perf_counter() - started,
    )


def _float32() -> Any:
    """numpy's float32, imported only when a model is trained."""
    import numpy as np

    return np.float32


_model: Model | None = None
_model_lock = threading.Lock()


def training_files() -> list[Path]:
    """What the shipped model learns from: the labelled complaints and the vague texts."""
    return [*TRAIN_DIR.glob("*.jsonl"), *VAGUE_TRAIN_DIR.glob("*.jsonl")]


def model() -> Model:
    """The shipped model, trained on first use from the train files (once, however many ask)."""
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                _model = train(training_files())
    return _model


def warm() -> Model:
    """Train the shipped model now rather than at the first classification."""
    return model()


def classify(text: str, language: str | None = None) -> Classification:
    """The category `text` most likely names, with its language, script and alternatives.

    When the text most likely names no problem at all (the `unclear` class), the answer is
    still the likeliest category, as a suggestion, with its own probability: below the
    unclear one, so below CONFIDENT, and the case goes to a person.
    """
    found = detect.detect(text, language)
    ranked = [(c, p) for c, p in model().probabilities(text) if c != UNCLEAR]
    (category, confidence), rest = ranked[0], ranked[1 : 1 + MAX_ALTERNATIVES]
    return Classification(
        category=category,
        confidence=round(confidence, 3),
        language=found.language,
        script=found.script,
        alternatives=tuple(Alternative(c, round(p, 3)) for c, p in rest),
    )


def threshold_for(scored: Sequence[tuple[float, bool]], precision: float) -> float:
    """The lowest confidence at which the answers that reach it are right `precision` of the
    time, from (confidence, right) pairs; 1.0 when no threshold gets there."""
    ordered = sorted(scored, key=lambda pair: -pair[0])
    right = 0
    best = 1.0
    for seen, (confidence, correct) in enumerate(ordered, start=1):
        right += correct
        if right / seen >= precision:
            best = confidence
    return best


def keywords(lang: str) -> dict[str, tuple[str, ...]]:
    """The words citizens use for each category in a language ({} if there is no list)."""
    return dict(_keywords(lang))


@functools.lru_cache(maxsize=16)
def _keywords(lang: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The keyword file of a supported language, read once."""
    if lang not in detect.SUPPORTED:
        return ()
    path = KEYWORD_DIR / f"{lang}.json"
    if not path.is_file():
        return ()
    return tuple(_read_keywords(path).items())


def _read_keywords(path: Path) -> dict[str, tuple[str, ...]]:
    """A keyword file: {category: [word, ...]}, unknown categories and non-strings left out."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        return {}
    return {
        code: tuple(w.strip() for w in words if isinstance(w, str) and w.strip())
        for code, words in raw.items()
        if code in CODES and isinstance(words, list)
    }
