"""Noto fonts for notices: find them on disk, register them with reportlab, map text to fonts.

Static Noto files come from the system (Debian's fonts-noto-core, which `make` installs, or
the font folders of macOS and Windows) or from folders named in CIVICOPS_FONT_DIRS. The
PyPI fontpkg-noto-sans-* packages are the fallback for the scripts they cover; they are
variable fonts, so reportlab draws their default (regular) instance, and bold falls back
to regular.

`python -m notices.fonts --check` exits 1 and names what is missing.
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

# Script name -> Noto family file stem. Latin carries English, digits and punctuation.
FAMILIES: dict[str, str] = {
    "latin": "NotoSans",
    "devanagari": "NotoSansDevanagari",
    "kannada": "NotoSansKannada",
    "tamil": "NotoSansTamil",
    "telugu": "NotoSansTelugu",
    "bengali": "NotoSansBengali",
    "gujarati": "NotoSansGujarati",
    "malayalam": "NotoSansMalayalam",
    "gurmukhi": "NotoSansGurmukhi",
    "oriya": "NotoSansOriya",
}

# Notice language -> the script its text is written in.
LANGUAGE_SCRIPT: dict[str, str] = {
    "en": "latin",
    "hi": "devanagari",
    "mr": "devanagari",
    "kok": "devanagari",
    "kn": "kannada",
    "ta": "tamil",
    "te": "telugu",
    "bn": "bengali",
    "as": "bengali",
    "gu": "gujarati",
    "ml": "malayalam",
    "pa": "gurmukhi",
    "or": "oriya",
}

# Unicode blocks of the Indic scripts, used to pick a font for each run of text.
SCRIPT_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0900, 0x097F, "devanagari"),
    (0x0980, 0x09FF, "bengali"),
    (0x0A00, 0x0A7F, "gurmukhi"),
    (0x0A80, 0x0AFF, "gujarati"),
    (0x0B00, 0x0B7F, "oriya"),
    (0x0B80, 0x0BFF, "tamil"),
    (0x0C00, 0x0C7F, "telugu"),
    (0x0C80, 0x0CFF, "kannada"),
    (0x0D00, 0x0D7F, "malayalam"),
    (0xA8E0, 0xA8FF, "devanagari"),
)

# Scripts every notice deployment must have: English and the languages of the known cities.
REQUIRED_SCRIPTS = ("latin", "devanagari", "kannada", "tamil", "telugu", "bengali", "gujarati")

_FONTPKG_NAMES = {
    "latin": "Noto Sans",
    "devanagari": "Noto Sans Devanagari",
    "tamil": "Noto Sans Tamil",
    "telugu": "Noto Sans Telugu",
}

_SYSTEM_DIRS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "~/.local/share/fonts",
    "~/.fonts",
    "/Library/Fonts",
    "~/Library/Fonts",
    "/System/Library/Fonts",
    "C:/Windows/Fonts",
)


class FontMissing(RuntimeError):
    """A script needed for a notice has no font on this machine."""


@dataclass(frozen=True)
class FontFiles:
    """The regular and bold files of one script (bold may be the regular file)."""

    script: str
    regular: Path
    bold: Path


def _search_dirs() -> list[Path]:
    extra = [p for p in os.environ.get("CIVICOPS_FONT_DIRS", "").split(os.pathsep) if p]
    return [Path(p).expanduser() for p in (*extra, *_SYSTEM_DIRS)]


@cache
def _index() -> dict[str, Path]:
    """File name -> path of every .ttf/.otf in the search folders (first one wins)."""
    found: dict[str, Path] = {}
    for folder in _search_dirs():
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() in (".ttf", ".otf") and path.name not in found:
                found[path.name] = path
    return found


def _fontpkg_path(script: str) -> Path | None:
    name = _FONTPKG_NAMES.get(script)
    if name is None:
        return None
    try:
        import fontpkg  # type: ignore[import-untyped]

        return Path(fontpkg.path(name))
    except Exception:
        return None


@cache
def files_for(script: str) -> FontFiles:
    """The font files for a script; FontMissing if neither the system nor PyPI has them."""
    stem = FAMILIES[script]
    index = _index()
    regular = index.get(f"{stem}-Regular.ttf") or index.get(f"{stem}-Regular.otf")
    bold = index.get(f"{stem}-Bold.ttf") or index.get(f"{stem}-Bold.otf")
    if regular is None:
        regular = _fontpkg_path(script)
    if regular is None:
        raise FontMissing(
            f"no font for {script} text: install Noto Sans {script.title()} "
            f"({stem}-Regular.ttf), e.g. `apt-get install fonts-noto-core`, or put the file "
            "in a folder named by CIVICOPS_FONT_DIRS"
        )
    return FontFiles(script, regular, bold or regular)


def font_name(script: str, bold: bool = False) -> str:
    """The reportlab font name registered for a script."""
    return f"CivicOps-{script}-{'Bold' if bold else 'Regular'}"


_lock = threading.Lock()
_registered: set[str] = set()


def register(scripts: tuple[str, ...] | list[str] = REQUIRED_SCRIPTS) -> None:
    """Register regular and bold fonts of the scripts with reportlab (idempotent)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _lock:
        for script in scripts:
            if script in _registered:
                continue
            files = files_for(script)
            regular, bold = font_name(script), font_name(script, bold=True)
            for name, path in ((regular, files.regular), (bold, files.bold)):
                font = TTFont(name, str(path), shapable=True)
                _pin_private_codes(font)
                pdfmetrics.registerFont(font)
            pdfmetrics.registerFontFamily(regular, normal=regular, bold=bold)
            _registered.add(script)


def _pin_private_codes(font: Any) -> None:
    """Give every glyph that has no character a fixed private-use code, in glyph order.

    reportlab's shaper gives such glyphs (conjuncts, half forms, matra variants) private-use
    codes in the order it first meets them, and those codes land in the PDF's ToUnicode map:
    the same notice would then differ byte for byte between processes that shaped different
    text before it. Assigning them all at registration makes the bytes depend only on the
    text and the font file.
    """
    if not font.shapable:
        return  # no uharfbuzz: nothing is shaped, so no private codes are handed out
    face = font.face
    hb_font = font.hbFont()
    code = 0xE000
    for gid in range(len(face.hmetrics)):
        if gid in face.glyphToChar:
            continue
        while code in face.charToGlyph:
            code += 1
        if code > 0xF8FF:
            break
        face.charToGlyph[code] = gid
        face.glyphToChar[gid] = [code]
        face.charWidths[code] = face._pdfScale(hb_font.get_glyph_h_advance(gid))
        code += 1


def script_of(char: str) -> str | None:
    """The Indic script a character belongs to, or None for Latin, digits and punctuation."""
    code = ord(char)
    if code < 0x0900:
        return None
    for low, high, script in SCRIPT_RANGES:
        if low <= code <= high:
            return script
    return None


def script_runs(text: str) -> list[tuple[str, str]]:
    """Split text into (script, run) pieces; spaces and punctuation join the run they are in."""
    runs: list[tuple[str, str]] = []
    current = "latin"
    start = 0
    for i, char in enumerate(text):
        script = script_of(char)
        if script is None:
            if char.isspace() or not char.isalnum():
                continue  # neutral: stays with the current run
            script = "latin"
        if script != current:
            if i > start:
                runs.append((current, text[start:i]))
            current, start = script, i
    if start < len(text):
        runs.append((current, text[start:]))
    return runs


def main(argv: list[str]) -> int:
    """`--check`: exit 0 when every required script has a font, else name what is missing."""
    ok = True
    for script in REQUIRED_SCRIPTS:
        try:
            files = files_for(script)
        except FontMissing as exc:
            ok = False
            print(exc, file=sys.stderr)
            continue
        if "--list" in argv:
            print(f"{script}: {files.regular} | {files.bold}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
