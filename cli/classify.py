"""`civicops classify`: how well the free-text classifier names categories on labelled files.

    civicops classify evaluate language/data/heldout/kn.jsonl [MORE.jsonl ...]

Each line is {"text", "language", "category"} ("script" optional; measured when absent). Every
text is classified with its language as the hint, as an app that knows its user's language
would ask. The table gives the count and accuracy per language, per variant where a language
is written in more than one script (`hi (Deva)`, `hi (Latn)`), then the overall accuracy,
the macro-F1 over the categories, and how many answers reach CONFIDENT and how often those
are right. Lines of the category `unclear` (language/data/vague/: texts that name no problem)
count as right when the answer is below CONFIDENT, so that the case would go to a person.
A malformed line or an unknown category stops it with exit status 2, naming the file and
line.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import click

MAX_FILE_BYTES = 50 * 1024 * 1024
FILES = click.Path(exists=True, dir_okay=False, path_type=Path)


class BadInput(click.ClickException):
    """Input that cannot be evaluated: exits with status 2 and says why."""

    exit_code = 2


@click.group()
def classify() -> None:
    """The free-text category classifier: evaluate it on labelled lines."""


@classify.command()
@click.argument("files", nargs=-1, required=True, type=FILES)
def evaluate(files: tuple[Path, ...]) -> None:
    """Classify every labelled line of FILES and print accuracy per language and macro-F1."""

    from language import classify as classifier

    rows = []
    for path in files:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise BadInput(f"{path}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; split it")
        try:
            rows.extend(classifier.read_labelled(path))
        except classifier.LabelError as exc:
            raise BadInput(f"{exc.path} line {exc.line}: {exc.message}") from None
        except UnicodeDecodeError as exc:
            raise BadInput(f"{path}: not UTF-8 text ({exc.reason})") from None
    if not rows:
        raise BadInput("no labelled lines in " + ", ".join(str(p) for p in files))
    model = classifier.warm()
    click.echo(f"model: {model.examples:,} training examples, trained in {model.seconds:.1f} s")
    named = [row for row in rows if row.category != classifier.UNCLEAR]
    vague = [row for row in rows if row.category == classifier.UNCLEAR]
    if named:
        _categories(named)
    if vague:  # right when the answer is not trusted: the case goes to a person
        sent = sum(
            classifier.classify(row.text, row.language).confidence < classifier.CONFIDENT
            for row in vague
        )
        click.echo(
            f"vague (no problem named): {sent} of {len(vague)} sent to triage "
            f"({sent / len(vague):.1%})"
        )


def _categories(rows: list[Any]) -> None:
    """Accuracy per variant, macro-F1 and the confident share of lines that name a category."""
    from sklearn.metrics import f1_score

    from language import classify as classifier
    from language import detect

    truth, guesses, confidences = [], [], []
    groups: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for row in rows:
        answer = classifier.classify(row.text, row.language)
        script = row.script or detect.script_of(row.text)
        truth.append(row.category)
        guesses.append(answer.category)
        confidences.append((answer.confidence, answer.category == row.category))
        groups[(row.language, script)].append(answer.category == row.category)
    scripts_of: dict[str, set[str]] = defaultdict(set)
    for language, script in groups:
        scripts_of[language].add(script)
    click.echo(f"{'variant':<12} {'lines':>6} {'accuracy':>9}")
    for language, script in sorted(groups):
        right = groups[(language, script)]
        name = f"{language} ({script})" if len(scripts_of[language]) > 1 else language
        click.echo(f"{name:<12} {len(right):>6} {sum(right) / len(right):>9.3f}")
    accuracy = sum(t == g for t, g in zip(truth, guesses, strict=True)) / len(truth)
    macro = f1_score(truth, guesses, average="macro", zero_division=0)
    click.echo(f"{'overall':<12} {len(truth):>6} {accuracy:>9.3f}")
    click.echo(f"macro-F1 {macro:.3f}")
    sure = [right for confidence, right in confidences if confidence >= classifier.CONFIDENT]
    sure_accuracy = f"{sum(sure) / len(sure):.3f}" if sure else "-"
    click.echo(
        f"confident (>= {classifier.CONFIDENT:.2f}): {len(sure)} of {len(truth)} "
        f"({len(sure) / len(truth):.1%}), accuracy {sure_accuracy}; the threshold that gives "
        f"{classifier.TARGET_PRECISION:.1%} here: "
        f"{classifier.threshold_for(confidences, classifier.TARGET_PRECISION):.3f}"
    )
