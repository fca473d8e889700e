"""The strings of the citizens' pages, in every page language.

Part of the one word catalogue: domain/words.py merges these into UI, and a test checks that
each language has the same keys.
"""

from __future__ import annotations

CITIZEN_UI: dict[str, dict[str, str]] = {
    "en": {},
    "kn": {},
}
