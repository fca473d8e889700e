"""Properties of signed notices, canonical payloads and tracking ids, checked by hypothesis.

Derandomized with bounded examples, so a run is fast and the same every time.
"""

from __future__ import annotations

import functools
import json
import re
import string
import tempfile
from pathlib import Path
from typing import Any

from helpers import notice_content
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain import ids
from notices import pdfseal
from notices.keys import KeyStore
from notices.model import canonical_json, payload_digest
from notices.sealing import SealedNotice, seal_notice
from notices.verify import Keyring, verify_pdf

FAST = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow],
)
# The documented grammar of a tracking id as a person may type it, written independently of
# domain/ids.py: 3 letters, then 10 (before the check character) or 11 Crockford digits (no U;
# O is read as 0, I and L as 1), either case, ASCII whitespace and hyphens anywhere.
_SEP = r"[ \t\n\r\f\v-]*"
TYPED_TRACKING_ID = re.compile(
    rf"(?:{_SEP}[A-Za-z]){{3}}(?:{_SEP}[0-9A-TV-Za-tv-z]){{10,11}}{_SEP}"
)
CANONICAL_TRACKING_ID = re.compile(r"[A-Z]{3}-[0-9ABCDEFGHJKMNPQRSTVWXYZ]{10,11}")


def _canonical(typed: str) -> str:
    """The canonical form of text in the typed grammar (its check character unchecked)."""
    compact = re.sub(r"[ \t\n\r\f\v-]", "", typed).upper()
    return f"{compact[:3]}-{compact[3:].replace('O', '0').replace('I', '1').replace('L', '1')}"


@functools.cache
def _sealed() -> tuple[SealedNotice, Keyring]:
    """One signed notice (made once per run) and the keyring that verifies it."""
    store = KeyStore(Path(tempfile.mkdtemp(prefix="civicops-prop-keys-")))
    kid = store.ensure()
    sealed = seal_notice(notice_content(kid), store.private_key(kid), "https://civicops.example")
    return sealed, Keyring(store.public_keys().values())


def _refused(data: bytes, ring: Keyring) -> bool:
    """True when verification refuses the bytes: an exception it documents or an invalid verdict."""
    try:
        return not verify_pdf(data, ring).valid
    except (pdfseal.NotAPdf, pdfseal.Unsigned):
        return True


def test_the_unchanged_notice_verifies():
    sealed, ring = _sealed()
    assert verify_pdf(sealed.pdf, ring).valid


@st.composite
def _change(draw: st.DrawFn) -> tuple[int, int]:
    """A position (anywhere, or in the signature section, half the time) and a new byte."""
    sealed, _ = _sealed()
    section = sealed.pdf.rindex(pdfseal.MARKER)
    at = draw(
        st.one_of(st.integers(0, len(sealed.pdf) - 1), st.integers(section, len(sealed.pdf) - 1))
    )
    new = draw(st.integers(0, 255).filter(lambda b: b != sealed.pdf[at]))
    return at, new


@FAST
@given(_change())
def test_any_single_byte_change_fails_verification(change: tuple[int, int]):
    sealed, ring = _sealed()
    at, new = change
    changed = sealed.pdf[:at] + bytes([new]) + sealed.pdf[at + 1 :]
    assert _refused(changed, ring), f"byte {at} changed to {new:#04x} still verifies"


@FAST
@given(st.data())
def test_any_truncation_or_extension_fails_verification(data: st.DataObject):
    sealed, ring = _sealed()
    cut = data.draw(st.integers(0, len(sealed.pdf) - 1), label="kept bytes")
    assert _refused(sealed.pdf[:cut], ring), f"the first {cut} bytes still verify"
    extra = data.draw(st.binary(min_size=1, max_size=16), label="appended")
    assert _refused(sealed.pdf + extra, ring)


_INDIC = "ಬಸ್ ನಿಲ್ದಾಣದ ಗುಂಡಿ गड्ढा খাড়া குழி గుంత ખાડો ൽ ੲ"
_text = st.text(st.one_of(st.characters(codec="utf-8"), st.sampled_from(_INDIC)), max_size=12)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    _text,
)
_json = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_text, inner, max_size=4)),
    max_leaves=20,
)
_payloads = st.dictionaries(_text, _json, max_size=6)


def _reordered(value: Any) -> Any:
    """The same JSON value with every object's keys inserted in reverse order."""
    if isinstance(value, dict):
        return {k: _reordered(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reordered(v) for v in value]
    return value


@FAST
@given(_payloads)
def test_canonical_payloads_round_trip_and_are_stable(payload: dict[str, Any]):
    encoded = canonical_json(payload)
    decoded = json.loads(encoded)
    assert decoded == payload
    assert canonical_json(decoded) == encoded  # re-encoding the decoded value: same bytes
    assert canonical_json(_reordered(payload)) == encoded  # key order does not matter
    assert payload_digest(_reordered(payload)) == payload_digest(payload)
    assert encoded.decode("utf-8")  # UTF-8, and no whitespace outside strings
    assert b"\n" not in encoded


@FAST
@given(st.text(string.ascii_letters, min_size=3, max_size=3))
def test_generated_tracking_ids_always_parse(city: str):
    for made in (ids.new_tracking_id(city), ids.derived_tracking_id(city, "key", city)):
        assert CANONICAL_TRACKING_ID.fullmatch(made) and len(made) == 15, made
        assert ids.is_tracking_id(made)
        assert ids.parse_tracking_id(made) == made
        assert ids.parse_tracking_id(f" {made.lower()}\n") == made


@FAST
@given(st.text(max_size=5).filter(lambda c: not re.fullmatch(r"[A-Za-z]{3}", c)))
def test_a_city_code_that_is_not_three_letters_makes_no_tracking_id(city: str):
    for make in (ids.new_tracking_id, ids.derived_tracking_id):
        try:
            made = make(city)
        except ValueError:
            continue
        raise AssertionError(f"city code {city!r} made {made!r}")


_SPACES = [" ", "\t", "\n", "\x0b", "\u00a0", "\u3000"]
_LOOKALIKES = ["ſ", "ı", "K", "０", "Ⅰ", "İ", "ß", "\x00", "_", "."]  # case-map or look alike
_near = st.sampled_from([*string.ascii_letters, *string.digits, "-", *_SPACES, *_LOOKALIKES])


@st.composite
def _candidates(draw: st.DrawFn) -> str:
    """Strings near the grammar: valid ids, ids with one character changed, and noise."""
    valid = draw(st.from_regex(TYPED_TRACKING_ID, fullmatch=True))
    kind = draw(st.sampled_from(["valid", "mutated", "noise"]))
    if kind == "valid":
        return valid
    if kind == "mutated":
        at = draw(st.integers(0, len(valid)))
        cut = draw(st.integers(0, 1))
        return valid[:at] + draw(st.text(_near, max_size=2)) + valid[at + cut :]
    return draw(st.text(_near, min_size=12, max_size=16))


@settings(FAST, max_examples=600)
@given(_candidates())
def test_the_tracking_id_parser_accepts_exactly_the_documented_grammar(text: str):
    parsed = ids.parse_tracking_id(text)
    if TYPED_TRACKING_ID.fullmatch(text):
        canonical = _canonical(text)
        assert CANONICAL_TRACKING_ID.fullmatch(canonical)
        if len(canonical) == 14:  # no check character: an id filed before it existed
            assert parsed == canonical
        else:  # the check character decides (tests/test_tracking_ids.py checks it exactly)
            assert parsed == (canonical if ids.is_tracking_id(canonical) else None)
    else:
        assert parsed is None, f"{text!r} is not a tracking id but parsed as {parsed!r}"
    if ids.is_tracking_id(text):
        assert CANONICAL_TRACKING_ID.fullmatch(text) and parsed == text
    elif CANONICAL_TRACKING_ID.fullmatch(text):
        assert len(text) == 15 and parsed is None  # only a wrong check character is refused
