"""Draw the official notice PDF: one A4 page in English and the ward language, with a vector QR.

Text is laid out by hand on a reportlab canvas (no platypus): each string is split into
script runs (`fonts.script_runs`), Indic runs are shaped once with `shapeStr` and cut into
words at their space glyphs, Latin runs are measured with the font metrics, and lines are
filled greedily. Every box has a line cap, so the page never overflows. Layout of fixed
strings (labels, titles, instructions) is cached per process; with the fonts' private-use
codes pinned at registration (see `fonts._pin_private_codes`) the bytes depend only on
(content, seal), never on what the process drew before.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import ShapedStr, shapeStr
from reportlab.pdfgen.canvas import Canvas

from notices import fonts, i18n, qr
from notices.model import NoticeContent, NoticeKind, format_ist


def _tune_reportlab() -> None:
    """Process-wide reportlab settings for speed; set once at import, so every render agrees.

    - Streams are written binary, not ASCII85-armoured: 20% smaller and ~1.5 ms a page
      faster (reportlab's encoder is pure Python).
    - Flate at level 1 instead of zlib's default 6: the font subsets compress 2-3x faster
      for about 5% more bytes (bench/notices.py: +15% notices/s). reportlab has no setting
      for the level, so its one Flate filter object is given this encoder.
    """
    rl_config.useA85 = 0
    flate = pdfdoc.PDFStreamFilterZCompress
    if getattr(flate, "_civicops_level", None) != 1:

        def encode(self: object, text: str | bytes) -> bytes:
            return zlib.compress(text.encode("utf8") if isinstance(text, str) else text, 1)

        flate.encode = encode  # type: ignore[method-assign]
        flate._civicops_level = 1  # type: ignore[attr-defined]


_tune_reportlab()

MAX_DESCRIPTION_CHARS = 1500
ELLIPSIS = "…"

PAGE_W, PAGE_H = A4
MARGIN = 36.0
CONTENT_W = PAGE_W - 2 * MARGIN
QR_SIZE = 113.4  # 40 mm, quiet zone included
MONO = "Courier"  # key id, digest and URL: a standard font, nothing to embed
EMBOLDEN_STROKE = 0.35  # pt; bold Indic text is the regular font filled and stroked

# Colours (r, g, b in 0..1).
NAVY = (0.106, 0.212, 0.365)
SAFFRON = (0.878, 0.467, 0.0)
INK = (0.10, 0.10, 0.12)
MUTED = (0.36, 0.38, 0.42)
RULE = (0.72, 0.76, 0.80)
LABEL_BG = (0.945, 0.955, 0.970)
PANEL_BG = (0.965, 0.972, 0.982)
ALERT = (0.70, 0.08, 0.08)
WHITE = (1.0, 1.0, 1.0)
BAND_SUB = (0.80, 0.86, 0.94)

_ZONE_WORDS = re.compile(r"(?i)\b(zone|borough|circle|division|region|ward office)\b")


@dataclass(frozen=True)
class Seal:
    """What the signing step adds to the page: key, payload digest and the QR text."""

    key_id: str
    payload_sha256: str  # hex
    qr_text: str
    verify_url: str


def format_coordinates(latitude: float, longitude: float) -> str:
    """Latitude and longitude with six decimals and hemisphere letters."""
    ns = "N" if latitude >= 0 else "S"
    ew = "E" if longitude >= 0 else "W"
    return f"{abs(latitude):.6f}° {ns}, {abs(longitude):.6f}° {ew}"


def group_hex(digest: str, size: int = 8) -> str:
    """A hex digest in space-separated groups, easier to read aloud and compare."""
    return " ".join(digest[i : i + size] for i in range(0, len(digest), size))


# --------------------------------------------------------------------------- text layout


@dataclass(frozen=True, slots=True)
class _Piece:
    """A run of text in one font: a plain str (Latin) or a ShapedStr (Indic), and its width."""

    font: str
    size: float
    text: str
    width: float
    space: bool = False
    source: str | None = None  # the shaped run a ShapedStr slice came from (for breaking)
    embolden: bool = False  # bold drawn by stroking the regular font (see _font_runs)


_Line = tuple[_Piece, ...]
_Spans = tuple[tuple[str, bool], ...]  # (text, bold) pieces of one paragraph


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


def _font_runs(text: str, bold: bool) -> list[tuple[str, str, bool]]:
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


def _atoms(text: str, size: float, bold: bool) -> list[_Piece | None]:
    """Words and spaces of a paragraph as pieces; None marks a hard line break."""
    out: list[_Piece | None] = []
    for n, paragraph in enumerate(text.split("\n")):
        if n:
            out.append(None)
        for font, run, shaped in _font_runs(paragraph, bold):
            if shaped:
                _shaped_atoms(out, run, font, size * _SIZE_SCALE.get(font, 1.0), bold)
                continue
            space = pdfmetrics.stringWidth(" ", font, size)
            for k, word in enumerate(run.split(" ")):
                if k:
                    out.append(_Piece(font, size, " ", space, space=True))
                if word:
                    out.append(_Piece(font, size, word, pdfmetrics.stringWidth(word, font, size)))
    return out


def _shaped_atoms(
    out: list[_Piece | None], run: str, font: str, size: float, embolden: bool
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
            out.append(_Piece(font, size, word, sum(advances[start:i]), False, run, embolden))
        out.append(_Piece(font, size, drawn[i : i + 1], advances[i], True, run, embolden))
        start = i + 1
    if start < len(drawn):
        out.append(_Piece(font, size, drawn[start:], sum(advances[start:]), False, run, embolden))


def _glyph_advances(piece: _Piece) -> list[float]:
    """The advance of each glyph (shaped) or character (plain) of a piece, in points."""
    data = getattr(piece.text, "__shapeData__", None)
    if data is not None:
        return [sd.x_advance * piece.size / 1000 for sd in data]
    return [pdfmetrics.stringWidth(c, piece.font, piece.size) for c in piece.text]


def _can_break_before(piece: _Piece, i: int) -> bool:
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
    piece: _Piece, width: float, force: bool = False
) -> tuple[_Piece | None, _Piece | None]:
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


def _break_word(word: list[_Piece], width: float) -> tuple[list[_Piece], list[_Piece]]:
    """Cut a word wider than the line: the head that fits (never empty) and the rest."""
    head: list[_Piece] = []
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


def _ellipsize(line: list[_Piece], width: float, size: float) -> list[_Piece]:
    """The line shortened so that it fits width with a trailing ellipsis."""
    font = fonts.font_name("latin")
    dots = _Piece(font, size, ELLIPSIS, pdfmetrics.stringWidth(ELLIPSIS, font, size))
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


def _wrap(spans: _Spans, size: float, width: float, max_lines: int) -> tuple[_Line, ...]:
    """Lay out a paragraph in lines at most width wide; an ellipsis ends a cut paragraph."""
    words: list[tuple[_Piece | None, list[_Piece]] | None] = []  # (space before, pieces)
    space: _Piece | None = None
    current: list[_Piece] = []
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

    lines: list[list[_Piece]] = []
    line: list[_Piece] = []
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


_wrap_fixed = lru_cache(maxsize=2048)(_wrap)  # labels, titles, instructions: same every time


def _merge(line: list[_Piece]) -> list[_Piece]:
    """Join neighbouring pieces of the same font and kind, so each is one drawString."""
    out: list[_Piece] = []
    for piece in line:
        prev = out[-1] if out else None
        if (
            prev is not None
            and (prev.font, prev.size, prev.embolden) == (piece.font, piece.size, piece.embolden)
            and isinstance(prev.text, ShapedStr) == isinstance(piece.text, ShapedStr)
        ):
            text, width = prev.text + piece.text, prev.width + piece.width
            out[-1] = _Piece(prev.font, prev.size, text, width, embolden=prev.embolden)
        else:
            out.append(piece)
    return out


def _line_width(line: _Line) -> float:
    """The width of a laid-out line in points."""
    return sum(p.width for p in line)


# --------------------------------------------------------------------------- drawing


class _Page:
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

    def line(self, x: float, y: float, line: _Line, align: str = "left", width: float = 0) -> None:
        """Draw one laid-out line with its baseline at y."""
        if align != "left":
            free = width - _line_width(line)
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
        self, x: float, y: float, lines: Sequence[_Line], leading: float, **kw: object
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


def _bilingual(labels: i18n.Labels, en: str, local: str | None) -> _Spans:
    """'English / local' spans: English bold, the ward language regular."""
    if labels.language == "en" or not local:
        return ((en, True),)
    return ((en, True), (" / ", False), (local, False))


def _local(labels: i18n.Labels, text: str) -> str | None:
    """The ward-language text, or None on an English-only notice."""
    return None if labels.language == "en" else text


# Bottom region (y up): the issuing authority and the verification text on the left, the QR
# code on the right. The bare page keeps the same geometry and leaves the seal parts out.
BOTTOM = MARGIN - 10
QR_Y = BOTTOM + 24  # room for the caption under the code
REGION_TOP = QR_Y + QR_SIZE + 10
LEFT_W = CONTENT_W - QR_SIZE - 28


def _fit_line(spans: _Spans, sizes: Sequence[float], width: float, fixed: bool = False) -> _Line:
    """The spans on one line at the first size that fits width, else smallest and ellipsized."""
    wrap = _wrap_fixed if fixed else _wrap
    for size in sizes:
        lines = wrap(spans, size, 1e9, 1)
        if lines and _line_width(lines[0]) <= width:
            return lines[0]
    return (wrap(spans, sizes[-1], width, 1) or ((),))[0]


def _clean(text: str) -> str:
    """One line of text: runs of whitespace (newlines, tabs) become single spaces."""
    return " ".join(text.split())


def _zone_title(zone: str) -> str:
    """'West' -> 'West Zone'; names that already say what they are stay as they are."""
    return zone if _ZONE_WORDS.search(zone) else f"{zone} Zone"


def _draw_header(p: _Page, content: NoticeContent, labels: i18n.Labels) -> float:
    """The navy band: monogram, corporation, city and zone, notice number and date."""
    c = p.c
    height = 80.0
    bottom = PAGE_H - height
    p.fill(NAVY)
    c.rect(0, bottom, PAGE_W, height, stroke=0, fill=1)
    p.fill(SAFFRON)
    c.rect(0, bottom - 4, PAGE_W, 4, stroke=0, fill=1)
    mid = bottom + height / 2

    # Monogram: the city code in a double ring.
    cx, r = MARGIN + 24, 24.0
    c.setStrokeColorRGB(*WHITE)
    c.setLineWidth(1.6)
    c.circle(cx, mid, r, stroke=1, fill=0)
    c.setLineWidth(0.6)
    c.circle(cx, mid, r - 4, stroke=1, fill=0)
    code = content.tracking_id.split("-", 1)[0][:4]
    p.color(WHITE)
    p.line(cx - r, mid - 4.2, _fit_line(((code, True),), (12, 10, 8), 2 * r - 10), "center", 2 * r)

    right_w = 168.0
    text_x = cx + r + 14
    text_w = PAGE_W - MARGIN - right_w - 12 - text_x
    corporation = ((_clean(content.corporation), True),)
    p.line(text_x, mid + 3, _fit_line(corporation, (16, 15, 14, 13, 12, 11, 10), text_w, True))
    sub = f"{_clean(content.city_name)}  ·  {_zone_title(_clean(content.zone))}"
    p.color(BAND_SUB)
    p.line(text_x, mid - 13, _fit_line(((sub, False),), (9.5, 9, 8.5, 8), text_w))

    # Right: notice number and date of issue, each under its bilingual label.
    en = i18n.english()
    x, y = PAGE_W - MARGIN - right_w, bottom + height - 19
    for key, value, sizes in (
        ("notice_number", content.notice_id, (10.5, 10, 9.5, 9, 8.5, 8)),
        ("issued_on", format_ist(content.issued_at), (10, 9.5, 9)),
    ):
        label = _bilingual(labels, en.field(key), _local(labels, labels.field(key)))
        label = tuple((text, False) for text, _ in label)
        p.color(BAND_SUB)
        p.line(x, y, _fit_line(label, (7.5, 7, 6.5, 6), right_w, True), "right", right_w)
        p.color(WHITE)
        p.line(x, y - 12, _fit_line(((value, True),), sizes, right_w), "right", right_w)
        y -= 29
    return bottom - 4


def _draw_title(p: _Page, content: NoticeContent, labels: i18n.Labels, top: float) -> float:
    """The document title in English and the ward language, centred. Returns the next y."""
    en = i18n.english()
    title = en.title(content.kind).upper()
    color = ALERT if content.kind in (NoticeKind.SLA_BREACH, NoticeKind.ESCALATION) else NAVY
    y = top - 29
    p.color(color)
    line = _fit_line(((title, True),), (17, 16, 15), CONTENT_W, fixed=True)
    p.line(MARGIN, y, line, align="center", width=CONTENT_W)
    if labels.language != "en":
        y -= 22
        local = _fit_line(((labels.title(content.kind), True),), (14, 13, 12), CONTENT_W, True)
        p.line(MARGIN, y, local, align="center", width=CONTENT_W)
    y -= 11
    c = p.c
    c.setStrokeColorRGB(*SAFFRON)
    c.setLineWidth(1.2)
    c.line(PAGE_W / 2 - 60, y, PAGE_W / 2 + 60, y)
    return y - 9


def _draw_instruction(p: _Page, content: NoticeContent, labels: i18n.Labels, top: float) -> float:
    """The instruction panel: what the addressee must do, in both languages."""
    en = i18n.english()
    width = CONTENT_W - 26
    size, leading = 9.5, 13.5
    paras = [_wrap_fixed(((en.body(content.kind, content.level), False),), size, width, 3)]
    if labels.language != "en":
        paras.append(
            _wrap_fixed(((labels.body(content.kind, content.level), False),), size, width, 4)
        )
    n = sum(len(lines) for lines in paras)
    height = n * leading + 5 * (len(paras) - 1) + 13
    c = p.c
    p.fill(PANEL_BG)
    c.rect(MARGIN, top - height, CONTENT_W, height, stroke=0, fill=1)
    p.fill(SAFFRON)
    c.rect(MARGIN, top - height, 3, height, stroke=0, fill=1)
    y = top - 6.5 - size
    p.color(INK)
    for lines in paras:
        y = p.lines(MARGIN + 14, y, lines, leading) - 5
    return top - height - 10


def _rows(content: NoticeContent, labels: i18n.Labels) -> list[tuple[str, str, str | None, int]]:
    """(field key, value, local value, max lines) of the table, in print order."""
    due = format_ist(content.sla_due_at) if content.sla_due_at else "—"
    category_local = labels.category(content.category) if labels.language != "en" else None
    rows: list[tuple[str, str, str | None, int]] = [
        ("complaint", content.tracking_id, None, 1),
        ("category", _clean(content.category_name), category_local, 2),
        ("priority", content.priority, None, 1),
        ("ward", _clean(f"{content.ward_id} – {content.ward_name}"), None, 2),
        ("zone", _clean(content.zone), None, 1),
        ("location", format_coordinates(content.latitude, content.longitude), None, 1),
    ]
    if content.address and content.address.strip():
        rows.append(("address", _clean(content.address), None, 3))
    rows += [
        ("assigned_to", _clean(content.assignee_name), None, 2),
        ("designation", _clean(content.assignee_designation), None, 2),
    ]
    if content.kind == NoticeKind.CLOSURE and content.resolved_at is not None:
        rows.append(("resolved_on", format_ist(content.resolved_at), None, 1))
        for item in content.proof or ():
            role, _, digest = item.partition(":")
            groups = " ".join(digest[i : i + 8] for i in range(0, len(digest), 8))
            rows.append(("proof", f"{role}: {groups}", None, 2))
    else:
        rows.append(("resolve_by", due, None, 1))
    if content.level > 0:
        rows.append(("escalation_level", str(content.level), None, 1))
    return rows


def _draw_table(p: _Page, content: NoticeContent, labels: i18n.Labels, top: float) -> float:
    """The field table: bilingual labels on the left, values on the right."""
    en = i18n.english()
    label_w, pad = 178.0, 4.5
    value_w = CONTENT_W - label_w
    label_size, label_leading = 8.0, 10.5
    value_size, value_leading = 9.5, 12.5
    alert = content.kind in (NoticeKind.SLA_BREACH, NoticeKind.ESCALATION)
    c = p.c
    c.setLineWidth(0.5)
    c.setStrokeColorRGB(*RULE)
    y = top
    for key, value, local, max_lines in _rows(content, labels):
        label = _bilingual(labels, en.field(key), _local(labels, labels.field(key)))
        label_lines = _wrap_fixed(label, label_size, label_w - 2 * pad, 2)
        strong = key in ("complaint", "resolve_by")
        spans: _Spans = ((value, strong),)
        if local:
            spans = ((value, False), ("  /  ", False), (local, False))
        wrap = _wrap_fixed if key in ("category", "priority") else _wrap
        value_lines = wrap(spans, value_size, value_w - 2 * pad, max_lines)
        height = max(len(label_lines) * label_leading, len(value_lines) * value_leading)
        height += 2 * pad + 2
        p.fill(LABEL_BG)
        c.rect(MARGIN, y - height, label_w, height, stroke=0, fill=1)
        c.line(MARGIN, y - height, MARGIN + CONTENT_W, y - height)
        p.color(MUTED)
        p.lines(MARGIN + pad + 2, y - pad - label_size - 0.5, label_lines, label_leading)
        p.color(ALERT if (alert and key == "resolve_by") else INK)
        p.lines(MARGIN + label_w + pad + 2, y - pad - value_size + 0.5, value_lines, value_leading)
        y -= height
    c.setStrokeColorRGB(*RULE)
    c.setLineWidth(0.8)
    c.rect(MARGIN, y, CONTENT_W, top - y, stroke=1, fill=0)
    c.line(MARGIN + label_w, y, MARGIN + label_w, top)
    return y - 10


def _clip_description(text: str) -> str:
    """At most MAX_DESCRIPTION_CHARS characters, cut at a space when one is near the end."""
    lines = [" ".join(line.split()) for line in text.strip().splitlines()]
    text = "\n".join(line for line in lines if line)
    if len(text) <= MAX_DESCRIPTION_CHARS:
        return text
    cut = text.rfind(" ", MAX_DESCRIPTION_CHARS - 200, MAX_DESCRIPTION_CHARS)
    if cut <= 0:  # no space near the end: cut between syllables
        cut = MAX_DESCRIPTION_CHARS
        while cut > 1 and (
            unicodedata.category(text[cut]).startswith("M")
            or unicodedata.combining(text[cut - 1]) == 9  # after a virama
            or text[cut - 1] in "\u200c\u200d"
        ):
            cut -= 1
    return text[:cut].rstrip() + " " + ELLIPSIS


def _draw_description(
    p: _Page, content: NoticeContent, labels: i18n.Labels, top: float, bottom: float
) -> None:
    """The citizen's description in a box that fills the space down to bottom."""
    en = i18n.english()
    c = p.c
    label = _bilingual(labels, en.field("description"), _local(labels, labels.field("description")))
    p.color(NAVY)
    p.line(MARGIN, top - 9, _wrap_fixed(label, 8.5, CONTENT_W, 1)[0])
    box_top = top - 15
    size, leading, pad = 9.5, 13.5, 8.0
    max_lines = max(1, int((box_top - bottom - 2 * pad + leading - size) // leading))
    text = _clip_description(content.description) or "—"
    lines = _wrap(((text, False),), size, CONTENT_W - 2 * pad, max_lines)
    c.setStrokeColorRGB(*RULE)
    c.setLineWidth(0.8)
    c.rect(MARGIN, bottom, CONTENT_W, box_top - bottom, stroke=1, fill=0)
    p.color(INK)
    p.lines(MARGIN + pad, box_top - pad - size + 1, lines, leading)


def _draw_authority(p: _Page, content: NoticeContent, labels: i18n.Labels, signed: bool) -> None:
    """The issuing authority at the top left of the bottom region."""
    en = i18n.english()
    c = p.c
    c.setStrokeColorRGB(*NAVY)
    c.setLineWidth(1.0)
    c.line(MARGIN, REGION_TOP, MARGIN + CONTENT_W, REGION_TOP)
    x, y = MARGIN, REGION_TOP - 15
    label = _bilingual(labels, en.field("issued_by"), _local(labels, labels.field("issued_by")))
    p.color(MUTED)
    p.line(x, y, _fit_line(label, (8.5, 8, 7.5), LEFT_W, True))
    p.color(INK)
    y -= 15
    p.line(x, y, _fit_line(((_clean(content.issuer), True),), (11, 10.5, 10, 9.5, 9), LEFT_W))
    y -= 13
    p.line(x, y, _fit_line(((_clean(content.corporation), False),), (9, 8.5, 8), LEFT_W, True))
    if not signed:
        return
    y -= 13
    p.color(NAVY)
    p.line(x, y, _fit_line(((en.digitally_signed, True),), (8, 7.5, 7), LEFT_W, True))
    if labels.language != "en":
        y -= 11.5
        p.line(x, y, _fit_line(((labels.digitally_signed, False),), (8, 7.5, 7), LEFT_W, True))


def _draw_qr(p: _Page, labels: i18n.Labels, seal: Seal) -> None:
    """The QR code at the bottom right, with its caption below."""
    x = PAGE_W - MARGIN - QR_SIZE
    qr.draw_qr(p.c, qr.qr_matrix(seal.qr_text), x, QR_Y, QR_SIZE)
    en = i18n.english()
    width = QR_SIZE + 24
    x -= 12
    p.color(NAVY)
    p.line(
        x, QR_Y - 6, _fit_line(((en.scan_to_verify, True),), (7.5, 7), width, True), "center", width
    )
    if labels.language != "en":
        local = _fit_line(((labels.scan_to_verify, False),), (7.5, 7, 6.5), width, True)
        p.line(x, QR_Y - 17, local, "center", width)


def _draw_verification(p: _Page, labels: i18n.Labels, seal: Seal) -> None:
    """The verification text at the bottom left: the sentence, key id, digest and URL."""
    en = i18n.english()
    x, y = MARGIN, BOTTOM + 2
    p.color(MUTED)
    p.mono(x, y, f"Payload SHA-256: {group_hex(seal.payload_sha256)}", 6.8, LEFT_W)
    p.mono(x, y + 9, f"Verify at: {seal.verify_url}", 6.8, LEFT_W)
    p.mono(x, y + 18, f"Signing key: {seal.key_id}", 6.8, LEFT_W)
    y += 31
    p.color(INK)
    if labels.language != "en":
        lines = _wrap_fixed(((labels.footer, False),), 7.5, LEFT_W, 2)
        for line in reversed(lines):
            p.line(x, y, line)
            y += 10.5
    p.line(x, y, _fit_line(((en.footer, False),), (7.5, 7, 6.5), LEFT_W, True))


def _draw(content: NoticeContent, seal: Seal | None) -> bytes:
    """Draw the page; without a seal, leave out the QR code and the verification text."""
    fonts.register()
    labels = i18n.labels(content.language)
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=A4, invariant=1, initialFontName=fonts.font_name("latin"))
    title = i18n.english().title(content.kind)
    canvas.setTitle(f"{title} {content.notice_id}")
    canvas.setAuthor(content.corporation)
    canvas.setSubject(f"Complaint {content.tracking_id}: {content.category_name}")
    canvas.setKeywords(f"CivicOps {content.notice_id} {content.tracking_id}")
    canvas.setCreator("CivicOps")
    p = _Page(canvas)
    y = _draw_header(p, content, labels)
    y = _draw_title(p, content, labels, y)
    y = _draw_instruction(p, content, labels, y)
    y = _draw_table(p, content, labels, y)
    _draw_description(p, content, labels, y, REGION_TOP + 12)
    _draw_authority(p, content, labels, seal is not None)
    if seal is not None:
        _draw_qr(p, labels, seal)
        _draw_verification(p, labels, seal)
    p.finish()
    canvas.showPage()
    canvas.save()
    return buf.getvalue()


def render_notice(content: NoticeContent, seal: Seal) -> bytes:
    """The notice as a one-page A4 PDF; the same (content, seal) always gives the same bytes."""
    return _draw(content, seal)


def render_bare_page(content: NoticeContent) -> bytes:
    """The same page text in the same fonts, without QR code or seal footer (a benchmark base)."""
    return _draw(content, None)
