"""Languages a complaint can be filed in: English and the scheduled languages cities use most."""

from __future__ import annotations

LANGUAGES: dict[str, str] = {
    "en": "English",
    "hi": "Hindi",
    "kn": "Kannada",
    "ta": "Tamil",
    "te": "Telugu",
    "ml": "Malayalam",
    "mr": "Marathi",
    "gu": "Gujarati",
    "bn": "Bengali",
    "pa": "Punjabi",
    "or": "Odia",
    "as": "Assamese",
    "ur": "Urdu",
    "kok": "Konkani",
}


def normalise(code: str) -> str | None:
    """The supported base language of a BCP 47 tag ("kn-IN" -> "kn"), or None."""
    base = code.strip().split("-")[0].lower()
    return base if base in LANGUAGES else None
