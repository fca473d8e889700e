"""Complaint category names in every language a notice prints: pure data, no I/O.

Part of the one word catalogue (domain/words.py re-exports it); notices/i18n.py prints these
names on notices and the pages show the same names, so a category is named once per language.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType


def frozen_table(table: dict[str, dict[str, str]]) -> Mapping[str, Mapping[str, str]]:
    """A read-only copy of a language -> key -> text table."""
    return MappingProxyType({lang: MappingProxyType(words) for lang, words in table.items()})


# Category codes of domain/categories.py -> name, per language (the notices print these).
CATEGORY_NAMES: Mapping[str, Mapping[str, str]] = frozen_table(
    {
        "en": {
            "pothole": "Pothole",
            "waterlogging": "Waterlogging",
            "drain_overflow": "Drain or sewer overflow",
            "garbage_not_collected": "Garbage not collected",
            "waste_not_segregated": "Waste not segregated",
            "streetlight_out": "Streetlight not working",
            "stray_animals": "Stray animals",
            "fallen_tree": "Fallen tree or branch",
            "water_supply": "No water supply or leak",
            "illegal_dumping": "Illegal dumping or garbage black spot",
            "public_toilet": "Public toilet unclean or locked",
            "mosquito_breeding": "Mosquito breeding",
        },
        "kn": {
            "pothole": "ರಸ್ತೆ ಗುಂಡಿ",
            "waterlogging": "ನೀರು ನಿಲ್ಲುವಿಕೆ",
            "drain_overflow": "ಚರಂಡಿ ಅಥವಾ ಒಳಚರಂಡಿ ಉಕ್ಕಿ ಹರಿಯುವಿಕೆ",
            "garbage_not_collected": "ಕಸ ಸಂಗ್ರಹಿಸಿಲ್ಲ",
            "waste_not_segregated": "ಕಸ ವಿಂಗಡಣೆ ಮಾಡಿಲ್ಲ",
            "streetlight_out": "ಬೀದಿ ದೀಪ ಕಾರ್ಯನಿರ್ವಹಿಸುತ್ತಿಲ್ಲ",
            "stray_animals": "ಬೀದಿ ಪ್ರಾಣಿಗಳು",
            "fallen_tree": "ಬಿದ್ದ ಮರ ಅಥವಾ ಕೊಂಬೆ",
            "water_supply": "ನೀರು ಸರಬರಾಜು ಇಲ್ಲ ಅಥವಾ ಸೋರಿಕೆ",
            "illegal_dumping": "ಅಕ್ರಮ ಕಸ ಸುರಿಯುವಿಕೆ ಅಥವಾ ಕಸದ ಬ್ಲ್ಯಾಕ್ ಸ್ಪಾಟ್",
            "public_toilet": "ಸಾರ್ವಜನಿಕ ಶೌಚಾಲಯ ಅಶುಚಿಯಾಗಿದೆ ಅಥವಾ ಬೀಗ ಹಾಕಲಾಗಿದೆ",
            "mosquito_breeding": "ಸೊಳ್ಳೆಗಳ ಸಂತಾನೋತ್ಪತ್ತಿ",
        },
        "hi": {
            "pothole": "सड़क में गड्ढा",
            "waterlogging": "जलभराव",
            "drain_overflow": "नाली या सीवर का उफनना",
            "garbage_not_collected": "कचरा नहीं उठाया गया",
            "waste_not_segregated": "कचरे का पृथक्करण नहीं किया गया",
            "streetlight_out": "स्ट्रीट लाइट खराब",
            "stray_animals": "आवारा पशु",
            "fallen_tree": "गिरा हुआ पेड़ या डाल",
            "water_supply": "जल आपूर्ति बाधित या रिसाव",
            "illegal_dumping": "अवैध रूप से कचरा फेंकना या कचरा ब्लैक स्पॉट",
            "public_toilet": "सार्वजनिक शौचालय गंदा या बंद",
            "mosquito_breeding": "मच्छरों का प्रजनन",
        },
        "mr": {
            "pothole": "रस्त्यावरील खड्डा",
            "waterlogging": "पाणी साचणे",
            "drain_overflow": "गटार किंवा मलनिस्सारण वाहिनी तुंबून वाहणे",
            "garbage_not_collected": "कचरा उचलला गेला नाही",
            "waste_not_segregated": "कचऱ्याचे वर्गीकरण केलेले नाही",
            "streetlight_out": "पथदिवा बंद",
            "stray_animals": "भटकी जनावरे",
            "fallen_tree": "पडलेले झाड किंवा फांदी",
            "water_supply": "पाणीपुरवठा बंद किंवा गळती",
            "illegal_dumping": "अनधिकृतपणे कचरा टाकणे किंवा कचरा ब्लॅक स्पॉट",
            "public_toilet": "सार्वजनिक शौचालय अस्वच्छ किंवा बंद",
            "mosquito_breeding": "डासांची उत्पत्ती",
        },
        "ta": {
            "pothole": "சாலைப் பள்ளம்",
            "waterlogging": "நீர் தேக்கம்",
            "drain_overflow": "வடிகால் அல்லது கழிவுநீர் வழிந்தோடுதல்",
            "garbage_not_collected": "குப்பை சேகரிக்கப்படவில்லை",
            "waste_not_segregated": "குப்பை தரம் பிரிக்கப்படவில்லை",
            "streetlight_out": "தெருவிளக்கு எரியவில்லை",
            "stray_animals": "தெருவில் திரியும் விலங்குகள்",
            "fallen_tree": "முறிந்து விழுந்த மரம் அல்லது கிளை",
            "water_supply": "குடிநீர் விநியோகம் இல்லை அல்லது கசிவு",
            "illegal_dumping": "சட்டவிரோதமாகக் குப்பை கொட்டுதல் அல்லது குப்பை கரும்புள்ளி",
            "public_toilet": "பொதுக் கழிப்பறை அசுத்தமாக அல்லது பூட்டப்பட்டுள்ளது",
            "mosquito_breeding": "கொசு உற்பத்தி",
        },
        "te": {
            "pothole": "రోడ్డుపై గుంత",
            "waterlogging": "నీరు నిలిచిపోవడం",
            "drain_overflow": "డ్రైనేజీ లేదా మురుగు కాలువ పొంగిపొర్లడం",
            "garbage_not_collected": "చెత్త సేకరించలేదు",
            "waste_not_segregated": "చెత్తను వేరుచేయలేదు",
            "streetlight_out": "వీధి దీపం పనిచేయడం లేదు",
            "stray_animals": "వీధి జంతువులు",
            "fallen_tree": "కూలిన చెట్టు లేదా కొమ్మ",
            "water_supply": "నీటి సరఫరా లేదు లేదా లీకేజీ",
            "illegal_dumping": "అక్రమంగా చెత్త వేయడం లేదా చెత్త బ్లాక్ స్పాట్",
            "public_toilet": "ప్రజా మరుగుదొడ్డి అపరిశుభ్రంగా ఉంది లేదా తాళం వేయబడింది",
            "mosquito_breeding": "దోమల వృద్ధి",
        },
        "bn": {
            "pothole": "রাস্তায় গর্ত",
            "waterlogging": "জল জমা",
            "drain_overflow": "নর্দমা বা পয়ঃপ্রণালী উপচে পড়া",
            "garbage_not_collected": "আবর্জনা সংগ্রহ করা হয়নি",
            "waste_not_segregated": "বর্জ্য পৃথকীকরণ করা হয়নি",
            "streetlight_out": "পথবাতি জ্বলছে না",
            "stray_animals": "বেওয়ারিশ পশু",
            "fallen_tree": "ভেঙে পড়া গাছ বা ডাল",
            "water_supply": "জল সরবরাহ নেই বা লিকেজ",
            "illegal_dumping": "অবৈধভাবে আবর্জনা ফেলা বা আবর্জনার ব্ল্যাক স্পট",
            "public_toilet": "সর্বজনীন শৌচাগার অপরিচ্ছন্ন বা তালাবন্ধ",
            "mosquito_breeding": "মশার বংশবৃদ্ধি",
        },
        "gu": {
            "pothole": "રસ્તા પર ખાડો",
            "waterlogging": "પાણી ભરાવું",
            "drain_overflow": "ગટર અથવા ડ્રેનેજ ઊભરાવું",
            "garbage_not_collected": "કચરો ઉપાડવામાં આવ્યો નથી",
            "waste_not_segregated": "કચરાનું વર્ગીકરણ કરવામાં આવ્યું નથી",
            "streetlight_out": "સ્ટ્રીટલાઇટ બંધ",
            "stray_animals": "રખડતાં પશુઓ",
            "fallen_tree": "પડી ગયેલું ઝાડ અથવા ડાળી",
            "water_supply": "પાણી પુરવઠો બંધ અથવા લીકેજ",
            "illegal_dumping": "ગેરકાયદે કચરો ફેંકવો અથવા કચરાનો બ્લેક સ્પોટ",
            "public_toilet": "જાહેર શૌચાલય ગંદું અથવા બંધ",
            "mosquito_breeding": "મચ્છરોની ઉત્પત્તિ",
        },
    }
)
