"""Personal data in citizens' free text: find, mask and normalise phones, emails and Aadhaar.

Under India's DPDP Act the phone numbers, emails and Aadhaar numbers people type into a
description are hidden before officials or the public see it. All of it is pure and linear in
the text's length: numbers come from one pass over digit runs, emails from a walk out of each
"@", never from a backtracking regular expression.

A digit is any Unicode decimal digit (Devanagari ०-९, Kannada ೦-೯, ...), read with
unicodedata.digit. Runs joined by up to three spaces, dots, hyphens or brackets form a chain;
a number is consecutive whole runs of one chain, never part of a run (a 16-digit run is none).
- Aadhaar: 12 digits, one run or 4-4-4, first digit 2-9, passing Verhoeff's checksum, and not
  inside a longer 4-4-4-4 number (a card's).
- Mobile: 10 digits starting 6-9 after +91, 91, 0 or nothing, each group of the ten at least
  two digits ("98 45 01 23 45" is one, "9 8 4 5 ..." is not). A grouped 91 is its own group;
  one 12-digit run "91" + mobile is a phone when it fails Verhoeff.
- Landline: 0 and an STD code (2-4 digits, first 1-8) as one group, then 6-8 digits, 10-11 in
  all ("080-2222 3333", "(080) 2222 3333"); an 11-digit run starting 0; +91, STD code, number.
Dates, times, pincodes, ward or house numbers and amounts with commas are none of these. Of
overlapping items an Aadhaar or an email beats a phone, then the longer wins, then the earlier.

An email is a local part of letters and marks (any script), digits and "._%+-" (at most 64,
no "..", no "." at either end), "@", and two or more domain labels, the last alphabetic.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import accumulate

PHONE, EMAIL, AADHAAR = "phone", "email", "aadhaar"
PLACEHOLDER = {PHONE: "[phone hidden]", EMAIL: "[email hidden]", AADHAAR: "[Aadhaar hidden]"}
_RANK = {AADHAAR: 0, EMAIL: 0, PHONE: 1}  # lower wins an overlap

_DIGITS = re.compile(r"\d+")  # \d is every Unicode decimal digit; a single class, no backtracking
_JOIN = frozenset(" \u00a0\u202f-.()\u2010\u2011\u2012\u2013")
_SPACES = frozenset(" \u00a0\u202f()")
_METRO = frozenset({"11", "20", "22", "33", "40", "44", "79", "80"})  # two-digit STD codes
_MAX_DIGITS = 12

# Verhoeff's tables: d is the dihedral group D5, p the position permutations, inv the inverses.
_D = tuple(
    tuple(map(int, row))
    for row in "0123456789 1234067895 2340178956 3401289567 4012395678 "
    "5987604321 6598710432 7659821043 8765932104 9876543210".split()
)
_P = tuple(
    tuple(map(int, row))
    for row in "0123456789 1576283094 5803796142 8916043527 "
    "9453126870 4286573901 2793806415 7046913258".split()
)
_INV = (0, 4, 3, 2, 1, 5, 6, 7, 8, 9)


@dataclass(frozen=True)
class Finding:
    """One item of personal data: its kind ("phone", "email", "aadhaar") and where it is."""

    kind: str
    start: int
    end: int
    text: str


# A parsed Indian number: (STD code without its 0, or None for a mobile; the number).
_Phone = tuple[str | None, str]


def _verhoeff(digits: str, shift: int) -> int:
    """Verhoeff's running check over the ASCII digits, right to left, positions shifted."""
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _D[c][_P[(i + shift) % 8][int(ch)]]
    return c


def verhoeff_valid(digits: str) -> bool:
    """True when the ASCII digit string passes the Verhoeff checksum (its last digit)."""
    return _verhoeff(digits, 0) == 0


def verhoeff_digit(digits: str) -> str:
    """The Verhoeff check digit to append to the ASCII digit string."""
    return str(_INV[_verhoeff(digits, 1)])


def _ascii(run: str) -> str:
    """Decimal digits of any script as ASCII digits."""
    return run if run.isascii() else "".join(str(unicodedata.digit(ch)) for ch in run)


def _groups_ok(length: int, cuts: list[int]) -> bool:
    """True when every group between the cuts (and the ends) has at least two digits."""
    return all(b - a >= 2 for a, b in zip([0, *cuts], [*cuts, length], strict=True))


def _parse(pieces: list[str], plus: bool) -> _Phone | None:
    """The Indian phone number the digit groups spell, or None."""
    d = "".join(pieces)
    n = len(d)
    if not 10 <= n <= _MAX_DIGITS:
        return None
    cuts = list(accumulate(len(p) for p in pieces))[:-1]
    if plus or (n == 12 and d.startswith("91")):
        if n != 12 or not d.startswith("91") or (cuts and not plus and cuts[0] != 2):
            return None
        if any(c < 2 for c in cuts):
            return None
        nsn, rest = d[2:], [c - 2 for c in cuts if c > 2]
        if nsn[0] in "6789" and _groups_ok(10, rest):
            return (None, nsn)
        if nsn[0] in "12345" and rest and 2 <= rest[0] <= 4 and _groups_ok(10, rest):
            return (nsn[: rest[0]], nsn[rest[0] :])
        return None
    if d[0] == "0":
        if cuts and 3 <= cuts[0] <= 5 and d[1] in "12345678" and n in (10, 11):
            sub = [c - cuts[0] for c in cuts[1:]]
            if 6 <= n - cuts[0] <= 8 and _groups_ok(n - cuts[0], sub):
                return (d[1 : cuts[0]], d[cuts[0] :])
        rest = [c - 1 for c in cuts if c > 1]
        if n == 11 and d[1] in "6789" and _groups_ok(10, rest):
            return (None, d[1:])
        if n == 11 and not cuts and d[1] in "12345":
            std = 3 if d[1:3] in _METRO else 4
            return (d[1:std], d[std:])
        return None
    if n == 10 and d[0] in "6789" and _groups_ok(10, cuts):
        return (None, d)
    return None


def _chains(text: str) -> list[list[tuple[int, int, str]]]:
    """The digit runs of the text as (start, end, ASCII digits), grouped into joined chains."""
    chains: list[list[tuple[int, int, str]]] = []
    last_end = -1
    for m in _DIGITS.finditer(text):
        run = (m.start(), m.end(), _ascii(m.group()))
        gap = text[last_end : m.start()]  # up to 3 spaces, brackets and one hyphen or dot
        if (
            chains
            and len(gap) <= 3
            and all(ch in _JOIN for ch in gap)
            and (sum(ch not in _SPACES for ch in gap) <= 1)
        ):
            chains[-1].append(run)
        else:
            chains.append([run])
        last_end = m.end()
    return chains


def _number_candidates(text: str) -> list[tuple[str, int, int]]:
    """Every Aadhaar and phone reading of consecutive whole runs: (kind, start, end)."""
    out: list[tuple[str, int, int]] = []
    for chain in _chains(text):
        for i, (first_start, first_end, _) in enumerate(chain):
            plus = first_start > 0 and text[first_start - 1] == "+"
            start = first_start - plus
            pieces: list[str] = []
            total = 0
            for j in range(i, len(chain)):
                total += len(chain[j][2])
                if total > _MAX_DIGITS:
                    break
                pieces.append(chain[j][2])
                if total < 10:
                    continue
                end = chain[j][1]
                if total == 12 and not plus and _aadhaar(chain, i, j, pieces):
                    out.append((AADHAAR, start, end))
                if _parse(pieces, plus) is not None:
                    s = start
                    if not plus and s > 0 and text[s - 1] == "(" and j > i:
                        if ")" in text[first_end : chain[i + 1][0]]:
                            s -= 1  # "(080) 2222 3333": the bracket goes with the number
                    out.append((PHONE, s, end))
    return out


def _aadhaar(chain: list[tuple[int, int, str]], i: int, j: int, pieces: list[str]) -> bool:
    """True when runs i..j of the chain (twelve digits) are an Aadhaar number."""
    if len(pieces) != 1:
        if [len(p) for p in pieces] != [4, 4, 4]:
            return False
        before = len(chain[i - 1][2]) if i > 0 else 0
        after = len(chain[j + 1][2]) if j + 1 < len(chain) else 0
        if 4 in (before, after):  # one group of a longer 4-4-4-4 number, such as a card's
            return False
    d = "".join(pieces)
    return d[0] in "23456789" and verhoeff_valid(d)


def _email_char(ch: str, also: str) -> bool:
    """True for a letter, mark or digit of any script, or one of the characters `also`."""
    return ch.isalnum() or ch in also or unicodedata.category(ch)[0] == "M"


def _good_domain(domain: str) -> bool:
    """True for a domain of two or more labels with an alphabetic top-level domain."""
    labels = domain.split(".")
    tld = labels[-1]  # letters and marks of any script ("भारत"), or an IDN's "xn--" form
    if len(labels) < 2 or len(domain) > 253 or len(tld) < 2:
        return False
    if not tld.startswith("xn--") and any(ch.isdigit() or ch == "-" for ch in tld):
        return False
    return all(0 < len(x) <= 63 and x[0] != "-" and x[-1] != "-" for x in labels)


def _email_candidates(text: str) -> list[tuple[int, int]]:
    """The (start, end) of every email address, walking out of each "@" in linear time."""
    out: list[tuple[int, int]] = []
    at = text.find("@")  # "@" ends both walks, so each character is walked at most twice
    while at != -1:
        s = at
        while s > 0 and _email_char(text[s - 1], "._%+-"):
            s -= 1
        e = at + 1
        while e < len(text) and _email_char(text[e], ".-"):
            e += 1
        while s < at and text[s] == ".":
            s += 1
        while e > at + 1 and text[e - 1] in ".-":
            e -= 1
        local = text[s:at]
        if 0 < len(local) <= 64 and local[-1] != "." and ".." not in local:
            if _good_domain(text[at + 1 : e]):
                out.append((s, e))
        at = text.find("@", at + 1)
    return out


def find(text: str) -> list[Finding]:
    """Every phone number, email address and Aadhaar number in the text, sorted, no overlaps."""
    cands = [(EMAIL, s, e) for s, e in _email_candidates(text)]
    cands += _number_candidates(text)
    cands.sort(key=lambda c: (_RANK[c[0]], c[1] - c[2], c[1]))
    taken = bytearray(len(text))
    chosen: list[Finding] = []
    for kind, s, e in cands:
        if 1 not in taken[s:e]:
            taken[s:e] = b"\x01" * (e - s)
            chosen.append(Finding(kind, s, e, text[s:e]))
    return sorted(chosen, key=lambda f: f.start)


def mask(text: str, findings: list[Finding] | None = None) -> str:
    """The text with each finding replaced by its placeholder, such as "[phone hidden]"."""
    if findings is None:
        findings = find(text)
    parts: list[str] = []
    pos = 0
    for f in sorted(findings, key=lambda f: f.start):
        if f.start < pos:
            continue
        parts += [text[pos : f.start], PLACEHOLDER[f.kind]]
        pos = f.end
    parts.append(text[pos:])
    return "".join(parts)


def scan(text: str) -> tuple[str, list[str]]:
    """The masked text and the sorted, unique kinds of personal data found in it."""
    findings = find(text)
    return mask(text, findings), sorted({f.kind for f in findings})


def _whole_phone(phone: str) -> _Phone | None:
    """The Indian phone number the whole string is, or None."""
    s = phone.strip()
    chains = _chains(s)
    if len(chains) != 1 or sum(len(r[2]) for r in chains[0]) > _MAX_DIGITS:
        return None
    runs = chains[0]
    head, tail = s[: runs[0][0]], s[runs[-1][1] :]
    if head not in ("", "+", "(") or tail not in ("", ")"):
        return None
    return _parse([r[2] for r in runs], head == "+")


def normalise_phone(phone: str) -> str | None:
    """The canonical "+91..." form of an Indian phone number (for a blind index), or None."""
    parsed = _whole_phone(phone)
    return None if parsed is None else "+91" + (parsed[0] or "") + parsed[1]


def mask_phone(phone: str) -> str:
    """A phone number for officials' screens: "+91 98XXX XX345", "080 2XXX X333" or "XXXX45"."""
    parsed = _whole_phone(phone)
    if parsed is None:
        digits = _ascii("".join(_DIGITS.findall(phone)))
        return "XXXX" + digits[-2:] if len(digits) >= 6 else "XXXX"
    std, n = parsed
    if std is None:
        return f"+91 {n[:2]}XXX XX{n[-3:]}"
    hidden = n[0] + "X" * (len(n) - 4) + n[-3:]
    half = (len(n) + 1) // 2
    return f"0{std} {hidden[:half]} {hidden[half:]}"


def normalise_email(email: str) -> str | None:
    """The email address stripped and lowercased (for a blind index), or None if not one."""
    s = email.strip()
    return s.lower() if (0, len(s)) in _email_candidates(s) else None


def mask_email(email: str) -> str:
    """An email for officials' screens: "r•••••••@gmail.com" (at most 8 dots), else "•••"."""
    s = email.strip()
    if (0, len(s)) not in _email_candidates(s):
        return "•••"
    local, _, domain = s.rpartition("@")
    return local[0] + "•" * min(len(local) - 1, 8) + "@" + domain


def mask_name(name: str) -> str:
    """A name as initials, "Ramesh Kumar" -> "R. K.", in any script; "" for no name.

    Each word gives its first letter or digit (upper-cased where the script has case); the
    combining marks that follow it (vowel signs, viramas, accents) are dropped, so
    "रमेश कुमार" is "र. क.". Words without a letter or digit are skipped.
    """
    initials: list[str] = []
    for word in unicodedata.normalize("NFC", name).split():
        ch = next((c for c in word if unicodedata.category(c)[0] in "LN"), None)
        if ch is not None:
            upper = ch.upper()
            initials.append((upper if len(upper) == 1 else ch) + ".")
    return " ".join(initials)
