"""Render docs/notices/notice-<lang>.png: one realistic sample notice per ward language.

Usage: .venv/bin/python scripts/render_sample_notices.py [--out DIR] [--dpi 100] [--pdf]

The seals are fake but shaped like real ones (the QR text has the real layout), so the
pictures show what a printed notice looks like; `civicops verify` would reject them.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from notices.model import NoticeContent, NoticeKind, canonical_json, notice_id
from notices.render import Seal, render_notice

REPO = Path(__file__).resolve().parents[1]
KEY_ID = "k20261101-3fa9c2d1"
VERIFY_URL = "https://civicops.example/v1/notices/verify"
ISSUED = datetime(2026, 11, 24, 4, 45, tzinfo=UTC)  # 10:15 IST


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def sample_seal(content: NoticeContent) -> Seal:
    """A fake seal with the real QR layout: CVN1.<notice>.<key>.<digest>.<signature>."""
    digest = hashlib.sha256(canonical_json(content.payload())).digest()
    signature = hashlib.sha512(b"sample-signature|" + digest).digest()
    compact = ".".join(("CVN1", content.notice_id, content.key_id, _b64(digest), _b64(signature)))
    return Seal(content.key_id, digest.hex(), f"{VERIFY_URL}?qr={compact}", VERIFY_URL)


def _content(
    *,
    tracking_id: str,
    kind: NoticeKind,
    level: int,
    city: str,
    city_name: str,
    corporation: str,
    language: str,
    zone: str,
    ward: tuple[str, str],
    category: tuple[str, str, str],
    point: tuple[float, float],
    address: str | None,
    description: str,
    assignee: tuple[int, str, str],
    sla_hours: int | None,
    issuer: str,
) -> NoticeContent:
    """A NoticeContent from the few facts that differ between the samples."""
    return NoticeContent(
        notice_id=notice_id(tracking_id, kind, level),
        kind=kind,
        level=level,
        tracking_id=tracking_id,
        city=city,
        city_name=city_name,
        corporation=corporation,
        language=language,
        zone=zone,
        ward_id=ward[0],
        ward_name=ward[1],
        category=category[0],
        category_name=category[1],
        priority=category[2],
        latitude=point[0],
        longitude=point[1],
        address=address,
        description=description,
        assignee_id=assignee[0],
        assignee_name=assignee[1],
        assignee_designation=assignee[2],
        sla_due_at=ISSUED + timedelta(hours=sla_hours) if sla_hours is not None else None,
        issued_at=ISSUED,
        issuer=issuer,
        key_id=KEY_ID,
    )


def samples() -> dict[str, NoticeContent]:
    """One sample notice per ward language, each of a realistic city and complaint."""
    return {
        "kn": _content(
            tracking_id="BLR-7K3M9QX2AB",
            kind=NoticeKind.ASSIGNMENT,
            level=0,
            city="bengaluru",
            city_name="Bengaluru",
            corporation="Bruhat Bengaluru Mahanagara Palike",
            language="kn",
            zone="West",
            ward=("65", "Kadu Malleshwar Ward"),
            category=("pothole", "Pothole", "P3"),
            point=(13.003512, 77.570934),
            address="12th Cross, Margosa Road, near Malleshwaram Post Office, Bengaluru 560003",
            description=(
                "ಮಾರ್ಗೋಸಾ ರಸ್ತೆಯ 12ನೇ ಕ್ರಾಸ್ ಬಳಿ ಸುಮಾರು ಎರಡು ಅಡಿ ಅಗಲದ ದೊಡ್ಡ ಗುಂಡಿ ಇದೆ. ಮಳೆ ಬಂದಾಗ "
                "ನೀರು ತುಂಬಿ ಗುಂಡಿ ಕಾಣುವುದಿಲ್ಲ, ಕಳೆದ ವಾರ ಇಬ್ಬರು ದ್ವಿಚಕ್ರ ವಾಹನ ಸವಾರರು ಬಿದ್ದಿದ್ದಾರೆ. "
                "Near the bus stop, very dangerous at night. ದಯವಿಟ್ಟು ಶೀಘ್ರವಾಗಿ ಸರಿಪಡಿಸಿ."
            ),
            assignee=(1042, "Manjunath K. Gowda", "Assistant Engineer (Roads), West Zone"),
            sla_hours=72,
            issuer="Executive Engineer, Roads & Infrastructure, West Zone",
        ),
        "hi": _content(
            tracking_id="BPL-4N8RT2XK6C",
            kind=NoticeKind.ESCALATION,
            level=1,
            city="bhopal",
            city_name="Bhopal",
            corporation="Bhopal Municipal Corporation",
            language="hi",
            zone="Zone 7",
            ward=("32", "Shivaji Nagar"),
            category=("garbage_not_collected", "Garbage not collected", "P3"),
            point=(23.229614, 77.421108),
            address="E-7 Arera Colony, behind Bittan Market, Bhopal 462016",
            description=(
                "पिछले चार दिनों से हमारी गली में कचरा गाड़ी नहीं आई है। कचरे के ढेर से बदबू आ रही है "
                "और आवारा कुत्ते कचरा फैला रहे हैं। कृपया शीघ्र कार्रवाई करें।"
            ),
            assignee=(2210, "Rajesh Kumar Sharma", "Zonal Health Officer, Zone 7"),
            sla_hours=24,
            issuer="Additional Commissioner (Health), Bhopal Municipal Corporation",
        ),
        "mr": _content(
            tracking_id="PUN-9D2HF7MW3Q",
            kind=NoticeKind.SLA_BREACH,
            level=0,
            city="pune",
            city_name="Pune",
            corporation="Pune Municipal Corporation",
            language="mr",
            zone="Ghole Road Ward Office",
            ward=("14", "Deccan Gymkhana – Model Colony"),
            category=("waterlogging", "Waterlogging", "P2"),
            point=(18.516726, 73.841431),
            address="Fergusson College Road, opposite Goodluck Café, Deccan, Pune 411004",
            description=(
                "थोड्याशा पावसातही या चौकात गुडघाभर पाणी साचते. पावसाळी गटारांची झाकणे कचऱ्याने बंद "
                "झाली आहेत. शाळेत जाणाऱ्या मुलांना आणि ज्येष्ठ नागरिकांना मोठा त्रास होतो."
            ),
            assignee=(3318, "Sunita Deshpande", "Junior Engineer (Storm Water), Ghole Road"),
            sla_hours=-6,  # the breach notice comes after the due time
            issuer="Assistant Municipal Commissioner, Ghole Road Ward Office",
        ),
        "ta": _content(
            tracking_id="CBE-6T1PZ8KJ4V",
            kind=NoticeKind.CLOSURE,
            level=0,
            city="coimbatore",
            city_name="Coimbatore",
            corporation="Coimbatore City Municipal Corporation",
            language="ta",
            zone="West",
            ward=("52", "R.S. Puram"),
            category=("streetlight_out", "Streetlight not working", "P3"),
            point=(11.009842, 76.949663),
            address="D.B. Road, near Arokiasamy Road junction, R.S. Puram, Coimbatore 641002",
            description=(
                "டி.பி. சாலையில் மூன்று தெருவிளக்குகள் ஒரு வாரமாக எரியவில்லை. இரவில் பெண்கள் "
                "நடந்து செல்ல அச்சமாக உள்ளது. விரைவில் சரிசெய்யவும்."
            ),
            assignee=(4121, "S. Karthikeyan", "Assistant Engineer (Electrical), West Zone"),
            sla_hours=48,
            issuer="Assistant Commissioner, West Zone",
        ),
        "te": _content(
            tracking_id="HYD-3W5GB9NA7E",
            kind=NoticeKind.ASSIGNMENT,
            level=0,
            city="hyderabad",
            city_name="Hyderabad",
            corporation="Greater Hyderabad Municipal Corporation",
            language="te",
            zone="Khairatabad",
            ward=("91", "Khairatabad"),
            category=("drain_overflow", "Drain or sewer overflow", "P2"),
            point=(17.411412, 78.461212),
            address="Road No. 1, near Khairatabad Metro Station, Hyderabad 500004",
            description=(
                "మా వీధిలో మ్యాన్‌హోల్ నుండి మురుగు నీరు రోడ్డుపైకి పొంగిపొర్లుతోంది. దుర్వాసన "
                "భరించలేకపోతున్నాం, దోమలు పెరిగిపోయాయి. దయచేసి వెంటనే చర్య తీసుకోండి."
            ),
            assignee=(5230, "K. Srinivas Reddy", "Assistant Engineer (Sewerage), Circle 17"),
            sla_hours=24,
            issuer="Deputy Commissioner, Khairatabad Circle",
        ),
        "bn": _content(
            tracking_id="KOL-8C4XQ2RM5H",
            kind=NoticeKind.ESCALATION,
            level=2,
            city="kolkata",
            city_name="Kolkata",
            corporation="Kolkata Municipal Corporation",
            language="bn",
            zone="Borough VIII",
            ward=("85", "Kalighat"),
            category=("mosquito_breeding", "Mosquito breeding", "P2"),
            point=(22.520541, 88.342017),
            address="Kalighat Road, near Kalighat Metro Station gate 2, Kolkata 700026",
            description=(
                "পরিত্যক্ত জমিতে দীর্ঘদিন ধরে জল জমে আছে এবং সেখানে মশার লার্ভা দেখা যাচ্ছে। "
                "পাড়ায় দুজনের ডেঙ্গি হয়েছে। অবিলম্বে লার্ভানাশক স্প্রে করার অনুরোধ জানাচ্ছি।"
            ),
            assignee=(6402, "Subhajit Banerjee", "Executive Health Officer, Borough VIII"),
            sla_hours=48,
            issuer="Chief Municipal Health Officer, Kolkata Municipal Corporation",
        ),
        "gu": _content(
            tracking_id="AMD-2F7KD3VN9S",
            kind=NoticeKind.ASSIGNMENT,
            level=0,
            city="ahmedabad",
            city_name="Ahmedabad",
            corporation="Ahmedabad Municipal Corporation",
            language="gu",
            zone="West",
            ward=("16", "Navrangpura"),
            category=("stray_animals", "Stray animals", "P3"),
            point=(23.036718, 72.561021),
            address="C.G. Road, near Swastik Char Rasta, Navrangpura, Ahmedabad 380009",
            description=(
                "સ્વસ્તિક ચાર રસ્તા પાસે રખડતાં ઢોર રસ્તા વચ્ચે બેસી રહે છે, જેના કારણે ટ્રાફિક જામ "
                "થાય છે અને અકસ્માતનો ભય રહે છે. કૃપા કરીને ઢોર પકડવાની કાર્યવાહી કરો."
            ),
            assignee=(7015, "Hitesh Patel", "Assistant Manager (CNCD), West Zone"),
            sla_hours=48,
            issuer="Deputy Municipal Commissioner, West Zone",
        ),
    }


def render_png(pdf: bytes, path: Path, dpi: int) -> None:
    """Rasterise the first page of a PDF to a PNG."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        document[0].render(scale=dpi / 72).to_pil().save(path, optimize=True)
    finally:
        document.close()


def main() -> None:
    """Write one PNG (and optionally the PDF) per language."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "notices")
    parser.add_argument("--dpi", type=int, default=100)
    parser.add_argument("--pdf", action="store_true", help="also write the PDFs")
    parser.add_argument("--only", help="a single language code")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for language, content in samples().items():
        if args.only and language != args.only:
            continue
        content = replace(content)
        pdf = render_notice(content, sample_seal(content))
        render_png(pdf, args.out / f"notice-{language}.png", args.dpi)
        if args.pdf:
            (args.out / f"notice-{language}.pdf").write_bytes(pdf)
        print(f"{args.out / f'notice-{language}.png'}: {content.notice_id}")


if __name__ == "__main__":
    main()
