"""The strings of the citizens' points, badges and neighbourhood board, in every page language.

Part of the one word catalogue: domain/words.py merges these into UI, and a test checks that
each language has the same keys. `{name}` marks a value filled in by the page or its script.
Each badge of records/points.BADGES has `badge_<code>` (its name) and `badge_<code>_rule`.
"""

from __future__ import annotations

POINTS_UI: dict[str, dict[str, str]] = {
    "en": {
        "board_title": "Neighbourhood board",
        "board_city_title": "Neighbourhood board: {city}",
        "board_ward_title": "Neighbourhood board: ward {id}, {name}",
        "board_lead": "Citizens whose reports got problems fixed. Only the pseudonyms they "
        "chose are shown, never a name or a number.",
        "board_pick": "Show the board of",
        "board_whole_city": "the whole city",
        "board_show": "Show",
        "board_rank": "Rank",
        "board_name": "Pseudonym",
        "board_points": "Points",
        "board_fixes": "Fixes verified",
        "board_empty": "No one on this board yet. Points come when a reported problem is "
        "fixed and the fix verified.",
        "board_join": "Report a problem, and choose your pseudonym on the report page.",
        "board_how": "How points are earned",
        "board_how_resolved": "{n} points when a problem you reported is fixed and the fix "
        "verified. Many reports within one hour count once.",
        "board_how_answered": "{n} points for confirming a fix, or for reopening one and "
        "being proved right.",
        "board_how_first": "{n} points for being the first to report a problem that others "
        "then report too.",
        "board_how_nothing": "Withdrawn, duplicate and rejected complaints earn nothing.",
        "board_badges": "Badges",
        "badge_first_fix": "First fix",
        "badge_first_fix_rule": "A problem you reported was fixed, and the fix verified.",
        "badge_first_reporter": "First reporter",
        "badge_first_reporter_rule": "You were the first to report a problem that others "
        "then reported too.",
        "badge_closed_the_loop": "Closed the loop",
        "badge_closed_the_loop_rule": "You confirmed a fix, or reopened one and were proved right.",
        "badge_ten_confirmed_ward": "Ward regular",
        "badge_ten_confirmed_ward_rule": "Ten verified fixes of your reports in one ward.",
        "badge_hundred_points": "Hundred points",
        "badge_hundred_points_rule": "A hundred points in all.",
        "report_points_h": "Your points",
        "report_points_total": "{n} points",
        "report_points_none": "No points yet. You earn them when a problem you reported is "
        "fixed and the fix verified.",
        "report_points_offline": "Your points show when you are online.",
        "report_pseudonym": "Your name on the board",
        "report_pseudonym_hint": "A pseudonym, not your real name or number (2-24 letters). "
        "Leave it empty to stay off the board.",
        "report_pseudonym_save": "Save",
        "report_pseudonym_saved": "Saved: the board shows you as {name}.",
        "report_pseudonym_dropped": "Saved: you are off the board.",
        "report_board_link": "See the neighbourhood board",
    },
    "kn": {
        "board_title": "ನೆರೆಹೊರೆಯ ಫಲಕ",
        "board_city_title": "ನೆರೆಹೊರೆಯ ಫಲಕ: {city}",
        "board_ward_title": "ನೆರೆಹೊರೆಯ ಫಲಕ: ವಾರ್ಡ್ {id}, {name}",
        "board_lead": "ತಮ್ಮ ದೂರುಗಳಿಂದ ಸಮಸ್ಯೆಗಳು ಸರಿಯಾದ ನಾಗರಿಕರು. ಅವರು ಆರಿಸಿದ ಕಾವ್ಯನಾಮಗಳನ್ನು "
        "ಮಾತ್ರ ತೋರಿಸಲಾಗುತ್ತದೆ, ಹೆಸರು ಅಥವಾ ಸಂಖ್ಯೆಯನ್ನು ಎಂದಿಗೂ ಅಲ್ಲ.",
        "board_pick": "ಯಾವುದರ ಫಲಕ ತೋರಿಸಬೇಕು",
        "board_whole_city": "ಇಡೀ ನಗರ",
        "board_show": "ತೋರಿಸಿ",
        "board_rank": "ಸ್ಥಾನ",
        "board_name": "ಕಾವ್ಯನಾಮ",
        "board_points": "ಅಂಕಗಳು",
        "board_fixes": "ಪರಿಶೀಲಿಸಿದ ದುರಸ್ತಿಗಳು",
        "board_empty": "ಈ ಫಲಕದಲ್ಲಿ ಇನ್ನೂ ಯಾರೂ ಇಲ್ಲ. ದೂರು ನೀಡಿದ ಸಮಸ್ಯೆ ಸರಿಯಾಗಿ, ದುರಸ್ತಿ ಪರಿಶೀಲನೆಯಾದಾಗ ಅಂಕಗಳು ಬರುತ್ತವೆ.",
        "board_join": "ಸಮಸ್ಯೆಯ ಬಗ್ಗೆ ದೂರು ನೀಡಿ, ಮತ್ತು ದೂರಿನ ಪುಟದಲ್ಲಿ ನಿಮ್ಮ ಕಾವ್ಯನಾಮ ಆರಿಸಿ.",
        "board_how": "ಅಂಕಗಳು ಹೇಗೆ ಬರುತ್ತವೆ",
        "board_how_resolved": "ನೀವು ದೂರು ನೀಡಿದ ಸಮಸ್ಯೆ ಸರಿಯಾಗಿ, ದುರಸ್ತಿ ಪರಿಶೀಲನೆಯಾದಾಗ {n} ಅಂಕಗಳು. "
        "ಒಂದು ಗಂಟೆಯೊಳಗಿನ ಹಲವು ದೂರುಗಳು ಒಂದೇ ಎಂದು ಎಣಿಕೆಯಾಗುತ್ತವೆ.",
        "board_how_answered": "ದುರಸ್ತಿಯನ್ನು ದೃಢೀಕರಿಸಿದರೆ, ಅಥವಾ ಮರುತೆರೆದು ಅದು ಸರಿ ಎಂದು ಸಾಬೀತಾದರೆ {n} ಅಂಕಗಳು.",
        "board_how_first": "ಇತರರೂ ನಂತರ ದೂರು ನೀಡಿದ ಸಮಸ್ಯೆಯನ್ನು ಮೊದಲು ತಿಳಿಸಿದವರಿಗೆ {n} ಅಂಕಗಳು.",
        "board_how_nothing": "ಹಿಂಪಡೆದ, ನಕಲಿ ಮತ್ತು ತಿರಸ್ಕೃತ ದೂರುಗಳಿಗೆ ಅಂಕಗಳಿಲ್ಲ.",
        "board_badges": "ಬ್ಯಾಡ್ಜ್‌ಗಳು",
        "badge_first_fix": "ಮೊದಲ ದುರಸ್ತಿ",
        "badge_first_fix_rule": "ನೀವು ದೂರು ನೀಡಿದ ಸಮಸ್ಯೆ ಸರಿಯಾಯಿತು, ಮತ್ತು ದುರಸ್ತಿ ಪರಿಶೀಲನೆಯಾಯಿತು.",
        "badge_first_reporter": "ಮೊದಲ ವರದಿಗಾರ",
        "badge_first_reporter_rule": "ಇತರರೂ ನಂತರ ದೂರು ನೀಡಿದ ಸಮಸ್ಯೆಯನ್ನು ನೀವು ಮೊದಲು ತಿಳಿಸಿದಿರಿ.",
        "badge_closed_the_loop": "ಕೊನೆಯವರೆಗೂ",
        "badge_closed_the_loop_rule": "ನೀವು ದುರಸ್ತಿಯನ್ನು ದೃಢೀಕರಿಸಿದಿರಿ, ಅಥವಾ ಮರುತೆರೆದು ಸರಿ ಎಂದು ಸಾಬೀತುಪಡಿಸಿದಿರಿ.",
        "badge_ten_confirmed_ward": "ವಾರ್ಡಿನ ನಿಷ್ಠಾವಂತ",
        "badge_ten_confirmed_ward_rule": "ಒಂದೇ ವಾರ್ಡಿನಲ್ಲಿ ನಿಮ್ಮ ದೂರುಗಳ ಹತ್ತು ಪರಿಶೀಲಿಸಿದ ದುರಸ್ತಿಗಳು.",
        "badge_hundred_points": "ನೂರು ಅಂಕಗಳು",
        "badge_hundred_points_rule": "ಒಟ್ಟು ನೂರು ಅಂಕಗಳು.",
        "report_points_h": "ನಿಮ್ಮ ಅಂಕಗಳು",
        "report_points_total": "{n} ಅಂಕಗಳು",
        "report_points_none": "ಇನ್ನೂ ಅಂಕಗಳಿಲ್ಲ. ನೀವು ದೂರು ನೀಡಿದ ಸಮಸ್ಯೆ ಸರಿಯಾಗಿ, ದುರಸ್ತಿ "
        "ಪರಿಶೀಲನೆಯಾದಾಗ ಅಂಕಗಳು ಬರುತ್ತವೆ.",
        "report_points_offline": "ನೀವು ಆನ್‌ಲೈನ್‌ನಲ್ಲಿದ್ದಾಗ ನಿಮ್ಮ ಅಂಕಗಳು ಕಾಣುತ್ತವೆ.",
        "report_pseudonym": "ಫಲಕದಲ್ಲಿ ನಿಮ್ಮ ಹೆಸರು",
        "report_pseudonym_hint": "ಕಾವ್ಯನಾಮ, ನಿಮ್ಮ ನಿಜವಾದ ಹೆಸರು ಅಥವಾ ಸಂಖ್ಯೆ ಅಲ್ಲ (2-24 ಅಕ್ಷರಗಳು). "
        "ಫಲಕದಿಂದ ದೂರವಿರಲು ಖಾಲಿ ಬಿಡಿ.",
        "report_pseudonym_save": "ಉಳಿಸಿ",
        "report_pseudonym_saved": "ಉಳಿಸಲಾಗಿದೆ: ಫಲಕದಲ್ಲಿ ನೀವು {name} ಆಗಿ ಕಾಣುತ್ತೀರಿ.",
        "report_pseudonym_dropped": "ಉಳಿಸಲಾಗಿದೆ: ನೀವು ಫಲಕದಲ್ಲಿ ಇಲ್ಲ.",
        "report_board_link": "ನೆರೆಹೊರೆಯ ಫಲಕ ನೋಡಿ",
    },
}
