"""The strings of the staff pages (sign-in, invitation, session): pure data, no I/O.

Part of the one word catalogue: domain/words.py merges these into UI, so every page string
of a language is in one table and a test checks each language has the same keys.
"""

from __future__ import annotations

STAFF_UI: dict[str, dict[str, str]] = {
    "en": {
        "signin_title": "Sign in",
        "signin_lead": "For ward supervisors and officials. Citizens need no account.",
        "official_number": "Official number",
        "official_number_hint": "The number on your invitation, e.g. 57",
        "password": "Password",
        "signin_button": "Sign in",
        "signin_wrong": "That official number and password do not match.",
        "signin_locked": "Too many wrong passwords: sign-in is locked until {until}.",
        "signin_welcome": "Your password is set. Sign in with it now.",
        "signin_refused": "This form has expired. Load the page again and retry.",
        "me_title": "Signed in",
        "me_lead": "You are signed in as {name}, {designation}.",
        "me_role": "Role",
        "me_until": "This session ends at {until} or when you sign out.",
        "signout_button": "Sign out",
        "invite_title": "Set your password",
        "invite_lead": "Welcome, {name}. Your official number is {official}.",
        "new_password": "New password",
        "new_password_hint": "At least {min} characters. A phrase is easiest to remember.",
        "confirm_password": "The same password again",
        "invite_button": "Set password",
        "invite_gone": "This invitation link has been used or has expired. Ask for a new one.",
        "passwords_differ": "The two passwords are not the same.",
        "role_supervisor": "Ward supervisor",
        "role_official": "Official",
    },
    "kn": {
        "signin_title": "ಸೈನ್ ಇನ್",
        "signin_lead": "ವಾರ್ಡ್ ಮೇಲ್ವಿಚಾರಕರು ಮತ್ತು ಅಧಿಕಾರಿಗಳಿಗೆ. ನಾಗರಿಕರಿಗೆ ಖಾತೆ ಬೇಕಿಲ್ಲ.",
        "official_number": "ಅಧಿಕಾರಿ ಸಂಖ್ಯೆ",
        "official_number_hint": "ನಿಮ್ಮ ಆಹ್ವಾನದಲ್ಲಿರುವ ಸಂಖ್ಯೆ, ಉದಾ. 57",
        "password": "ಪಾಸ್‌ವರ್ಡ್",
        "signin_button": "ಸೈನ್ ಇನ್",
        "signin_wrong": "ಆ ಅಧಿಕಾರಿ ಸಂಖ್ಯೆ ಮತ್ತು ಪಾಸ್‌ವರ್ಡ್ ಹೊಂದಿಕೆಯಾಗುತ್ತಿಲ್ಲ.",
        "signin_locked": "ತಪ್ಪು ಪಾಸ್‌ವರ್ಡ್‌ಗಳು ಹೆಚ್ಚಾಗಿವೆ: {until} ರವರೆಗೆ ಸೈನ್ ಇನ್ ಬಂದ್.",
        "signin_welcome": "ನಿಮ್ಮ ಪಾಸ್‌ವರ್ಡ್ ಸಿದ್ಧವಾಗಿದೆ. ಈಗ ಅದರಿಂದ ಸೈನ್ ಇನ್ ಮಾಡಿ.",
        "signin_refused": "ಈ ಫಾರ್ಮ್‌ನ ಅವಧಿ ಮುಗಿದಿದೆ. ಪುಟವನ್ನು ಮತ್ತೆ ತೆರೆದು ಪ್ರಯತ್ನಿಸಿ.",
        "me_title": "ಸೈನ್ ಇನ್ ಆಗಿದೆ",
        "me_lead": "ನೀವು {name}, {designation} ಆಗಿ ಸೈನ್ ಇನ್ ಆಗಿದ್ದೀರಿ.",
        "me_role": "ಪಾತ್ರ",
        "me_until": "ಈ ಅವಧಿ {until} ಕ್ಕೆ ಅಥವಾ ನೀವು ಸೈನ್ ಔಟ್ ಮಾಡಿದಾಗ ಮುಗಿಯುತ್ತದೆ.",
        "signout_button": "ಸೈನ್ ಔಟ್",
        "invite_title": "ನಿಮ್ಮ ಪಾಸ್‌ವರ್ಡ್ ಹೊಂದಿಸಿ",
        "invite_lead": "ಸ್ವಾಗತ, {name}. ನಿಮ್ಮ ಅಧಿಕಾರಿ ಸಂಖ್ಯೆ {official}.",
        "new_password": "ಹೊಸ ಪಾಸ್‌ವರ್ಡ್",
        "new_password_hint": "ಕನಿಷ್ಠ {min} ಅಕ್ಷರಗಳು. ಒಂದು ವಾಕ್ಯ ನೆನಪಿಡಲು ಸುಲಭ.",
        "confirm_password": "ಅದೇ ಪಾಸ್‌ವರ್ಡ್ ಮತ್ತೊಮ್ಮೆ",
        "invite_button": "ಪಾಸ್‌ವರ್ಡ್ ಹೊಂದಿಸಿ",
        "invite_gone": "ಈ ಆಹ್ವಾನ ಲಿಂಕ್ ಬಳಸಲಾಗಿದೆ ಅಥವಾ ಅವಧಿ ಮುಗಿದಿದೆ. ಹೊಸದನ್ನು ಕೇಳಿ.",
        "passwords_differ": "ಎರಡು ಪಾಸ್‌ವರ್ಡ್‌ಗಳು ಒಂದೇ ಆಗಿಲ್ಲ.",
        "role_supervisor": "ವಾರ್ಡ್ ಮೇಲ್ವಿಚಾರಕ",
        "role_official": "ಅಧಿಕಾರಿ",
    },
}
