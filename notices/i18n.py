"""Printed words of a notice in English and each ward language; pure data, no I/O.

A notice is bilingual: every label is printed in English and in the ward's language. A
language without translations here (e.g. ml, ur) gets an English-only notice: `labels()`
returns the English set, whose `language` is "en", and the renderer prints nothing twice.
Body sentences of escalation notices carry a ``{level}`` placeholder. Category names come
from the shared word catalogue (domain/words.py), which the public pages also show.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from domain.words import CATEGORY_NAMES
from notices.model import NoticeKind

SUPPORTED: tuple[str, ...] = ("en", "kn", "hi", "mr", "ta", "te", "bn", "gu")

# Keys of the field labels, in the order a notice usually prints them.
FIELDS: tuple[str, ...] = (
    "notice_number",
    "complaint",
    "category",
    "priority",
    "ward",
    "zone",
    "location",
    "address",
    "description",
    "assigned_to",
    "designation",
    "resolve_by",
    "issued_on",
    "issued_by",
    "escalation_level",
    "resolved_on",
    "proof",
)

# The Closure certificate's own rows, per language: (resolved on, proof of completion).
_CLOSURE_FIELDS: dict[str, tuple[str, str]] = {
    "en": ("Resolved on", "Proof (SHA-256)"),
    "kn": ("ಪರಿಹರಿಸಿದ ದಿನಾಂಕ", "ಪುರಾವೆ (SHA-256)"),
    "hi": ("समाधान की तिथि", "प्रमाण (SHA-256)"),
    "mr": ("निवारणाची तारीख", "पुरावा (SHA-256)"),
    "ta": ("தீர்க்கப்பட்ட நாள்", "சான்று (SHA-256)"),
    "te": ("పరిష్కరించిన తేదీ", "రుజువు (SHA-256)"),
    "bn": ("সমাধানের তারিখ", "প্রমাণ (SHA-256)"),
    "gu": ("નિવારણ તારીખ", "પુરાવો (SHA-256)"),
}

# Category codes of domain/categories.py.
CATEGORY_CODES: tuple[str, ...] = (
    "pothole",
    "waterlogging",
    "drain_overflow",
    "garbage_not_collected",
    "waste_not_segregated",
    "streetlight_out",
    "stray_animals",
    "fallen_tree",
    "water_supply",
    "illegal_dumping",
    "public_toilet",
    "mosquito_breeding",
)

_KINDS = (NoticeKind.ASSIGNMENT, NoticeKind.ESCALATION, NoticeKind.SLA_BREACH, NoticeKind.CLOSURE)


@dataclass(frozen=True)
class Labels:
    """Every printed word of a notice in one language."""

    language: str
    titles: Mapping[str, str]  # NoticeKind value -> document title
    bodies: Mapping[str, str]  # NoticeKind value -> instruction; escalation has {level}
    fields: Mapping[str, str]  # FIELDS key -> field label
    categories: Mapping[str, str]  # category code -> category name
    footer: str  # the verification sentence
    scan_to_verify: str  # caption under the QR code
    digitally_signed: str  # line under the issuing authority

    def title(self, kind: NoticeKind) -> str:
        """The document title of a notice kind."""
        return self.titles[kind.value]

    def body(self, kind: NoticeKind, level: int = 0) -> str:
        """The instruction sentence(s) of a notice kind, with the escalation level filled in."""
        return self.bodies[kind.value].format(level=level)

    def field(self, key: str) -> str:
        """The label of a field (one of FIELDS)."""
        return self.fields[key]

    def category(self, code: str) -> str | None:
        """The name of a category code, or None for a code this table does not know."""
        return self.categories.get(code)


def _make(
    language: str,
    titles: tuple[str, str, str, str],
    bodies: tuple[str, str, str, str],
    fields: tuple[str, ...],
    footer: str,
    scan_to_verify: str,
    digitally_signed: str,
) -> Labels:
    """Build a Labels from tables written in the order of _KINDS and FIELDS; the category
    names come from the shared catalogue (domain/words.py)."""
    fields = fields + _CLOSURE_FIELDS[language]
    categories = CATEGORY_NAMES[language]
    if len(fields) != len(FIELDS) or set(categories) != set(CATEGORY_CODES):
        raise ValueError(f"{language}: expected {len(FIELDS)} fields and 12 categories")
    return Labels(
        language=language,
        titles=MappingProxyType({k.value: t for k, t in zip(_KINDS, titles, strict=True)}),
        bodies=MappingProxyType({k.value: b for k, b in zip(_KINDS, bodies, strict=True)}),
        fields=MappingProxyType(dict(zip(FIELDS, fields, strict=True))),
        categories=MappingProxyType({code: categories[code] for code in CATEGORY_CODES}),
        footer=footer,
        scan_to_verify=scan_to_verify,
        digitally_signed=digitally_signed,
    )


_EN = _make(
    "en",
    ("Assignment Notice", "Escalation Notice", "SLA Breach Notice", "Closure Certificate"),
    (
        "You are hereby directed to resolve this complaint by the due time stated below and to "
        "upload proof of completion in CivicOps.",
        "This complaint was not resolved within its service level and has been escalated to "
        "you at level {level}. You are directed to resolve it without further delay.",
        "The time limit for resolving this complaint has passed. Immediate action is required.",
        "This is to certify that the complaint has been resolved and the proof of completion "
        "has been verified.",
    ),
    (
        "Notice number",
        "Complaint",
        "Category",
        "Priority",
        "Ward",
        "Zone",
        "Location (coordinates)",
        "Address",
        "Description",
        "Assigned to",
        "Designation",
        "Resolve by",
        "Issued on",
        "Issued by",
        "Escalation level",
    ),
    "This notice is digitally signed. Scan the QR code or run “civicops verify” to check it.",
    "Scan to verify",
    "Digitally signed; no physical signature is required.",
)

_KN = _make(
    "kn",
    (
        "ಕಾರ್ಯ ನಿಯೋಜನೆ ಸೂಚನೆ",
        "ಉನ್ನತ ಹಂತಕ್ಕೆ ವರ್ಗಾವಣೆ ಸೂಚನೆ",
        "ಸೇವಾ ಕಾಲಮಿತಿ ಉಲ್ಲಂಘನೆ ಸೂಚನೆ",
        "ದೂರು ಮುಕ್ತಾಯ ಪ್ರಮಾಣಪತ್ರ",
    ),
    (
        "ಕೆಳಗೆ ನಮೂದಿಸಿರುವ ಗಡುವಿನೊಳಗೆ ಈ ದೂರನ್ನು ಪರಿಹರಿಸಿ, ಕೆಲಸ ಪೂರ್ಣಗೊಂಡ ಬಗ್ಗೆ ಪುರಾವೆಯನ್ನು "
        "CivicOps ನಲ್ಲಿ ಅಪ್‌ಲೋಡ್ ಮಾಡಲು ತಮಗೆ ಈ ಮೂಲಕ ನಿರ್ದೇಶಿಸಲಾಗಿದೆ.",
        "ಈ ದೂರು ನಿಗದಿತ ಸೇವಾ ಕಾಲಮಿತಿಯೊಳಗೆ ಪರಿಹಾರವಾಗದ ಕಾರಣ ಹಂತ {level} ರಲ್ಲಿ ತಮಗೆ "
        "ವರ್ಗಾಯಿಸಲಾಗಿದೆ. ಯಾವುದೇ ವಿಳಂಬವಿಲ್ಲದೆ ಇದನ್ನು ಪರಿಹರಿಸತಕ್ಕದ್ದು.",
        "ಈ ದೂರನ್ನು ಪರಿಹರಿಸಲು ನಿಗದಿಪಡಿಸಿದ ಕಾಲಮಿತಿ ಮೀರಿದೆ. ತಕ್ಷಣವೇ ಕ್ರಮ ಕೈಗೊಳ್ಳತಕ್ಕದ್ದು.",
        "ಈ ದೂರನ್ನು ಪರಿಹರಿಸಲಾಗಿದ್ದು, ಕೆಲಸ ಪೂರ್ಣಗೊಂಡ ಪುರಾವೆಯನ್ನು ಪರಿಶೀಲಿಸಲಾಗಿದೆ ಎಂದು ಪ್ರಮಾಣೀಕರಿಸಲಾಗಿದೆ.",
    ),
    (
        "ಸೂಚನೆ ಸಂಖ್ಯೆ",
        "ದೂರು",
        "ವರ್ಗ",
        "ಆದ್ಯತೆ",
        "ವಾರ್ಡ್",
        "ವಲಯ",
        "ಸ್ಥಳ (ನಿರ್ದೇಶಾಂಕಗಳು)",
        "ವಿಳಾಸ",
        "ವಿವರಣೆ",
        "ನಿಯೋಜಿತ ಅಧಿಕಾರಿ",
        "ಪದನಾಮ",
        "ಪರಿಹಾರದ ಗಡುವು",
        "ಹೊರಡಿಸಿದ ದಿನಾಂಕ",
        "ಹೊರಡಿಸಿದವರು",
        "ವರ್ಗಾವಣೆ ಹಂತ",
    ),
    "ಈ ಸೂಚನೆಗೆ ಡಿಜಿಟಲ್ ಸಹಿ ಮಾಡಲಾಗಿದೆ. ಇದನ್ನು ಪರಿಶೀಲಿಸಲು QR ಕೋಡ್ ಅನ್ನು ಸ್ಕ್ಯಾನ್ ಮಾಡಿ ಅಥವಾ "
    "“civicops verify” ಆಜ್ಞೆಯನ್ನು ಚಲಾಯಿಸಿ.",
    "ಪರಿಶೀಲಿಸಲು ಸ್ಕ್ಯಾನ್ ಮಾಡಿ",
    "ಡಿಜಿಟಲ್ ಸಹಿ ಮಾಡಲಾಗಿದೆ; ಭೌತಿಕ ಸಹಿಯ ಅಗತ್ಯವಿಲ್ಲ.",
)

_HI = _make(
    "hi",
    (
        "कार्य आवंटन सूचना",
        "उच्च स्तर को अग्रेषण सूचना",
        "सेवा समय-सीमा उल्लंघन सूचना",
        "शिकायत निस्तारण प्रमाणपत्र",
    ),
    (
        "आपको निर्देशित किया जाता है कि नीचे अंकित नियत समय के भीतर इस शिकायत का निस्तारण करें "
        "तथा कार्य पूर्ण होने का प्रमाण CivicOps में अपलोड करें।",
        "यह शिकायत निर्धारित सेवा समय-सीमा के भीतर हल नहीं हुई है, अतः इसे स्तर {level} पर "
        "आपको अग्रेषित किया गया है। आपको निर्देशित किया जाता है कि इसका अविलंब निस्तारण करें।",
        "इस शिकायत के निस्तारण की निर्धारित समय-सीमा समाप्त हो चुकी है। तत्काल कार्रवाई अपेक्षित है।",
        "प्रमाणित किया जाता है कि इस शिकायत का निस्तारण कर दिया गया है तथा कार्य पूर्ण होने के "
        "प्रमाण का सत्यापन कर लिया गया है।",
    ),
    (
        "सूचना संख्या",
        "शिकायत",
        "श्रेणी",
        "प्राथमिकता",
        "वार्ड",
        "ज़ोन",
        "स्थान (निर्देशांक)",
        "पता",
        "विवरण",
        "आवंटित अधिकारी",
        "पदनाम",
        "निस्तारण की अंतिम तिथि",
        "जारी करने की तिथि",
        "जारीकर्ता",
        "अग्रेषण स्तर",
    ),
    "यह सूचना डिजिटल रूप से हस्ताक्षरित है। इसकी जाँच के लिए QR कोड स्कैन करें या “civicops verify” चलाएँ।",
    "सत्यापन हेतु स्कैन करें",
    "डिजिटल रूप से हस्ताक्षरित; भौतिक हस्ताक्षर की आवश्यकता नहीं है।",
)

_MR = _make(
    "mr",
    (
        "कार्य नियुक्ती सूचना",
        "वरिष्ठ स्तरावर हस्तांतरण सूचना",
        "सेवा कालमर्यादा उल्लंघन सूचना",
        "तक्रार निवारण प्रमाणपत्र",
    ),
    (
        "खाली नमूद केलेल्या मुदतीत या तक्रारीचे निवारण करून काम पूर्ण झाल्याचा पुरावा CivicOps "
        "मध्ये अपलोड करण्याचे निर्देश आपणास याद्वारे देण्यात येत आहेत.",
        "ही तक्रार विहित सेवा कालमर्यादेत निकाली न निघाल्यामुळे स्तर {level} वर आपणाकडे "
        "हस्तांतरित करण्यात आली आहे. विलंब न करता तिचे निवारण करावे.",
        "या तक्रारीच्या निवारणासाठी विहित केलेली कालमर्यादा उलटून गेली आहे. तात्काळ कार्यवाही करावी.",
        "प्रमाणित करण्यात येते की या तक्रारीचे निवारण करण्यात आले असून काम पूर्ण झाल्याच्या "
        "पुराव्याची पडताळणी करण्यात आली आहे.",
    ),
    (
        "सूचना क्रमांक",
        "तक्रार",
        "प्रवर्ग",
        "प्राधान्य",
        "प्रभाग",
        "परिमंडळ",
        "स्थान (निर्देशांक)",
        "पत्ता",
        "तपशील",
        "नियुक्त अधिकारी",
        "पदनाम",
        "निवारणाची अंतिम मुदत",
        "जारी केल्याचा दिनांक",
        "जारीकर्ता",
        "हस्तांतरण स्तर",
    ),
    "या सूचनेवर डिजिटल स्वाक्षरी करण्यात आली आहे. पडताळणीसाठी QR कोड स्कॅन करा किंवा "
    "“civicops verify” चालवा.",
    "पडताळणीसाठी स्कॅन करा",
    "डिजिटल स्वाक्षरीत; प्रत्यक्ष स्वाक्षरीची आवश्यकता नाही.",
)

_TA = _make(
    "ta",
    (
        "பணி ஒதுக்கீட்டு அறிவிப்பு",
        "உயர்நிலைக்கு மாற்றல் அறிவிப்பு",
        "சேவைக் கால வரம்பு மீறல் அறிவிப்பு",
        "புகார் தீர்வுச் சான்றிதழ்",
    ),
    (
        "கீழே குறிப்பிடப்பட்டுள்ள காலக்கெடுவுக்குள் இப்புகாருக்குத் தீர்வு கண்டு, பணி "
        "முடிந்ததற்கான சான்றை CivicOps-இல் பதிவேற்றுமாறு தங்களுக்கு இதன்மூலம் அறிவுறுத்தப்படுகிறது.",
        "இப்புகார் நிர்ணயிக்கப்பட்ட சேவைக் கால வரம்பிற்குள் தீர்க்கப்படாததால், நிலை {level}-இல் "
        "தங்களுக்கு மாற்றப்பட்டுள்ளது. தாமதமின்றி இதற்குத் தீர்வு காணுமாறு அறிவுறுத்தப்படுகிறது.",
        "இப்புகாருக்குத் தீர்வு காண நிர்ணயிக்கப்பட்ட கால வரம்பு கடந்துவிட்டது. உடனடியாக நடவடிக்கை எடுக்கப்பட வேண்டும்.",
        "இப்புகாருக்குத் தீர்வு காணப்பட்டு, பணி முடிந்ததற்கான சான்று சரிபார்க்கப்பட்டுள்ளது "
        "என இதன்மூலம் சான்றளிக்கப்படுகிறது.",
    ),
    (
        "அறிவிப்பு எண்",
        "புகார்",
        "வகை",
        "முன்னுரிமை",
        "வார்டு",
        "மண்டலம்",
        "இருப்பிடம் (ஆயத்தொலைவுகள்)",
        "முகவரி",
        "விவரம்",
        "ஒதுக்கப்பட்ட அலுவலர்",
        "பதவி",
        "தீர்வுக்கான காலக்கெடு",
        "வெளியிட்ட நாள்",
        "வெளியிட்டவர்",
        "மாற்றல் நிலை",
    ),
    "இந்த அறிவிப்பு மின்னணு முறையில் கையொப்பமிடப்பட்டுள்ளது. இதைச் சரிபார்க்க QR குறியீட்டை "
    "ஸ்கேன் செய்யவும் அல்லது “civicops verify” கட்டளையை இயக்கவும்.",
    "சரிபார்க்க ஸ்கேன் செய்யவும்",
    "மின்னணு முறையில் கையொப்பமிடப்பட்டது; நேரடிக் கையொப்பம் தேவையில்லை.",
)

_TE = _make(
    "te",
    (
        "పని కేటాయింపు నోటీసు",
        "ఉన్నత స్థాయికి బదిలీ నోటీసు",
        "సేవా గడువు ఉల్లంఘన నోటీసు",
        "ఫిర్యాదు పరిష్కార ధ్రువీకరణ పత్రం",
    ),
    (
        "దిగువ పేర్కొన్న గడువులోగా ఈ ఫిర్యాదును పరిష్కరించి, పని పూర్తయినట్లు రుజువును "
        "CivicOpsలో అప్‌లోడ్ చేయవలసిందిగా మిమ్మల్ని ఇందుమూలముగా ఆదేశించడమైనది.",
        "ఈ ఫిర్యాదు నిర్దేశిత సేవా గడువులోగా పరిష్కారం కానందున స్థాయి {level} వద్ద మీకు "
        "బదిలీ చేయబడింది. ఆలస్యం లేకుండా దీనిని పరిష్కరించవలసిందిగా ఆదేశించడమైనది.",
        "ఈ ఫిర్యాదు పరిష్కారానికి నిర్దేశించిన గడువు ముగిసింది. తక్షణమే చర్య తీసుకోవలెను.",
        "ఈ ఫిర్యాదు పరిష్కరించబడినదని మరియు పని పూర్తయినట్లు రుజువు ధ్రువీకరించబడినదని ఇందుమూలముగా ధ్రువీకరించడమైనది.",
    ),
    (
        "నోటీసు సంఖ్య",
        "ఫిర్యాదు",
        "వర్గం",
        "ప్రాధాన్యత",
        "వార్డు",
        "జోన్",
        "ప్రదేశం (అక్షాంశ రేఖాంశాలు)",
        "చిరునామా",
        "వివరణ",
        "కేటాయించిన అధికారి",
        "హోదా",
        "పరిష్కార గడువు",
        "జారీ చేసిన తేదీ",
        "జారీ చేసినవారు",
        "బదిలీ స్థాయి",
    ),
    "ఈ నోటీసుపై డిజిటల్ సంతకం చేయబడింది. దీనిని తనిఖీ చేయడానికి QR కోడ్‌ను స్కాన్ చేయండి "
    "లేదా “civicops verify” ఆదేశాన్ని అమలు చేయండి.",
    "ధ్రువీకరణకు స్కాన్ చేయండి",
    "డిజిటల్ సంతకం చేయబడింది; భౌతిక సంతకం అవసరం లేదు.",
)

_BN = _make(
    "bn",
    (
        "কার্য বরাদ্দ বিজ্ঞপ্তি",
        "ঊর্ধ্বতন স্তরে প্রেরণ বিজ্ঞপ্তি",
        "পরিষেবা সময়সীমা লঙ্ঘন বিজ্ঞপ্তি",
        "অভিযোগ নিষ্পত্তি শংসাপত্র",
    ),
    (
        "নিম্নে উল্লিখিত নির্ধারিত সময়ের মধ্যে এই অভিযোগের নিষ্পত্তি করে কাজ সম্পন্ন হওয়ার "
        "প্রমাণ CivicOps-এ আপলোড করার জন্য আপনাকে এতদ্বারা নির্দেশ দেওয়া হচ্ছে।",
        "এই অভিযোগটি নির্ধারিত পরিষেবা সময়সীমার মধ্যে নিষ্পত্তি না হওয়ায় স্তর {level}-এ আপনার "
        "নিকট প্রেরণ করা হয়েছে। অবিলম্বে এর নিষ্পত্তি করার জন্য আপনাকে নির্দেশ দেওয়া হচ্ছে।",
        "এই অভিযোগ নিষ্পত্তির নির্ধারিত সময়সীমা অতিক্রান্ত হয়েছে। অবিলম্বে ব্যবস্থা গ্রহণ করুন।",
        "এতদ্বারা প্রত্যয়ন করা হচ্ছে যে এই অভিযোগের নিষ্পত্তি হয়েছে এবং কাজ সম্পন্ন হওয়ার প্রমাণ যাচাই করা হয়েছে।",
    ),
    (
        "বিজ্ঞপ্তি নম্বর",
        "অভিযোগ",
        "শ্রেণি",
        "অগ্রাধিকার",
        "ওয়ার্ড",
        "অঞ্চল",
        "অবস্থান (স্থানাঙ্ক)",
        "ঠিকানা",
        "বিবরণ",
        "দায়িত্বপ্রাপ্ত আধিকারিক",
        "পদমর্যাদা",
        "নিষ্পত্তির শেষ সময়",
        "জারির তারিখ",
        "জারিকারী কর্তৃপক্ষ",
        "প্রেরণ স্তর",
    ),
    "এই বিজ্ঞপ্তিটি ডিজিটাল স্বাক্ষরযুক্ত। যাচাই করতে QR কোড স্ক্যান করুন অথবা “civicops verify” চালান।",
    "যাচাই করতে স্ক্যান করুন",
    "ডিজিটাল স্বাক্ষরযুক্ত; হাতে স্বাক্ষরের প্রয়োজন নেই।",
)

_GU = _make(
    "gu",
    (
        "કામગીરી ફાળવણી નોટિસ",
        "ઉચ્ચ સ્તરે તબદીલી નોટિસ",
        "સેવા સમયમર્યાદા ભંગ નોટિસ",
        "ફરિયાદ નિકાલ પ્રમાણપત્ર",
    ),
    (
        "નીચે દર્શાવેલ સમયમર્યાદામાં આ ફરિયાદનો નિકાલ કરી, કામગીરી પૂર્ણ થયાનો પુરાવો CivicOps "
        "માં અપલોડ કરવા આથી આપને આદેશ આપવામાં આવે છે.",
        "આ ફરિયાદનો નિયત સેવા સમયમર્યાદામાં નિકાલ ન થવાથી તેને સ્તર {level} પર આપને તબદીલ "
        "કરવામાં આવી છે. વિલંબ વિના તેનો નિકાલ કરવા આપને આદેશ આપવામાં આવે છે.",
        "આ ફરિયાદના નિકાલ માટે નિયત કરેલી સમયમર્યાદા વીતી ગઈ છે. તાત્કાલિક કાર્યવાહી કરવી.",
        "આથી પ્રમાણિત કરવામાં આવે છે કે આ ફરિયાદનો નિકાલ કરવામાં આવ્યો છે અને કામગીરી પૂર્ણ "
        "થયાના પુરાવાની ચકાસણી કરવામાં આવી છે.",
    ),
    (
        "નોટિસ નંબર",
        "ફરિયાદ",
        "શ્રેણી",
        "અગ્રતા",
        "વોર્ડ",
        "ઝોન",
        "સ્થળ (અક્ષાંશ-રેખાંશ)",
        "સરનામું",
        "વિગત",
        "ફાળવેલ અધિકારી",
        "હોદ્દો",
        "નિકાલની અંતિમ મુદત",
        "જારી કર્યાની તારીખ",
        "જારીકર્તા",
        "તબદીલી સ્તર",
    ),
    "આ નોટિસ ડિજિટલ રીતે હસ્તાક્ષરિત છે. તેની ચકાસણી માટે QR કોડ સ્કેન કરો અથવા “civicops verify” ચલાવો.",
    "ચકાસણી માટે સ્કેન કરો",
    "ડિજિટલ રીતે હસ્તાક્ષરિત; હસ્તલિખિત સહીની જરૂર નથી.",
)

_ALL: Mapping[str, Labels] = MappingProxyType(
    {lab.language: lab for lab in (_EN, _KN, _HI, _MR, _TA, _TE, _BN, _GU)}
)


def labels(language: str) -> Labels:
    """The labels of a language; the English set (language "en") when it has no translations."""
    base = language.strip().split("-")[0].lower()
    return _ALL.get(base, _EN)


def english() -> Labels:
    """The English labels."""
    return _EN
