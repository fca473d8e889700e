"""The official notice PDF as people see it: rendered pages, scanned QR codes, extracted text."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime

import pypdfium2 as pdfium
import pytest
import qrcode
import uharfbuzz
from helpers import notice_content, scan_qr
from qrcode.constants import ERROR_CORRECT_M
from reportlab.pdfbase import pdfmetrics

from domain.categories import CATEGORIES
from notices import fonts, i18n, qr, shaping
from notices.model import NoticeContent, NoticeKind, format_ist, payload_digest
from notices.render import Seal, render_bare_page, render_notice
from notices.signing import QrSeal, qr_text

LANGUAGES = ("kn", "hi", "mr", "ta", "te", "bn", "gu")
SCRIPT_FONT = {
    "kn": "NotoSansKannada",
    "hi": "NotoSansDevanagari",
    "mr": "NotoSansDevanagari",
    "ta": "NotoSansTamil",
    "te": "NotoSansTelugu",
    "bn": "NotoSansBengali",
    "gu": "NotoSansGujarati",
}
DESCRIPTIONS = {
    "kn": "ಮಾರ್ಗೋಸಾ ರಸ್ತೆಯ 12ನೇ ಕ್ರಾಸ್ ಬಳಿ ದೊಡ್ಡ ಗುಂಡಿ ಇದೆ. ದ್ವಿಚಕ್ರ ವಾಹನ ಸವಾರರು ಬೀಳುತ್ತಿದ್ದಾರೆ.",
    "hi": "पिछले चार दिनों से हमारी गली में कचरा गाड़ी नहीं आई है। कृपया शीघ्र कार्रवाई करें।",
    "mr": "थोड्याशा पावसातही या चौकात गुडघाभर पाणी साचते. ज्येष्ठ नागरिकांना त्रास होतो.",
    "ta": "டி.பி. சாலையில் மூன்று தெருவிளக்குகள் ஒரு வாரமாக எரியவில்லை.",
    "te": "మా వీధిలో మ్యాన్‌హోల్ నుండి మురుగు నీరు రోడ్డుపైకి పొంగిపొర్లుతోంది.",
    "bn": "পরিত্যক্ত জমিতে দীর্ঘদিন ধরে জল জমে আছে। পাড়ায় দুজনের ডেঙ্গি হয়েছে।",
    "gu": "સ્વસ્તિક ચાર રસ્તા પાસે રખડતાં ઢોર રસ્તા વચ્ચે બેસી રહે છે.",
}
PAGE_W, MARGIN = 595.2756, 36.0


def sample_content(**overrides: object) -> NoticeContent:
    """A Bengaluru pothole assignment notice (ward 65, West zone, P3), with overrides."""
    values: dict[str, object] = {
        "address": "12th Cross, Margosa Road, Malleshwaram, Bengaluru 560003",
        "description": DESCRIPTIONS["kn"] + " Near the bus stop, dangerous at night.",
        "assignee_id": 1042,
        "assignee_name": "Manjunath K. Gowda",
        "assignee_designation": "Assistant Engineer (Roads), West Zone",
        "issued_at": datetime(2026, 11, 24, 4, 45, tzinfo=UTC),  # 10:15 IST
        "issuer": "Executive Engineer, Roads & Infrastructure, West Zone",
    }
    values.update(overrides)
    return notice_content("k20261101-3fa9c2d1", **values)  # due 27 Nov 2026, 14:30 IST


def sample_seal(content: NoticeContent) -> Seal:
    """A seal shaped like a real one (the signature is a stand-in: no key is needed)."""
    digest = payload_digest(content.payload())
    url = "https://civicops.example/v1/notices/verify"
    seal = QrSeal(content.notice_id, content.key_id, digest, hashlib.sha512(digest).digest())
    return Seal(content.key_id, digest.hex(), qr_text(seal, url), url)


def harfbuzz_glyphs(text: str, script: str) -> str:
    """The glyphs HarfBuzz shapes text into, as the characters the PDF maps them to."""
    face = pdfmetrics.getFont(fonts.font_name(script)).face
    hb_font = uharfbuzz.Font(uharfbuzz.Face(fonts.files_for(script).regular.read_bytes()))
    buf = uharfbuzz.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    uharfbuzz.shape(hb_font, buf, {"kern": True, "liga": True})
    return "".join(chr(face.glyphToChar[info.codepoint][0]) for info in buf.glyph_infos)


def open_pdf(pdf: bytes) -> pdfium.PdfDocument:
    return pdfium.PdfDocument(pdf)


def page_text(pdf: bytes) -> str:
    document = open_pdf(pdf)
    return document[0].get_textpage().get_text_range()


def embedded_fonts(pdf: bytes) -> set[str]:
    return {
        name.split("+")[-1] for name in re.findall(r"/BaseFont /([\w+-]+)", pdf.decode("latin-1"))
    }


def char_boxes(pdf: bytes) -> list[tuple[str, tuple[float, float, float, float]]]:
    textpage = open_pdf(pdf)[0].get_textpage()
    text = textpage.get_text_range()
    return [
        (text[i], textpage.get_charbox(i)) for i in range(min(len(text), textpage.count_chars()))
    ]


@pytest.fixture(scope="module")
def kannada_pdf() -> tuple[NoticeContent, Seal, bytes]:
    content = sample_content()
    seal = sample_seal(content)
    return content, seal, render_notice(content, seal)


def test_kannada_notice_shows_shaped_text_and_decodable_qr(kannada_pdf):
    _, seal, pdf = kannada_pdf
    assert scan_qr(pdf) == [seal.qr_text]
    text = page_text(pdf)
    # Conjuncts and vowel-sign forms are glyphs without a code point of their own (they come
    # out of the PDF as private-use characters); the page must carry exactly the glyphs
    # HarfBuzz picks, where unshaped text would show the letters one by one.
    title = i18n.labels("kn").title(NoticeKind.ASSIGNMENT)
    assert harfbuzz_glyphs(title, "kannada") in text
    assert title not in text
    assert re.search("[\ue000-\uf8ff]", text)
    assert "NotoSansKannada-Regular" in embedded_fonts(pdf)


def test_notice_text_shows_ids_ward_assignee_and_due_time_in_ist(kannada_pdf):
    _, _, pdf = kannada_pdf
    text = page_text(pdf)
    for expected in (
        "BLR-7K3M9QX2AB",
        "BLR-7K3M9QX2AB-ASG0",
        "65 – Kadu Malleshwar Ward",
        "Manjunath K. Gowda",
        "Assistant Engineer (Roads), West Zone",
        "27 Nov 2026, 14:30 IST",
        "24 Nov 2026, 10:15 IST",
        "Bruhat Bengaluru Mahanagara Palike",
        "13.003500° N, 77.570900° E",
        "Pothole",
        "P3",
        "ASSIGNMENT NOTICE",
    ):
        assert expected in text, expected


def test_footer_shows_key_id_digest_and_verify_url(kannada_pdf):
    _, seal, pdf = kannada_pdf
    text = page_text(pdf)
    assert seal.key_id in text
    assert seal.verify_url in text
    assert " ".join(seal.payload_sha256[i : i + 8] for i in range(0, 64, 8)) in text
    assert "Scan the QR code or run “civicops verify” to check it." in text


def test_notice_metadata_names_the_notice_and_corporation(kannada_pdf):
    content, _, pdf = kannada_pdf
    meta = open_pdf(pdf).get_metadata_dict()
    assert meta["Title"] == "Assignment Notice BLR-7K3M9QX2AB-ASG0"
    assert meta["Author"] == content.corporation
    assert "BLR-7K3M9QX2AB" in meta["Subject"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_ward_language_renders_one_page_in_its_script(language):
    content = sample_content(language=language, description=DESCRIPTIONS[language])
    seal = sample_seal(content)
    pdf = render_notice(content, seal)
    assert len(open_pdf(pdf)) == 1
    assert f"{SCRIPT_FONT[language]}-Regular" in embedded_fonts(pdf)
    text = page_text(pdf)
    assert "Kadu Malleshwar Ward" in text
    assert scan_qr(pdf) == [seal.qr_text]


@pytest.mark.parametrize(
    ("kind", "level", "title"),
    [
        (NoticeKind.ESCALATION, 2, "ESCALATION NOTICE"),
        (NoticeKind.SLA_BREACH, 0, "SLA BREACH NOTICE"),
        (NoticeKind.CLOSURE, 0, "CLOSURE CERTIFICATE"),
    ],
)
def test_each_notice_kind_shows_its_title_and_instruction(kind, level, title):
    content = sample_content(kind=kind, level=level)
    text = page_text(render_notice(content, sample_seal(content)))
    assert title in text
    english = i18n.english().body(kind, level)
    assert english.split()[0] in text
    assert (f"level {level}" in text) == (level > 0)
    assert ("Escalation level" in text) == (level > 0)


def test_same_notice_gives_byte_identical_pdfs():
    content = sample_content()
    seal = sample_seal(content)
    first = render_notice(content, seal)
    # Shape other text in between: the output must not depend on what was drawn before.
    for language in LANGUAGES:
        other = sample_content(language=language, description=DESCRIPTIONS[language] * 3)
        render_notice(other, sample_seal(other))
    assert render_notice(content, seal) == first
    assert render_bare_page(content) == render_bare_page(content)
    assert b"CreationDate" not in first or b"D:20000101" in first  # reportlab's invariant date


_FRESH_PROCESS = """
import hashlib, json, sys
from notices.model import NoticeContent
from notices.render import Seal, render_notice
data = json.loads(sys.stdin.read())
content = NoticeContent.from_payload(data["payload"])
print(hashlib.sha256(render_notice(content, Seal(**data["seal"]))).hexdigest())
"""


def test_same_notice_is_byte_identical_in_a_fresh_process():
    content = sample_content(
        language="hi", description=DESCRIPTIONS["hi"] + " " + DESCRIPTIONS["kn"] + " क्षत्रिय"
    )
    seal = sample_seal(content)
    for language in LANGUAGES:  # give this process a different shaping history
        other = sample_content(language=language, description=DESCRIPTIONS[language][::-1])
        render_notice(other, sample_seal(other))
    here = hashlib.sha256(render_notice(content, seal)).hexdigest()
    data = {"payload": content.payload(), "seal": seal.__dict__}
    out = subprocess.run(
        [sys.executable, "-c", _FRESH_PROCESS],
        input=json.dumps(data),
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == here


def test_long_description_and_address_still_fit_one_page():
    content = sample_content(
        description=("ರಸ್ತೆಯಲ್ಲಿ ದೊಡ್ಡ ಗುಂಡಿ ಇದೆ, ದಯವಿಟ್ಟು ಸರಿಪಡಿಸಿ. Very deep pothole. " * 120)[:5000],
        address=("Flat 4B, Sri Lakshmi Venkateshwara Residency, 12th Main Road, " * 6)[:300],
        assignee_name="Venkatasubramanian Ramakrishnan Chandrasekharan Iyer " * 3,
        assignee_designation="Assistant Executive Engineer (Roads & Infrastructure) " * 3,
        ward_name="Kadu Malleshwar Ward " * 6,
        issuer="Executive Engineer, Roads & Infrastructure, West Zone " * 3,
        corporation="Bruhat Bengaluru Mahanagara Palike " * 3,
    )
    seal = sample_seal(content)
    pdf = render_notice(content, seal)
    assert len(open_pdf(pdf)) == 1
    text = page_text(pdf)
    assert "…" in text  # the long texts were cut, visibly
    assert "BLR-7K3M9QX2AB" in text and "27 Nov 2026, 14:30 IST" in text
    assert scan_qr(pdf) == [seal.qr_text]
    for char, (left, bottom, right, _) in char_boxes(pdf):
        if char.strip():
            assert MARGIN - 1 <= left and right <= PAGE_W - MARGIN + 1, (char, left, right)
            assert bottom >= 20, (char, bottom)


def test_unbroken_long_words_wrap_inside_the_page():
    content = sample_content(
        description="ಗುಂಡಿ" * 400 + " " + "x" * 600,
        address="A" * 300,
        assignee_name="ದ್ವಿಚಕ್ರ" * 60,
    )
    pdf = render_notice(content, sample_seal(content))
    assert len(open_pdf(pdf)) == 1
    for char, (left, _, right, _) in char_boxes(pdf):
        if char.strip():
            assert MARGIN - 1 <= left and right <= PAGE_W - MARGIN + 1, (char, left, right)


def test_description_mixing_kannada_devanagari_and_english_renders():
    content = sample_content(
        description="ರಸ್ತೆ ಗುಂಡಿ ಇದೆ. सड़क में गड्ढा है। Big pothole near 5th Cross, call @ 9am!"
    )
    seal = sample_seal(content)
    pdf = render_notice(content, seal)
    assert len(open_pdf(pdf)) == 1
    fonts_used = embedded_fonts(pdf)
    assert {"NotoSansKannada-Regular", "NotoSansDevanagari-Regular"} <= fonts_used
    text = page_text(pdf)
    assert "Big pothole near 5th Cross, call @ 9am!" in text
    assert scan_qr(pdf) == [seal.qr_text]


def test_language_without_translations_gives_an_english_only_notice():
    assert i18n.labels("ml").language == "en"
    assert i18n.labels("ur") is i18n.english()
    content = sample_content(language="ml", description="റോഡിൽ വലിയ കുഴി ഉണ്ട്. Please repair.")
    pdf = render_notice(content, sample_seal(content))
    assert len(open_pdf(pdf)) == 1
    text = page_text(pdf)
    assert "Ward" in text and "Ward /" not in text
    assert "Please repair." in text


def test_bare_page_has_the_same_text_but_no_qr_or_seal():
    content = sample_content()
    bare = render_bare_page(content)
    assert len(open_pdf(bare)) == 1
    text = page_text(bare)
    assert "BLR-7K3M9QX2AB-ASG0" in text and "Manjunath K. Gowda" in text
    assert "Payload SHA-256" not in text and "civicops verify" not in text
    assert scan_qr(bare) == []


def test_qr_uses_a_fixed_mask_and_matches_the_qrcode_package():
    text = sample_seal(sample_content()).qr_text
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4, mask_pattern=qr.MASK_PATTERN)
    code.add_data(text, optimize=0)
    code.make(fit=True)
    matrix = qr.qr_matrix(text)
    assert matrix == tuple(tuple(row) for row in code.get_matrix())
    assert len(matrix) == code.version * 4 + 17 + 2 * qr.QUIET_ZONE
    assert all(not any(row) for row in matrix[: qr.QUIET_ZONE])  # quiet zone is light
    path = qr.qr_path(matrix)
    assert path.endswith("f") and path.count(" re") < sum(map(sum, matrix))  # runs merged


def test_fast_reed_solomon_gives_the_codewords_qrcode_computes():
    import random

    from qrcode import util

    rng = random.Random(7)
    for length in [*range(1, 600, 13), 220, 1200, 2300]:
        data = bytes(rng.randrange(256) for _ in range(length))
        version = qr._version_for(length)
        segment = util.QRData(data, mode=util.MODE_8BIT_BYTE, check_data=False)
        expected = util.create_data(version, ERROR_CORRECT_M, [segment])
        assert qr._codewords(version, data) == expected, (length, version)


def test_ist_times_are_printed_in_india_time():
    assert format_ist(datetime(2026, 11, 27, 9, 0, tzinfo=UTC)) == "27 Nov 2026, 14:30 IST"
    assert format_ist(datetime(2026, 1, 1, 0, 0, tzinfo=UTC)) == "01 Jan 2026, 05:30 IST"
    with pytest.raises(ValueError):
        format_ist(datetime(2026, 1, 1))


def test_every_ward_language_has_every_label():
    codes = {c.code for c in CATEGORIES}
    assert set(i18n.CATEGORY_CODES) == codes
    english = i18n.english()
    for language in LANGUAGES:
        labels = i18n.labels(language)
        assert labels.language == language and language in i18n.SUPPORTED
        assert set(labels.fields) == set(i18n.FIELDS)
        assert set(labels.categories) == codes
        for kind in NoticeKind:
            assert labels.title(kind) and labels.title(kind) != english.title(kind)
            assert labels.body(kind, 7) and "{" not in labels.body(kind, 7)
        assert "7" in labels.body(NoticeKind.ESCALATION, 7)
        assert all(value.strip() for value in labels.fields.values())
        assert "civicops verify" in labels.footer


def test_every_printed_label_has_a_glyph_in_its_font():
    """No tofu: each character of every label lands in a font that has it."""
    for language in LANGUAGES:
        labels = i18n.labels(language)
        texts = [
            *labels.titles.values(),
            *(labels.body(kind, 2) for kind in NoticeKind),
            *labels.fields.values(),
            *labels.categories.values(),
            labels.footer,
            labels.scan_to_verify,
            labels.digitally_signed,
            DESCRIPTIONS[language],
        ]
        for text in texts:
            for bold in (False, True):
                for font, run, _ in shaping.font_runs(text, bold):
                    charmap = pdfmetrics.getFont(font).face.charToGlyph
                    missing = [c for c in run if ord(c) not in charmap]
                    assert not missing, (language, text, font, missing)


def test_missing_address_and_due_time_are_left_out_cleanly():
    content = sample_content(address=None, sla_due_at=None, kind=NoticeKind.CLOSURE)
    text = page_text(render_notice(content, sample_seal(content)))
    assert "Address" not in text
    assert "Resolve by" in text and "—" in text


def test_same_content_other_seal_changes_only_the_seal_parts():
    content = sample_content()
    seal = sample_seal(content)
    other = replace(seal, qr_text=seal.qr_text[:-4] + "AAAA")
    assert render_notice(content, seal) != render_notice(content, other)
    assert scan_qr(render_notice(content, other)) == [other.qr_text]
