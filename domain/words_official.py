"""The strings of the officials' pages, in every page language.

Part of the one word catalogue: domain/words.py merges these into UI, and a test checks that
each language has the same keys.
"""

from __future__ import annotations

OFFICIAL_UI: dict[str, dict[str, str]] = {
    "en": {
        "forbidden_title": "Not for you",
        "back_to_work": "Back to my work",
        "case_not_yours": "This case is assigned to another supervisor. You see and act only "
        "on the cases assigned to you.",
        "page_not_for_role": "Your role may not open this page.",
        "nav_work": "My work",
        "nav_report": "Report a problem",
        "nav_verify": "Verify a notice",
    },
    "kn": {
        "forbidden_title": "ನಿಮಗೆ ಅನುಮತಿ ಇಲ್ಲ",
        "back_to_work": "ನನ್ನ ಕೆಲಸಕ್ಕೆ ಹಿಂತಿರುಗಿ",
        "case_not_yours": "ಈ ಪ್ರಕರಣವನ್ನು ಇನ್ನೊಬ್ಬ ಮೇಲ್ವಿಚಾರಕರಿಗೆ ವಹಿಸಲಾಗಿದೆ. ನಿಮಗೆ ವಹಿಸಿದ "
        "ಪ್ರಕರಣಗಳನ್ನು ಮಾತ್ರ ನೀವು ನೋಡಬಹುದು ಮತ್ತು ನಿರ್ವಹಿಸಬಹುದು.",
        "page_not_for_role": "ನಿಮ್ಮ ಪಾತ್ರಕ್ಕೆ ಈ ಪುಟ ತೆರೆಯಲು ಅನುಮತಿ ಇಲ್ಲ.",
        "nav_work": "ನನ್ನ ಕೆಲಸ",
        "nav_report": "ಸಮಸ್ಯೆ ವರದಿ ಮಾಡಿ",
        "nav_verify": "ನೋಟಿಸ್ ಪರಿಶೀಲಿಸಿ",
    },
}
