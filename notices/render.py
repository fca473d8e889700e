"""Draw the official notice PDF: one A4 page in English and the ward language, with a vector QR.

`render_notice` is the entry point the sealing step uses (`render_bare_page`, the same page
without its seal, is the benchmark's baseline). The page is drawn by hand on a reportlab
canvas (no platypus): `notices.layout` places each section, `notices.shaping` shapes and
wraps the text. Rendering is deterministic: the same (content, seal) always gives the same
bytes, whatever the process drew before, because the canvas is invariant, reportlab is tuned
once here at import, and the fonts' private-use codes are pinned at registration.
"""

from __future__ import annotations

import io
import zlib

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen.canvas import Canvas

from notices import fonts, i18n, layout
from notices.layout import Seal
from notices.model import NoticeContent
from notices.shaping import Page

__all__ = ["Seal", "render_bare_page", "render_notice"]


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
            """Flate at level 1."""
            return zlib.compress(text.encode("utf8") if isinstance(text, str) else text, 1)

        flate.encode = encode  # type: ignore[method-assign]
        flate._civicops_level = 1  # type: ignore[attr-defined]


_tune_reportlab()


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
    p = Page(canvas)
    y = layout.draw_header(p, content, labels)
    y = layout.draw_title(p, content, labels, y)
    y = layout.draw_instruction(p, content, labels, y)
    y = layout.draw_table(p, content, labels, y)
    layout.draw_description(p, content, labels, y, layout.REGION_TOP + 12)
    layout.draw_authority(p, content, labels, seal is not None)
    if seal is not None:
        layout.draw_qr(p, labels, seal)
        layout.draw_verification(p, labels, seal)
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
