"""What counts as free text a person wrote: the one rule every door checks it by.

A description, a reason or a note is stored, printed on signed notices and shown to
officials, so it must be text that can be stored and read: no NUL (PostgreSQL text cannot
hold one), valid Unicode (no lone surrogates; UTF-8 cannot encode them), and at least one
visible character. Other control characters are kept and made safe where they are shown
(XML drops what it cannot hold). Text made only of spaces or of invisible
characters (zero-width space, joiners, BOM, word joiner, Hangul fillers, ...) is empty.
Zero-width joiners inside real text are kept: Indian scripts need them.
"""

from __future__ import annotations

import unicodedata

# Characters that are letters or symbols to Unicode but draw nothing.
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e")


class TextError(ValueError):
    """Text that breaks the rule; `field` names where it was found."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def problem(text: str) -> str | None:
    """What makes the text unstorable anywhere (a NUL, a lone surrogate), or None."""
    if "\x00" in text:
        return "must not contain NUL characters"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "is not valid Unicode text (it holds a lone surrogate)"
    return None


def is_visible(text: str) -> bool:
    """True when at least one character draws something."""
    for ch in text:
        if ch.isspace() or ch in _BLANK:
            continue
        if unicodedata.category(ch)[0] not in "CZ":
            return True
    return False


def clean(text: str | None, field: str, *, required: bool = False) -> str | None:
    """The text stripped, or None when absent or invisible; TextError when unacceptable.

    `required` text that is absent or invisible is an error naming the field.
    """
    if text is None:
        if required:
            raise TextError(field, "is required")
        return None
    if (why := problem(text)) is not None:
        raise TextError(field, why)
    stripped = text.strip()
    if not is_visible(stripped):
        if required:
            raise TextError(field, "must not be empty (it holds no visible character)")
        return None
    return stripped
