"""Where everything goes on the one A4 notice page: geometry, colours and each section.

From the top: the navy header band, the bilingual title, the instruction panel, the field
table, the citizen's description (filling the space left), and the bottom region with the
issuing authority, the verification text and the QR code. Each `draw_*` takes the `Page`
pen and the y to start at, and returns the y below it; the text itself is shaped and
wrapped by `notices.shaping`. A bare page (no `Seal`) keeps the geometry and leaves out the
QR code and the verification text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4

from notices import i18n, qr
from notices.model import NoticeContent, NoticeKind, format_ist
from notices.shaping import ELLIPSIS, Page, Spans, fit_line, wrap, wrap_fixed

MAX_DESCRIPTION_CHARS = 1500

PAGE_W, PAGE_H = A4
MARGIN = 36.0
CONTENT_W = PAGE_W - 2 * MARGIN
QR_SIZE = 113.4  # 40 mm, quiet zone included

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


def _bilingual(labels: i18n.Labels, en: str, local: str | None) -> Spans:
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


def _clean(text: str) -> str:
    """One line of text: runs of whitespace (newlines, tabs) become single spaces."""
    return " ".join(text.split())


def _zone_title(zone: str) -> str:
    """'West' -> 'West Zone'; names that already say what they are stay as they are."""
    return zone if _ZONE_WORDS.search(zone) else f"{zone} Zone"


def draw_header(p: Page, content: NoticeContent, labels: i18n.Labels) -> float:
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
    p.line(cx - r, mid - 4.2, fit_line(((code, True),), (12, 10, 8), 2 * r - 10), "center", 2 * r)

    right_w = 168.0
    text_x = cx + r + 14
    text_w = PAGE_W - MARGIN - right_w - 12 - text_x
    corporation = ((_clean(content.corporation), True),)
    p.line(text_x, mid + 3, fit_line(corporation, (16, 15, 14, 13, 12, 11, 10), text_w, True))
    sub = f"{_clean(content.city_name)}  ·  {_zone_title(_clean(content.zone))}"
    p.color(BAND_SUB)
    p.line(text_x, mid - 13, fit_line(((sub, False),), (9.5, 9, 8.5, 8), text_w))

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
        p.line(x, y, fit_line(label, (7.5, 7, 6.5, 6), right_w, True), "right", right_w)
        p.color(WHITE)
        p.line(x, y - 12, fit_line(((value, True),), sizes, right_w), "right", right_w)
        y -= 29
    return bottom - 4


def draw_title(p: Page, content: NoticeContent, labels: i18n.Labels, top: float) -> float:
    """The document title in English and the ward language, centred. Returns the next y."""
    en = i18n.english()
    title = en.title(content.kind).upper()
    color = ALERT if content.kind in (NoticeKind.SLA_BREACH, NoticeKind.ESCALATION) else NAVY
    y = top - 29
    p.color(color)
    line = fit_line(((title, True),), (17, 16, 15), CONTENT_W, fixed=True)
    p.line(MARGIN, y, line, align="center", width=CONTENT_W)
    if labels.language != "en":
        y -= 22
        local = fit_line(((labels.title(content.kind), True),), (14, 13, 12), CONTENT_W, True)
        p.line(MARGIN, y, local, align="center", width=CONTENT_W)
    y -= 11
    c = p.c
    c.setStrokeColorRGB(*SAFFRON)
    c.setLineWidth(1.2)
    c.line(PAGE_W / 2 - 60, y, PAGE_W / 2 + 60, y)
    return y - 9


def draw_instruction(p: Page, content: NoticeContent, labels: i18n.Labels, top: float) -> float:
    """The instruction panel: what the addressee must do, in both languages."""
    en = i18n.english()
    width = CONTENT_W - 26
    size, leading = 9.5, 13.5
    paras = [wrap_fixed(((en.body(content.kind, content.level), False),), size, width, 3)]
    if labels.language != "en":
        paras.append(
            wrap_fixed(((labels.body(content.kind, content.level), False),), size, width, 4)
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


def draw_table(p: Page, content: NoticeContent, labels: i18n.Labels, top: float) -> float:
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
        label_lines = wrap_fixed(label, label_size, label_w - 2 * pad, 2)
        strong = key in ("complaint", "resolve_by")
        spans: Spans = ((value, strong),)
        if local:
            spans = ((value, False), ("  /  ", False), (local, False))
        lay = wrap_fixed if key in ("category", "priority") else wrap
        value_lines = lay(spans, value_size, value_w - 2 * pad, max_lines)
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


def draw_description(
    p: Page, content: NoticeContent, labels: i18n.Labels, top: float, bottom: float
) -> None:
    """The citizen's description in a box that fills the space down to bottom."""
    en = i18n.english()
    c = p.c
    label = _bilingual(labels, en.field("description"), _local(labels, labels.field("description")))
    p.color(NAVY)
    p.line(MARGIN, top - 9, wrap_fixed(label, 8.5, CONTENT_W, 1)[0])
    box_top = top - 15
    size, leading, pad = 9.5, 13.5, 8.0
    max_lines = max(1, int((box_top - bottom - 2 * pad + leading - size) // leading))
    text = _clip_description(content.description) or "—"
    lines = wrap(((text, False),), size, CONTENT_W - 2 * pad, max_lines)
    c.setStrokeColorRGB(*RULE)
    c.setLineWidth(0.8)
    c.rect(MARGIN, bottom, CONTENT_W, box_top - bottom, stroke=1, fill=0)
    p.color(INK)
    p.lines(MARGIN + pad, box_top - pad - size + 1, lines, leading)


def draw_authority(p: Page, content: NoticeContent, labels: i18n.Labels, signed: bool) -> None:
    """The issuing authority at the top left of the bottom region."""
    en = i18n.english()
    c = p.c
    c.setStrokeColorRGB(*NAVY)
    c.setLineWidth(1.0)
    c.line(MARGIN, REGION_TOP, MARGIN + CONTENT_W, REGION_TOP)
    x, y = MARGIN, REGION_TOP - 15
    label = _bilingual(labels, en.field("issued_by"), _local(labels, labels.field("issued_by")))
    p.color(MUTED)
    p.line(x, y, fit_line(label, (8.5, 8, 7.5), LEFT_W, True))
    p.color(INK)
    y -= 15
    p.line(x, y, fit_line(((_clean(content.issuer), True),), (11, 10.5, 10, 9.5, 9), LEFT_W))
    y -= 13
    p.line(x, y, fit_line(((_clean(content.corporation), False),), (9, 8.5, 8), LEFT_W, True))
    if not signed:
        return
    y -= 13
    p.color(NAVY)
    p.line(x, y, fit_line(((en.digitally_signed, True),), (8, 7.5, 7), LEFT_W, True))
    if labels.language != "en":
        y -= 11.5
        p.line(x, y, fit_line(((labels.digitally_signed, False),), (8, 7.5, 7), LEFT_W, True))


def draw_qr(p: Page, labels: i18n.Labels, seal: Seal) -> None:
    """The QR code at the bottom right, with its caption below."""
    x = PAGE_W - MARGIN - QR_SIZE
    qr.draw_qr(p.c, qr.qr_matrix(seal.qr_text), x, QR_Y, QR_SIZE)
    en = i18n.english()
    width = QR_SIZE + 24
    x -= 12
    p.color(NAVY)
    p.line(
        x, QR_Y - 6, fit_line(((en.scan_to_verify, True),), (7.5, 7), width, True), "center", width
    )
    if labels.language != "en":
        local = fit_line(((labels.scan_to_verify, False),), (7.5, 7, 6.5), width, True)
        p.line(x, QR_Y - 17, local, "center", width)


def draw_verification(p: Page, labels: i18n.Labels, seal: Seal) -> None:
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
        lines = wrap_fixed(((labels.footer, False),), 7.5, LEFT_W, 2)
        for line in reversed(lines):
            p.line(x, y, line)
            y += 10.5
    p.line(x, y, fit_line(((en.footer, False),), (7.5, 7, 6.5), LEFT_W, True))
