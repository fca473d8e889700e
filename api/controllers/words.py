"""Free text in Indian languages: which category a citizen's words name (POST /v1/classify)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import msgspec
from litestar import Controller, post
from litestar.params import JSONBody
from msgspec import Meta

from api.auth import roles
from api.errors import FieldError
from domain import text
from domain.roles import Role
from language import classify as classifier
from language import detect

MAX_TEXT_CHARS = 2000
CLASSIFIERS = roles(Role.CITIZEN_APP, Role.INTEGRATOR, Role.SUPERVISOR, Role.AUDITOR, Role.OFFICIAL)


class ClassifyIn(msgspec.Struct, forbid_unknown_fields=True):
    """Free text a citizen typed, and the language the app thinks it is in (optional)."""

    text: Annotated[str, Meta(max_length=MAX_TEXT_CHARS * 2)]
    language: Annotated[str, Meta(max_length=12, examples=["kn", "hi-IN"])] | None = None


class Alternative(msgspec.Struct):
    """A less likely category, with its probability."""

    category: str
    confidence: float


class ClassifyOut(msgspec.Struct):
    """The category the words most likely name, how sure, and what else they might name."""

    category: str
    confidence: float
    confident: bool  # sure enough that a filing without a category takes this one
    language: str
    script: str  # ISO 15924: Latn, Deva, Knda, Taml, Telu, Beng
    alternatives: list[Alternative]


def classifier_language(tag: str | None, field: str = "language") -> str | None:
    """The classifier's language for an app's BCP 47 tag; 400 naming `field` if it has none."""
    if tag is None:
        return None
    language = detect.parse_language(tag)
    if language is None:
        raise FieldError(
            field,
            f"{tag!r} is not a language the classifier reads; use one of "
            f"{', '.join(detect.SUPPORTED)}",
        )
    return language


class WordsController(Controller):
    """Classify free text typed in any listed language or script."""

    tags = ["language"]

    @post(
        "/v1/classify",
        operation_id="classifyText",
        opt=CLASSIFIERS,
        status_code=200,
        summary="Which category free text names",
    )
    async def classify(self, data: JSONBody[ClassifyIn]) -> ClassifyOut:
        """Classify a citizen's words in any listed language or script into a category."""
        return await classify_text(data)


async def classify_text(data: ClassifyIn) -> ClassifyOut:
    """The classifier's answer for `data` (the API route and the report page share it)."""
    words = text.clean(data.text, "text", required=True) or ""
    if len(words) > MAX_TEXT_CHARS:
        raise FieldError("text", f"must be at most {MAX_TEXT_CHARS} characters")
    hint = classifier_language(data.language)
    answer = await asyncio.to_thread(classifier.classify, words, hint)
    return ClassifyOut(
        category=answer.category,
        confidence=round(answer.confidence, 4),
        confident=answer.confidence >= classifier.CONFIDENT,
        language=answer.language,
        script=answer.script,
        alternatives=[Alternative(a.category, round(a.confidence, 4)) for a in answer.alternatives],
    )
