"""Text on the notice page: script runs, shaped glyph runs, measured pieces, wrapped lines.

Each string is split into script runs (`fonts.script_runs`, dandas kept with the text they
end); Indic runs are shaped once with reportlab's `shapeStr` (HarfBuzz, through uharfbuzz)
and cut into words at their space glyphs, Latin runs are measured with the font metrics, and
lines are filled greedily, cut between syllables when a word is wider than the line. Every
box has a line cap; a cut paragraph ends in an ellipsis. `wrap_fixed` caches the layout of
fixed strings (labels, titles, instructions) per process; with the fonts' private-use codes
pinned at registration (see `fonts._pin_private_codes`) the result depends only on the text.

`Page` is the pen the layout draws with: shapes on the canvas, and every laid-out line into
one text object that goes on the page last.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import ShapedStr, shapeStr
from reportlab.pdfgen.canvas import Canvas

from notices import fonts

ELLIPSIS = "…"
MONO = "Courier"  # key id, digest and URL: a standard font, nothing to embed
EMBOLDEN_STROKE = 0.35  # pt; bold Indic text is the regular font filled and stroked


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of text in one font: a plain str (Latin) or a ShapedStr (Indic), and its width."""

    font: str
    size: float
    text: str
    width: float
    space: bool = False
    source: str | None = None  # the shaped run a ShapedStr slice came from (for breaking)
    embolden: bool = False  # bold drawn by stroking the regular font (see font_runs)


Line = tuple[Piece, ...]
Spans = tuple[tuple[str, bool], ...]  # (text, bold) pieces of one paragraph


@lru_cache(maxsize=32)
def _script_font(script: str) -> str:
    """The script to draw with: itself if a font can be registered, else Latin."""
    try:
        fonts.register((script,))
    except (fonts.FontMissing, KeyError):
        return "latin"
    return script


# The dandas (U+0964/5) sit in the Devanagari block but end sentences in Bengali, Gurmukhi,
# Oriya and others too; they stay with the script of the text they end.
_SHARED_MARKS = frozenset("\u0964\u0965")


def _script_runs(text: str) -> list[tuple[str, str]]:
    """fonts.script_runs, with dandas kept with the script before them.

    A script with no font on this machine is drawn with the Latin font.
    """
    runs: list[tuple[str, str]] = []
    for script, run in fonts.script_runs(text):
        script = _script_font(script)
        if runs:
            prev_script, prev_run = runs[-1]
            shared = script == "devanagari" and prev_script not in ("latin", "devanagari")
            if shared and all(c in _SHARED_MARKS or not c.isalnum() for c in run):
                script = prev_script
            if script == prev_script:
                runs[-1] = (script, prev_run + run)
                continue
        runs.append((script, run))
    return runs


# Scripts whose Noto design looks small next to Noto Sans at the same size are drawn larger.
_SIZE_SCALE = {fonts.font_name("gujarati", bold): 1.1 for bold in (False, True)}


def font_runs(text: str, bold: bool) -> list[tuple[str, str, bool]]:
    """(font name, text, shape?) runs; characters an Indic font lacks fall back to Latin.

    Indic text always uses the regular font: bold Indic is drawn by also stroking the
    outlines, which saves embedding a second subset per script (~1.3 ms a page).
    """
    out: list[tuple[str, str, bool]] = []
    latin = fonts.font_name("latin", bold)
    for script, run in _script_runs(text):
        if script == "latin":
            out.append((latin, run, False))
            continue
        name = fonts.font_name(script)
        charmap = pdfmetrics.getFont(name).face.charToGlyph
        start = 0
        for i, char in enumerate(run):
            if ord(char) not in charmap:  # e.g. '@' or '`' inside Indic text
                if i > start:
                    out.append((name, run[start:i], True))
                out.append((latin, char, False))
                start = i + 1
        if start < len(run):
            out.append((name, run[start:], True))
    return out


def _shape(text: str, font: str, size: float) -> tuple[str, tuple[float, ...]]:
    """Shape an Indic run: the string to draw and the advance of each of its glyphs."""
    shaped = shapeStr(text, font, size)
    if isinstance(shaped, ShapedStr):
        scale = size / 1000
        return shaped, tuple(sd.x_advance * scale for sd in shaped.__shapeData__)
    return text, tuple(pdfmetrics.stringWidth(c, font, size) for c in text)


def _atoms(text: str, size: float, bold: bool) -> list[Piece | None]:
    """Words and spaces of a paragraph as pieces; None marks a hard line break."""
    out: list[Piece | None] = []
    for n, paragraph in enumerate(text.split("\n")):
        if n:
            out.append(None)
        for font, run, shaped in font_runs(paragraph, bold):
            if shaped:
                _shaped_atoms(out, run, font, size * _SIZE_SCALE.get(font, 1.0), bold)
                continue
            space = pdfmetrics.stringWidth(" ", font, size)
            for k, word in enumerate(run.split(" ")):
                if k:
                    out.append(Piece(font, size, " ", space, space=True))
                if word:
                    out.append(Piece(font, size, word, pdfmetrics.stringWidth(word, font, size)))
    return out


def _shaped_atoms(
    out: list[Piece | None], run: str, font: str, size: float, embolden: bool
) -> None:
    """Shape an Indic run once and cut it into word and space pieces at its space glyphs."""
    drawn, advances = _shape(run, font, size)
    data = getattr(drawn, "__shapeData__", None)
    start = 0
    for i in range(len(drawn)):
        if run[data[i].cluster if data is not None else i] not in " \xa0":
            continue
        if i > start:
            word = drawn[start:i]
            out.append(Piece(font, size, word, sum(advances[start:i]), False, run, embolden))
        out.append(Piece(font, size, drawn[i : i + 1], advances[i], True, run, embolden))
        start = i + 1
    if start < len(drawn):
        out.append(Piece(font, size, drawn[start:], sum(advances[start:]), False, run, embolden))


def _glyph_advances(piece: Piece) -> list[float]:
    """The advance of each glyph (shaped) or character (plain) of a piece, in points."""
    data = getattr(piece.text, "__shapeData__", None)
    if data is not None:
        return [sd.x_advance * piece.size / 1000 for sd in data]
    return [pdfmetrics.stringWidth(c, piece.font, piece.size) for c in piece.text]


def _can_break_before(piece: Piece, i: int) -> bool:
    """True when a too-long word may be cut before glyph i without splitting a syllable."""
    data = getattr(piece.text, "__shapeData__", None)
    if data is None or piece.source is None:
        return not unicodedata.combining(piece.text[i])
    cluster = data[i].cluster
    if cluster == data[i - 1].cluster or cluster <= 0 or cluster >= len(piece.source):
        return False
    char, prev = piece.source[cluster], piece.source[cluster - 1]
    return (
        not unicodedata.category(char).startswith("M")
        and unicodedata.combining(prev) != 9  # virama: the next consonant joins this one
        and prev not in "\u200c\u200d"
    )


def _split_piece(
    piece: Piece, width: float, force: bool = False
) -> tuple[Piece | None, Piece | None]:
    """Cut a piece so the head fits width: (head or None, rest or None).

    With force, a head too wide for width is still cut at the first syllable boundary.
    """
    advances = _glyph_advances(piece)
    used, cut = 0.0, 0
    for i, advance in enumerate(advances):
        if used + advance > width:
            break
        used += advance
        if i + 1 < len(advances) and _can_break_before(piece, i + 1):
            cut = i + 1
    if cut == 0:
        if not force:
            return None, piece
        cut = next((i for i in range(1, len(advances)) if _can_break_before(piece, i)), 0)
        if cut == 0:
            return piece, None
    head = replace(piece, text=piece.text[:cut], width=sum(advances[:cut]), space=False)
    tail = replace(piece, text=piece.text[cut:], width=sum(advances[cut:]), space=False)
    return head, tail


def _break_word(word: list[Piece], width: float) -> tuple[list[Piece], list[Piece]]:
    """Cut a word wider than the line: the head that fits (never empty) and the rest."""
    head: list[Piece] = []
    used = 0.0
    for k, piece in enumerate(word):
        if used + piece.width <= width:
            head.append(piece)
            used += piece.width
            continue
        first, rest = _split_piece(piece, width - used, force=not head)
        if first is None:
            return head, word[k:]
        head.append(first)
        return head, ([rest] if rest is not None else []) + word[k + 1 :]
    return head, []


def _ellipsize(line: list[Piece], width: float, size: float) -> list[Piece]:
    """The line shortened so that it fits width with a trailing ellipsis."""
    font = fonts.font_name("latin")
    dots = Piece(font, size, ELLIPSIS, pdfmetrics.stringWidth(ELLIPSIS, font, size))
    line = list(line)
    while line and (line[-1].space or sum(p.width for p in line) + dots.width > width):
        last = line.pop()
        if not last.space:
            room = width - dots.width - sum(p.width for p in line)
            head, _ = _split_piece(last, room) if room > 0 else (None, last)
            if head is not None:
                line.append(head)
                break
    return [*line, dots]


def wrap(spans: Spans, size: float, width: float, max_lines: int) -> tuple[Line, ...]:
    """Lay out a paragraph in lines at most width wide; an ellipsis ends a cut paragraph."""
    words: list[tuple[Piece | None, list[Piece]] | None] = []  # (space before, pieces)
    space: Piece | None = None
    current: list[Piece] = []
    for text, bold in spans:
        for atom in _atoms(text, size, bold):
            if atom is None or atom.space:
                if current:
                    words.append((space, current))
                    current, space = [], None
                if atom is None:
                    words.append(None)
                elif space is None:
                    space = atom
                continue
            current.append(atom)
    if current:
        words.append((space, current))

    lines: list[list[Piece]] = []
    line: list[Piece] = []
    used = 0.0
    truncated = False
    for entry in words:
        if len(lines) >= max_lines:
            truncated = True
            break
        if entry is None:
            lines.append(line)
            line, used = [], 0.0
            continue
        gap, word = entry
        word_w = sum(p.width for p in word)
        gap_w = gap.width if (gap is not None and line) else 0.0
        if used + gap_w + word_w <= width:
            if gap_w and gap is not None:
                line.append(gap)
            line.extend(word)
            used += gap_w + word_w
            continue
        if line:
            lines.append(line)
            line, used = [], 0.0
        while word_w > width and len(lines) < max_lines:
            head, word = _break_word(word, width)
            lines.append(head)
            word_w = sum(p.width for p in word)
        if len(lines) >= max_lines:
            if word:
                truncated = True
                break
            continue  # the check at the top flags any words left over
        line, used = list(word), word_w
    if line:
        if len(lines) < max_lines:
            lines.append(line)
        else:
            truncated = True
    while lines and not lines[-1]:
        lines.pop()
    if truncated and lines:
        lines[-1] = _ellipsize(lines[-1], width, size)
    return tuple(tuple(_merge(line)) for line in lines)


wrap_fixed = lru_cache(maxsize=2048)(wrap)  # labels, titles, instructions: same every time


def _merge(line: list[Piece]) -> list[Piece]:
    """Join neighbouring pieces of the same font and kind, so each is one drawString."""
    out: list[Piece] = []
    for piece in line:
        prev = out[-1] if out else None
        if (
            prev is not None
            and (prev.font, prev.size, prev.embolden) == (piece.font, piece.size, piece.embolden)
            and isinstance(prev.text, ShapedStr) == isinstance(piece.text, ShapedStr)
        ):
            text, width = prev.text + piece.text, prev.width + piece.width
            out[-1] = Piece(prev.font, prev.size, text, width, embolden=prev.embolden)
        else:
            out.append(piece)
    return out


def line_width(line: Line) -> float:
    """The width of a laid-out line in points."""
    return sum(p.width for p in line)


def fit_line(spans: Spans, sizes: Sequence[float], width: float, fixed: bool = False) -> Line:
    """The spans on one line at the first size that fits width, else smallest and ellipsized."""
    lay = wrap_fixed if fixed else wrap
    for size in sizes:
        lines = lay(spans, size, 1e9, 1)
        if lines and line_width(lines[0]) <= width:
            return lines[0]
    return (lay(spans, sizes[-1], width, 1) or ((),))[0]


# --------------------------------------------------------------------------- drawing


class Page:
    """A canvas for shapes and one text object, drawn last, that holds all the text."""

    def __init__(self, canvas: Canvas) -> None:
        self.c = canvas
        self.text = canvas.beginText()
        self._font: tuple[str, float] | None = None
        self._color: tuple[float, float, float] | None = None
        self._stroked = False

    def fill(self, rgb: tuple[float, float, float]) -> None:
        """Set the fill colour of shapes."""
        self.c.setFillColorRGB(*rgb)

    def color(self, rgb: tuple[float, float, float]) -> None:
        """Set the colour of the text drawn next."""
        if rgb != self._color:
            self.text.setFillColorRGB(*rgb)
            self.text.setStrokeColorRGB(*rgb)  # for emboldened text
            self._color = rgb

    def _set_font(self, font: str, size: float) -> None:
        """Switch the text font only when it changes."""
        if self._font != (font, size):
            self.text.setFont(font, size)
            self._font = (font, size)

    def line(self, x: float, y: float, line: Line, align: str = "left", width: float = 0) -> None:
        """Draw one laid-out line with its baseline at y."""
        if align != "left":
            free = width - line_width(line)
            x += free if align == "right" else free / 2
        text = self.text
        text.setTextOrigin(x, y)  # later pieces follow on: the PDF advances by the same widths
        for piece in line:
            self._set_font(piece.font, piece.size)
            if piece.embolden != self._stroked:
                text.setTextRenderMode(2 if piece.embolden else 0)  # 2: fill, then stroke
                self._stroked = piece.embolden
            text._textOut(piece.text)  # textOut without re-measuring what we measured

    def lines(
        self, x: float, y: float, lines: Sequence[Line], leading: float, **kw: object
    ) -> float:
        """Draw lines downwards from baseline y; returns the baseline after the last."""
        for line in lines:
            self.line(x, y, line, **kw)  # type: ignore[arg-type]
            y -= leading
        return y

    def mono(self, x: float, y: float, text: str, size: float, width: float) -> None:
        """Draw a technical string in Courier, shrunk to fit width."""
        while size > 4.5 and pdfmetrics.stringWidth(text, MONO, size) > width:
            size -= 0.25
        self._set_font(MONO, size)
        self.text.setTextOrigin(x, y)
        self.text._textOut(text)

    def finish(self) -> None:
        """Put the text on the page, above every shape."""
        if self._stroked:
            self.text.setTextRenderMode(0)
        self.c.setLineWidth(EMBOLDEN_STROKE)  # the pen that emboldens Indic bold text
        self.c.setLineJoin(1)
        self.c.drawText(self.text)
