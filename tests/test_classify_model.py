"""The free-text classifier as a citizen meets it: its data, its accuracy, its language guesses.

Data hygiene first (every variant's files are there, big enough, labelled right, disjoint,
free of the sentences other tests use, and counted right in the SOURCES files), then the
held-out accuracy of the shipped model in every variant, the CLI that reports it, language
and script detection, BCP 47 tags, and what callers rely on: vague text is not trusted.
"""

from __future__ import annotations

import ast
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from domain.categories import CATEGORIES
from language import classify as classifier
from language import detect

DATA = Path(classifier.__file__).resolve().parent / "data"
VARIANTS: dict[str, tuple[str, str]] = {
    "en": ("en", "Latn"),
    "hi": ("hi", "Deva"),
    "hi-Latn": ("hi", "Latn"),
    "kn": ("kn", "Knda"),
    "ta": ("ta", "Taml"),
    "te": ("te", "Telu"),
    "mr": ("mr", "Deva"),
    "bn": ("bn", "Beng"),
}
SPLITS = {"train": 36, "heldout": 12}  # the fewest lines a category may have in each
CODES = [c.code for c in CATEGORIES]
KEYS = {"text", "language", "script", "category"}
VAGUE = "please send someone, it is very bad here"


def _said() -> list[tuple[str, str, str, str]]:
    """tests/test_intake_api.py's SAID, read from its source (importing it needs the stack)."""
    tree = ast.parse((Path(__file__).parent / "test_intake_api.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "SAID" for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError("tests/test_intake_api.py has no SAID")


SAID = _said()
RESERVED = [s for _, s, _, _ in SAID] + [VAGUE, "sadak par bada gaddha"]
# Vague requests written for the tests, in none of the data files.
VAGUE_SAID = [
    VAGUE,
    "Something is wrong here, please come",
    "sir please help",
    "Nobody listens to us, kindly do something",
    "कृपया जल्दी आइए",
    "ದಯವಿಟ್ಟು ಬೇಗ ಬನ್ನಿ, ತುಂಬಾ ತೊಂದರೆ ಆಗಿದೆ",
    "தயவுசெய்து உடனே வாருங்கள், மிகவும் கஷ்டமாக இருக்கிறது",
    "దయచేసి త్వరగా రండి, చాలా ఇబ్బందిగా ఉంది",
    "দয়া করে তাড়াতাড়ি আসুন, খুব সমস্যা হচ্ছে",
    "hello",
    "???",
    "लवकर या, खूप त्रास होतोय",
]


def _lines(split: str, variant: str) -> list[dict]:
    """The parsed lines of one data file."""
    path = DATA / split / f"{variant}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _counts(split: str, variant: str) -> Counter[str]:
    """How many lines each category has in one data file."""
    return Counter(row["category"] for row in _lines(split, variant))


@pytest.fixture(scope="module")
def model() -> classifier.Model:
    """The shipped model, trained once for this module."""
    return classifier.warm()


# --- the data ----------------------------------------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_variant_has_enough_train_and_heldout_lines_per_category(variant):
    for split, fewest in SPLITS.items():
        assert (DATA / split / f"{variant}.jsonl").is_file(), f"{split}/{variant}.jsonl missing"
        counts = _counts(split, variant)
        short = {c: counts[c] for c in CODES if counts[c] < fewest}
        assert not short, f"{split}/{variant}: fewer than {fewest} lines for {short}"


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_line_is_labelled_with_its_language_script_and_a_known_category(variant):
    language, script = VARIANTS[variant]
    for split in SPLITS:
        for n, row in enumerate(_lines(split, variant), start=1):
            where = f"{split}/{variant}.jsonl line {n}"
            assert set(row) == KEYS, f"{where}: keys {sorted(row)}"
            assert (row["language"], row["script"]) == (language, script), where
            assert row["category"] in CODES, f"{where}: {row['category']!r}"
            assert row["text"].strip() == row["text"] and row["text"], f"{where}: blank edges"
            assert detect.script_of(row["text"]) == script, f"{where}: {row['text']!r}"


def test_no_text_is_both_trained_on_and_held_out():
    def seen(split: str) -> set[str]:
        """Every normalised text of one split, across the variants."""
        return {classifier.normalise(row["text"]) for v in VARIANTS for row in _lines(split, v)}

    both = seen("train") & seen("heldout")
    assert not both, f"{len(both)} texts in both, e.g. {sorted(both)[:3]}"


def test_the_sentences_other_tests_say_are_in_no_data_file():
    reserved = {classifier.normalise(s) for s in RESERVED}
    for path in sorted(DATA.rglob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            text = classifier.normalise(json.loads(line)["text"])
            assert text not in reserved, f"{path.relative_to(DATA)} line {n}: {text!r}"


def _cells(line: str) -> list[str]:
    """A Markdown table row's cells, without emphasis or code marks."""
    return [c.strip().strip("`*") for c in line.strip().strip("|").split("|")]


def _statements(markdown: str) -> list[tuple[str, tuple[int, int]]]:
    """Every (train, held-out) count a SOURCES file states, for a category or "total": its table
    rows ("| pothole | 38 | 13 |") and its prose ("pothole 38/13", "445 train and 156 held-out")."""
    stated: list[tuple[str, tuple[int, int]]] = []
    for line in markdown.splitlines():
        cells = _cells(line)
        numbers = [int(c) for c in cells[1:] if re.fullmatch(r"\d+", c)]
        if cells[0].lower() in (*CODES, "total") and len(numbers) == 2:
            stated.append((cells[0].lower(), (numbers[0], numbers[1])))
    for code, train, heldout in re.findall(r"\b([a-z_]+) (\d+)/(\d+)\b", markdown):
        if code in CODES:
            stated.append((code, (int(train), int(heldout))))
    for train, heldout in re.findall(r"\b(\d+) train and (\d+) held-out\b", markdown):
        stated.append(("total", (int(train), int(heldout))))
    return stated


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_variants_sources_file_states_the_counts_its_files_have(variant):
    path = DATA / f"SOURCES-{variant}.md"
    assert path.is_file(), f"{path.name} missing"
    stated = _statements(path.read_text(encoding="utf-8"))
    train, heldout = _counts("train", variant), _counts("heldout", variant)
    actual = {c: (train[c], heldout[c]) for c in CODES}
    actual["total"] = (sum(train.values()), sum(heldout.values()))
    assert {name for name, _ in stated} == set(actual), f"{path.name} leaves some counts out"
    wrong = [(name, said, actual[name]) for name, said in stated if said != actual[name]]
    assert not wrong, f"{path.name} states (category, stated, in the files): {wrong}"


def test_the_corpus_overview_table_matches_the_files():
    text = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    for variant in VARIANTS:
        assert f"SOURCES-{variant}.md" in text, f"SOURCES.md does not link SOURCES-{variant}.md"
    header = next(line for line in text.splitlines() if line.startswith("| category"))
    assert _cells(header)[1:] == [*VARIANTS, "all"], header
    train = {v: _counts("train", v) for v in VARIANTS}
    heldout = {v: _counts("heldout", v) for v in VARIANTS}
    rows = 0
    for line in text.splitlines():
        cells = _cells(line)
        if cells[0] not in (*CODES, "total"):
            continue
        rows += 1
        for variant, cell in zip([*VARIANTS, "all"], cells[1:], strict=True):
            names = list(VARIANTS) if variant == "all" else [variant]
            codes = CODES if cells[0] == "total" else [cells[0]]
            want = (
                sum(train[v][c] for v in names for c in codes),
                sum(heldout[v][c] for v in names for c in codes),
            )
            assert cell == f"{want[0]} / {want[1]}", f"SOURCES.md {cells[0]} {variant}: {cell}"
    assert rows == len(CODES) + 1, "SOURCES.md's table needs a row per category and a total"


@pytest.mark.parametrize("language", detect.SUPPORTED)
def test_every_category_has_keywords_in_every_language(language):
    words = classifier.keywords(language)
    missing = [c for c in CODES if not words.get(c)]
    assert not missing, f"{language}: no keywords for {missing}"
    assert classifier.keywords("ml") == {} and classifier.keywords("../x") == {}


# --- the model ----------------------------------------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS)
def test_held_out_text_is_classified_right_nine_times_in_ten_in_every_variant(model, variant):
    language, script = VARIANTS[variant]
    rows = _lines("heldout", variant)
    wrong = []
    for row in rows:
        answer = classifier.classify(row["text"], language)
        assert (answer.language, answer.script) == (language, script), row["text"]
        if answer.category != row["category"]:
            wrong.append((row["text"], row["category"], answer.category))
    accuracy = 1 - len(wrong) / len(rows)
    assert accuracy >= 0.90, f"{variant}: {accuracy:.3f}; e.g. {wrong[:5]}"


@pytest.mark.parametrize(("language", "said", "script", "category"), SAID)
def test_what_the_intake_tests_say_is_classified_right_with_no_hint(
    model, language, said, script, category
):
    answer = classifier.classify(said)
    assert (answer.category, answer.language, answer.script) == (category, language, script)
    assert answer.confidence >= classifier.CONFIDENT


@pytest.mark.parametrize("vague", VAGUE_SAID)
def test_vague_text_is_not_sure_enough_to_skip_triage(model, vague):
    answer = classifier.classify(vague, "en" if vague.isascii() else None)
    assert answer.confidence < classifier.CONFIDENT, answer


@pytest.mark.parametrize("text", [SAID[2][1], VAGUE, "tree", "!!!", "ಕಸ " * 500])
def test_alternatives_are_the_next_best_most_likely_first(model, text):
    answer = classifier.classify(text)
    others = [a.confidence for a in answer.alternatives]
    assert len(answer.alternatives) == 3 and others == sorted(others, reverse=True)
    assert all(c <= answer.confidence for c in others)
    assert answer.category not in [a.category for a in answer.alternatives]
    assert 0.0 < answer.confidence <= 1.0


def test_training_twice_gives_the_same_model():
    files = [DATA / "train" / "kn.jsonl", DATA / "train" / "hi-Latn.jsonl"]
    one, two = classifier.train(files, None), classifier.train(files, None)
    for text in ("ಬೀದಿ ದೀಪ ಉರಿಯುತ್ತಿಲ್ಲ", "naali band hai"):
        assert one.probabilities(text) == two.probabilities(text)


# --- texts that name no problem ----------------------------------------------------------


def _vague(split: str, variant: str) -> list[dict]:
    """The parsed lines of one vague-text file (category `unclear`)."""
    path = DATA / "vague" / split / f"{variant}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_variant_has_vague_texts_labelled_unclear_apart_from_the_tests(variant):
    language, script = VARIANTS[variant]
    train, heldout = _vague("train", variant), _vague("heldout", variant)
    assert len(train) >= 30 and len(heldout) >= 10, (len(train), len(heldout))
    for row in train + heldout:
        assert set(row) == KEYS and row["category"] == classifier.UNCLEAR, row
        assert (row["language"], row["script"]) == (language, script), row
    texts = [classifier.normalise(r["text"]) for r in train + heldout]
    assert len(set(texts)) == len(texts), "a vague text is written twice"
    reserved = {classifier.normalise(t) for t in RESERVED + VAGUE_SAID}
    assert not reserved & set(texts)
    sources = (DATA / "vague" / f"SOURCES-{variant}.md").read_text(encoding="utf-8")
    assert f"{len(train)} train and {len(heldout)} held-out" in sources


@pytest.mark.parametrize("variant", VARIANTS)
def test_held_out_vague_text_goes_to_a_person_in_every_variant(model, variant):
    language, _ = VARIANTS[variant]
    rows = _vague("heldout", variant)
    trusted = [
        (r["text"], answer.category, answer.confidence)
        for r in rows
        if (answer := classifier.classify(r["text"], language)).confidence >= classifier.CONFIDENT
    ]
    assert len(trusted) <= len(rows) // 10, f"{variant}: classified as sure: {trusted}"


def test_evaluate_counts_vague_texts_sent_to_triage(model):
    vague = DATA / "vague" / "heldout"
    result = CliRunner().invoke(cli, ["classify", "evaluate", str(vague / "en.jsonl")])
    assert result.exit_code == 0, result.output
    assert re.search(r"^vague \(no problem named\): \d+ of \d+ sent to triage", result.output,
                     re.M), result.output  # fmt: skip
    assert "macro-F1" not in result.output  # no category lines: no category figures


# --- the CLI ------------------------------------------------------------------------------


def test_evaluate_prints_accuracy_per_language_and_macro_f1(model):
    heldout = DATA / "heldout"
    result = CliRunner().invoke(
        cli, ["classify", "evaluate", str(heldout / "kn.jsonl"), str(heldout / "hi.jsonl"),
              str(heldout / "hi-Latn.jsonl")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = {line.split("  ")[0].strip(): line.split() for line in result.output.splitlines()}
    assert {"kn", "hi (Deva)", "hi (Latn)", "overall"} <= set(rows), result.output
    assert int(rows["kn"][1]) == len(_lines("heldout", "kn")) and float(rows["kn"][2]) >= 0.9
    assert re.search(r"^macro-F1 0\.9\d\d$", result.output, re.M), result.output


@pytest.mark.parametrize(
    ("lines", "named"),
    [
        (['{"text": "pothole", "language": "en", "category": "pothole"}', "{not json"], "line 2"),
        (['{"text": "gaddha", "language": "hi", "category": "potholes"}'], "line 1"),
        (['{"text": "gaddha", "language": "ml", "category": "pothole"}'], "line 1"),
        (["", '{"text": "", "language": "en", "category": "pothole"}'], "line 2"),
        (['["text"]'], "line 1"),
    ],
)
def test_evaluate_refuses_a_malformed_line_naming_it(tmp_path, lines, named):
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["classify", "evaluate", str(path)])
    assert result.exit_code == 2, result.output
    assert f"bad.jsonl {named}:" in result.output


# --- language and script ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "script"),
    [
        ("Garbage has been lying at the corner of our lane since Monday", "en", "Latn"),
        ("हमारे मोहल्ले में नाली का पानी सड़क पर बह रहा है", "hi", "Deva"),
        ("hamari gali mein do hafte se batti nahi jal rahi", "hi", "Latn"),
        ("yahan bahut machhar hai, koi dawai nahi daali", "hi", "Latn"),
        ("ನಮ್ಮ ಬೀದಿಯಲ್ಲಿ ಕಸವನ್ನು ಯಾರೂ ತೆಗೆದುಕೊಂಡು ಹೋಗಿಲ್ಲ", "kn", "Knda"),
        ("எங்கள் பகுதியில் இரண்டு நாட்களாக குடிநீர் வரவில்லை", "ta", "Taml"),
        ("మా కాలనీలో చెత్త ఎవరూ తీసుకెళ్లడం లేదు", "te", "Telu"),
        ("आमच्या गल्लीत तीन दिवसांपासून पाणी आलेले नाही", "mr", "Deva"),
        ("रस्त्यावर झाड पडले आहे, वाहतूक बंद आहे", "mr", "Deva"),
        ("सड़क पर पेड़ गिर गया है, रास्ता बंद है", "hi", "Deva"),
        ("আমাদের রাস্তায় বড় গর্ত হয়েছে, রিকশা উল্টে যাচ্ছে", "bn", "Beng"),
        ("The park's tap has been dry since yesterday", "en", "Latn"),
    ],
)
def test_the_language_and_script_of_a_sentence_are_recognised(text, language, script):
    found = detect.detect(text)
    assert (found.language, found.script) == (language, script)
    assert 0.0 <= found.confidence <= 1.0


def test_a_hint_names_the_language_and_the_script_is_still_measured():
    assert detect.detect("pothole near gate", "kn") == detect.Detected("kn", "Latn", 1.0)
    assert detect.detect("कचरा", "mr").language == "mr"
    assert detect.detect("कचरा", "ml").script == "Deva"  # not a supported hint: detected
    assert detect.script_of("123 !!! ...") == "Zyyy"
    assert detect.script_of("bus stop ಬಳಿ ಕಸ ಬಿದ್ದಿದೆ") == "Knda"  # most letters win


@pytest.mark.parametrize(
    ("tag", "language"),
    [
        ("hi", "hi"), ("HI", "hi"), ("hi-Latn", "hi"), ("kn-IN", "kn"), ("ta_IN", "ta"),
        (" bn-IN ", "bn"), ("mr-Deva-IN", "mr"), ("en-GB", "en"), ("ml", None), ("ml-IN", None),
        ("", None), ("-", None), ("hi-", None), ("xx-YY", None), ("hi-Latn-" + "a" * 30, None),
        ("hi;drop", None), ("हि", None), ("te-toolongsubtag", None),
    ],
)  # fmt: skip
def test_a_language_tag_names_its_base_language_when_the_classifier_reads_it(tag, language):
    assert detect.parse_language(tag) == language
