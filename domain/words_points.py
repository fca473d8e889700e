"""The strings of the citizens' points, badges, neighbourhood board and privacy notice page.

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
        "privacy_title": "Your privacy",
        "privacy_lead": "What {city}'s complaint system keeps about you, why, for how long, "
        "and what you can do about it (Digital Personal Data Protection Act, 2023).",
        "privacy_version": "Notice version {version}",
        "privacy_kept_h": "What we keep",
        "privacy_kept": "Your complaint: the spot, the kind of problem, your words, your photos "
        "and voice note. If you give them: your name, phone number and email. You need not "
        "give any of them to file.",
        "privacy_why_h": "Why",
        "privacy_purpose_case_updates": "to tell you what happens to your complaint",
        "privacy_purpose_site_visit": "so that the ward's officials can reach you to find the "
        "spot or check the fix",
        "privacy_purpose_grievance": "to answer a grievance you lodge about your complaint or "
        "your data",
        "privacy_basis": "We process your contact details {basis}.",
        "privacy_basis_consent": "with your consent, which you can withdraw at any time",
        "privacy_basis_state_function": "to provide a service of the State (s.7 of the Act); "
        "you can still ask us to stop contacting you",
        "privacy_safe_h": "How it is kept safe",
        "privacy_safe_sealed": "Your name, number and email are encrypted, each filing under a "
        "key of its own.",
        "privacy_safe_masked": "Phone numbers, emails and Aadhaar numbers written into a "
        "complaint are hidden everywhere it is shown, notices included.",
        "privacy_safe_officials": "Officials see your number masked; to see it in full they "
        "must say why, and every such look is recorded.",
        "privacy_safe_public": "The public record never shows your name or number; for "
        "sensitive problems the spot is shown only roughly.",
        "privacy_time_h": "How long",
        "privacy_time": "Your contact details are erased {days} days after your last complaint "
        "is closed. The complaint itself stays on the public record, without them.",
        "privacy_time_kept": "This city keeps its complaint records, as the Act allows the "
        "State to (s.17(4)); your details stay encrypted and masked.",
        "privacy_rights_h": "Your rights",
        "privacy_right_see": "See and download what we hold about you.",
        "privacy_right_correct": "Correct your name, number or email.",
        "privacy_right_withdraw": "Withdraw your consent: we stop contacting you. One tap on "
        "your complaint's page.",
        "privacy_right_erase": "Ask us to erase your details: they become unreadable "
        "everywhere at once.",
        "privacy_right_erase_kept": "Ask the city's data-protection officer about erasing "
        "your details.",
        "privacy_right_grievance": "Complain about how your data was handled: we answer within "
        "{days} days.",
        "privacy_how": "You prove a complaint is yours with the token you got when you filed "
        "it, or in person at the ward office.",
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
        "privacy_title": "ನಿಮ್ಮ ಗೌಪ್ಯತೆ",
        "privacy_lead": "{city}ನ ದೂರು ವ್ಯವಸ್ಥೆ ನಿಮ್ಮ ಬಗ್ಗೆ ಏನನ್ನು ಇಟ್ಟುಕೊಳ್ಳುತ್ತದೆ, ಏಕೆ, ಎಷ್ಟು ಕಾಲ, "
        "ಮತ್ತು ನೀವು ಏನು ಮಾಡಬಹುದು (ಡಿಜಿಟಲ್ ವೈಯಕ್ತಿಕ ದತ್ತಾಂಶ ಸಂರಕ್ಷಣಾ ಕಾಯ್ದೆ, 2023).",
        "privacy_version": "ಸೂಚನೆಯ ಆವೃತ್ತಿ {version}",
        "privacy_kept_h": "ನಾವು ಏನನ್ನು ಇಟ್ಟುಕೊಳ್ಳುತ್ತೇವೆ",
        "privacy_kept": "ನಿಮ್ಮ ದೂರು: ಸ್ಥಳ, ಸಮಸ್ಯೆಯ ಬಗೆ, ನಿಮ್ಮ ಮಾತುಗಳು, ಫೋಟೋಗಳು ಮತ್ತು ಧ್ವನಿ ಸಂದೇಶ. "
        "ನೀವು ಕೊಟ್ಟರೆ: ನಿಮ್ಮ ಹೆಸರು, ಫೋನ್ ಸಂಖ್ಯೆ ಮತ್ತು ಇಮೇಲ್. ದೂರು ನೀಡಲು ಇವು ಯಾವುದೂ ಅಗತ್ಯವಿಲ್ಲ.",
        "privacy_why_h": "ಏಕೆ",
        "privacy_purpose_case_updates": "ನಿಮ್ಮ ದೂರಿಗೆ ಏನಾಯಿತು ಎಂದು ತಿಳಿಸಲು",
        "privacy_purpose_site_visit": "ಸ್ಥಳವನ್ನು ಹುಡುಕಲು ಅಥವಾ ದುರಸ್ತಿ ಪರಿಶೀಲಿಸಲು ವಾರ್ಡಿನ ಅಧಿಕಾರಿಗಳು "
        "ನಿಮ್ಮನ್ನು ಸಂಪರ್ಕಿಸಲು",
        "privacy_purpose_grievance": "ನಿಮ್ಮ ದೂರು ಅಥವಾ ದತ್ತಾಂಶದ ಬಗ್ಗೆ ನೀವು ಸಲ್ಲಿಸುವ ಅಹವಾಲಿಗೆ ಉತ್ತರಿಸಲು",
        "privacy_basis": "ನಿಮ್ಮ ಸಂಪರ್ಕ ವಿವರಗಳನ್ನು ನಾವು {basis} ಬಳಸುತ್ತೇವೆ.",
        "privacy_basis_consent": "ನಿಮ್ಮ ಒಪ್ಪಿಗೆಯಿಂದ, ಅದನ್ನು ನೀವು ಯಾವಾಗ ಬೇಕಾದರೂ ಹಿಂಪಡೆಯಬಹುದು,",
        "privacy_basis_state_function": "ಸರ್ಕಾರಿ ಸೇವೆ ನೀಡಲು (ಕಾಯ್ದೆಯ ಸೆಕ್ಷನ್ 7); ನಿಮ್ಮನ್ನು "
        "ಸಂಪರ್ಕಿಸುವುದನ್ನು ನಿಲ್ಲಿಸಲು ನೀವು ಕೇಳಬಹುದು,",
        "privacy_safe_h": "ಅದನ್ನು ಹೇಗೆ ಸುರಕ್ಷಿತವಾಗಿ ಇಡಲಾಗುತ್ತದೆ",
        "privacy_safe_sealed": "ನಿಮ್ಮ ಹೆಸರು, ಸಂಖ್ಯೆ ಮತ್ತು ಇಮೇಲ್ ಗೂಢಲಿಪೀಕರಿಸಲಾಗಿದೆ, ಪ್ರತಿ ದೂರಿಗೆ ಪ್ರತ್ಯೇಕ ಕೀಲಿಯಿಂದ.",
        "privacy_safe_masked": "ದೂರಿನಲ್ಲಿ ಬರೆದ ಫೋನ್ ಸಂಖ್ಯೆ, ಇಮೇಲ್ ಮತ್ತು ಆಧಾರ್ ಸಂಖ್ಯೆಗಳನ್ನು ಅದು ತೋರುವ ಎಲ್ಲೆಡೆ, "
        "ನೋಟಿಸ್‌ಗಳಲ್ಲೂ, ಮರೆಮಾಡಲಾಗುತ್ತದೆ.",
        "privacy_safe_officials": "ಅಧಿಕಾರಿಗಳಿಗೆ ನಿಮ್ಮ ಸಂಖ್ಯೆ ಮರೆಮಾಡಿ ಕಾಣುತ್ತದೆ; ಪೂರ್ಣವಾಗಿ ನೋಡಲು ಕಾರಣ "
        "ಹೇಳಬೇಕು, ಮತ್ತು ಪ್ರತಿ ಬಾರಿಯೂ ದಾಖಲಾಗುತ್ತದೆ.",
        "privacy_safe_public": "ಸಾರ್ವಜನಿಕ ದಾಖಲೆಯಲ್ಲಿ ನಿಮ್ಮ ಹೆಸರು ಅಥವಾ ಸಂಖ್ಯೆ ಎಂದಿಗೂ ಇಲ್ಲ; ಸೂಕ್ಷ್ಮ "
        "ಸಮಸ್ಯೆಗಳ ಸ್ಥಳವನ್ನು ಸ್ಥೂಲವಾಗಿ ಮಾತ್ರ ತೋರಿಸಲಾಗುತ್ತದೆ.",
        "privacy_time_h": "ಎಷ್ಟು ಕಾಲ",
        "privacy_time": "ನಿಮ್ಮ ಕೊನೆಯ ದೂರು ಮುಚ್ಚಿದ {days} ದಿನಗಳ ನಂತರ ನಿಮ್ಮ ಸಂಪರ್ಕ ವಿವರಗಳನ್ನು ಅಳಿಸಲಾಗುತ್ತದೆ. "
        "ದೂರು ಅವುಗಳಿಲ್ಲದೆ ಸಾರ್ವಜನಿಕ ದಾಖಲೆಯಲ್ಲಿ ಉಳಿಯುತ್ತದೆ.",
        "privacy_time_kept": "ಕಾಯ್ದೆಯು ಸರ್ಕಾರಕ್ಕೆ ಅನುಮತಿಸುವಂತೆ (ಸೆಕ್ಷನ್ 17(4)) ಈ ನಗರ ತನ್ನ ದೂರು ದಾಖಲೆಗಳನ್ನು "
        "ಇಟ್ಟುಕೊಳ್ಳುತ್ತದೆ; ನಿಮ್ಮ ವಿವರಗಳು ಗೂಢಲಿಪೀಕೃತವಾಗಿ, ಮರೆಮಾಡಿ ಉಳಿಯುತ್ತವೆ.",
        "privacy_rights_h": "ನಿಮ್ಮ ಹಕ್ಕುಗಳು",
        "privacy_right_see": "ನಿಮ್ಮ ಬಗ್ಗೆ ನಾವು ಇಟ್ಟಿರುವುದನ್ನು ನೋಡಿ ಮತ್ತು ಡೌನ್‌ಲೋಡ್ ಮಾಡಿ.",
        "privacy_right_correct": "ನಿಮ್ಮ ಹೆಸರು, ಸಂಖ್ಯೆ ಅಥವಾ ಇಮೇಲ್ ಸರಿಪಡಿಸಿ.",
        "privacy_right_withdraw": "ನಿಮ್ಮ ಒಪ್ಪಿಗೆ ಹಿಂಪಡೆಯಿರಿ: ನಾವು ನಿಮ್ಮನ್ನು ಸಂಪರ್ಕಿಸುವುದನ್ನು ನಿಲ್ಲಿಸುತ್ತೇವೆ. "
        "ನಿಮ್ಮ ದೂರಿನ ಪುಟದಲ್ಲಿ ಒಂದೇ ಟ್ಯಾಪ್.",
        "privacy_right_erase": "ನಿಮ್ಮ ವಿವರಗಳನ್ನು ಅಳಿಸಲು ಕೇಳಿ: ಅವು ಎಲ್ಲೆಡೆ ಒಮ್ಮೆಗೇ ಓದಲಾಗದಂತಾಗುತ್ತವೆ.",
        "privacy_right_erase_kept": "ನಿಮ್ಮ ವಿವರಗಳನ್ನು ಅಳಿಸುವ ಬಗ್ಗೆ ನಗರದ ದತ್ತಾಂಶ ಸಂರಕ್ಷಣಾ ಅಧಿಕಾರಿಯನ್ನು ಕೇಳಿ.",
        "privacy_right_grievance": "ನಿಮ್ಮ ದತ್ತಾಂಶವನ್ನು ನಿರ್ವಹಿಸಿದ ಬಗ್ಗೆ ದೂರು ನೀಡಿ: {days} ದಿನಗಳಲ್ಲಿ ಉತ್ತರಿಸುತ್ತೇವೆ.",
        "privacy_how": "ದೂರು ನೀಡಿದಾಗ ಸಿಕ್ಕ ಟೋಕನ್‌ನಿಂದ, ಅಥವಾ ವಾರ್ಡ್ ಕಚೇರಿಯಲ್ಲಿ ಖುದ್ದಾಗಿ, ದೂರು ನಿಮ್ಮದು ಎಂದು ತೋರಿಸುತ್ತೀರಿ.",
    },
}
