"""Envelope encryption of citizens' contact details (records.sealing): pure crypto, no services."""

from __future__ import annotations

import base64
import json
import os

import pytest

from records.sealing import (
    MasterKeys,
    SealingError,
    blind_index,
    new_data_key,
    open_optional,
    open_sealed,
    rewrap,
    seal,
    seal_optional,
    unwrap,
    wrap,
)


def b64(raw: bytes, *, padded: bool = False) -> str:
    text = base64.urlsafe_b64encode(raw).decode()
    return text if padded else text.rstrip("=")


def keyring() -> MasterKeys:
    return MasterKeys.generate("m1")


def flipped(token: str, i: int) -> str:
    """The token with character i replaced by another base64url character."""
    replacement = "A" if token[i] != "A" else "B"
    return token[:i] + replacement + token[i + 1 :]


# Round trips


def test_a_wrapped_data_key_unwraps_to_the_same_key() -> None:
    master, data_key = keyring(), new_data_key()
    wrapped = wrap(master, data_key, context="citizen-key-42")
    assert wrapped.startswith("m1.")
    assert unwrap(master, wrapped, context="citizen-key-42") == data_key
    assert len(data_key) == 32


def test_a_sealed_phone_number_opens_to_the_same_text() -> None:
    data_key = new_data_key()
    token = seal(data_key, "+91 98450 12345", field="phone", row="c-7")
    assert token.startswith("v1.")
    assert "98450" not in token
    assert open_sealed(data_key, token, field="phone", row="c-7") == "+91 98450 12345"


@pytest.mark.parametrize(
    "name",
    ["ಶ್ರೀನಿವಾಸ ಮೂರ್ತಿ", "ಲಕ್ಷ್ಮೀ ದೇವಿ ಕೆ.", "Ananya Rao 🙂", "", "x" * 10_000],
)
def test_kannada_and_other_unicode_names_round_trip(name: str) -> None:
    data_key = new_data_key()
    token = seal(data_key, name, field="name", row="c-1")
    assert open_sealed(data_key, token, field="name", row="c-1") == name


def test_an_absent_field_stays_absent_and_a_present_one_round_trips() -> None:
    data_key = new_data_key()
    assert seal_optional(data_key, None, field="email", row="c-1") is None
    assert open_optional(data_key, None, field="email", row="c-1") is None
    token = seal_optional(data_key, "a@example.in", field="email", row="c-1")
    assert token is not None
    assert open_optional(data_key, token, field="email", row="c-1") == "a@example.in"


def test_sealing_the_same_text_twice_gives_different_ciphertexts() -> None:
    master, data_key = keyring(), new_data_key()
    tokens = {seal(data_key, "9845012345", field="phone", row="c-1") for _ in range(20)}
    assert len(tokens) == 20
    wraps = {wrap(master, data_key, context="k-1") for _ in range(20)}
    assert len(wraps) == 20


def test_two_citizens_get_different_data_keys() -> None:
    assert len({new_data_key() for _ in range(50)}) == 50


# Rotation


def test_a_rotated_master_key_still_opens_old_data_keys() -> None:
    m1 = keyring()
    data_key = new_data_key()
    old = wrap(m1, data_key, context="k-1")
    m2 = m1.with_new_key("m2")
    assert m2.current == "m2"
    assert sorted(m2.keys) == ["m1", "m2"]
    assert m2.index_key == m1.index_key
    assert unwrap(m2, old, context="k-1") == data_key
    new = wrap(m2, data_key, context="k-1")
    assert new.startswith("m2.")
    assert unwrap(m2, new, context="k-1") == data_key


def test_rewrap_moves_a_data_key_onto_the_current_master_key() -> None:
    m1 = keyring()
    data_key = new_data_key()
    old = wrap(m1, data_key, context="k-1")
    m2 = m1.with_new_key("m2")
    moved = rewrap(m2, old, context="k-1")
    assert moved.startswith("m2.")
    assert unwrap(m2, moved, context="k-1") == data_key
    assert rewrap(m2, moved, context="k-1") == moved


def test_rewrap_refuses_a_bad_token_even_when_already_current() -> None:
    master = keyring()
    wrapped = wrap(master, new_data_key(), context="k-1")
    with pytest.raises(SealingError):
        rewrap(master, wrapped, context="k-2")


def test_once_the_old_master_key_is_retired_its_tokens_no_longer_open() -> None:
    m1 = keyring()
    data_key = new_data_key()
    old = wrap(m1, data_key, context="k-1")
    m2 = m1.with_new_key("m2")
    moved = rewrap(m2, old, context="k-1")
    retired = m2.without_key("m1")
    assert sorted(retired.keys) == ["m2"]
    assert unwrap(retired, moved, context="k-1") == data_key
    with pytest.raises(SealingError, match="'m1' is not in the keyring"):
        unwrap(retired, old, context="k-1")
    # Built by hand from configuration, without m1, the same holds.
    by_hand = MasterKeys(current="m2", keys={"m2": m2.keys["m2"]}, index_key=m2.index_key)
    with pytest.raises(SealingError):
        unwrap(by_hand, old, context="k-1")


def test_a_master_key_id_cannot_be_added_twice_and_the_current_one_cannot_be_removed() -> None:
    master = keyring()
    with pytest.raises(SealingError, match="already exists"):
        master.with_new_key("m1")
    with pytest.raises(SealingError, match="current"):
        master.with_new_key("m2").without_key("m2")
    with pytest.raises(SealingError, match="invalid id"):
        master.with_new_key("Not Valid")


# Tampering and wrong bindings


def test_changing_any_character_of_a_wrapped_key_is_detected() -> None:
    master = keyring()
    wrapped = wrap(master, new_data_key(), context="k-1")
    for i in range(len(wrapped)):
        with pytest.raises(SealingError):
            unwrap(master, flipped(wrapped, i), context="k-1")


def test_changing_any_character_of_a_sealed_field_is_detected() -> None:
    data_key = new_data_key()
    # 12 + 1 + 16 bytes: the last base64 character carries spare bits, which must not be ignored.
    for text in ["9", "ಶ್ರೀನಿವಾಸ"]:
        token = seal(data_key, text, field="name", row="c-1")
        for i in range(len(token)):
            with pytest.raises(SealingError):
                open_sealed(data_key, flipped(token, i), field="name", row="c-1")


@pytest.mark.parametrize(
    "bad",
    ["", "m1", "m1.", ".abc", "m1.!!!!", "m1.AAAA", "v1.AAAA", "M1.AAAA", "m1.AAAA=", "m1.a.b"],
)
def test_malformed_wrapped_keys_fail_as_sealing_errors(bad: str) -> None:
    with pytest.raises(SealingError):
        unwrap(keyring(), bad, context="k-1")


@pytest.mark.parametrize("bad", ["", "v1", "v1.", "v2.AAAA", "v1.!!", "v1." + "A" * 30, "x"])
def test_malformed_sealed_fields_fail_as_sealing_errors(bad: str) -> None:
    with pytest.raises(SealingError):
        open_sealed(new_data_key(), bad, field="phone", row="c-1")


def test_a_sealed_phone_copied_to_another_column_or_row_does_not_open() -> None:
    data_key = new_data_key()
    token = seal(data_key, "9845012345", field="phone", row="c-1")
    with pytest.raises(SealingError):
        open_sealed(data_key, token, field="email", row="c-1")
    with pytest.raises(SealingError):
        open_sealed(data_key, token, field="phone", row="c-2")
    with pytest.raises(SealingError):
        open_sealed(new_data_key(), token, field="phone", row="c-1")


def test_field_and_row_cannot_be_shifted_into_each_other() -> None:
    data_key = new_data_key()
    token = seal(data_key, "x", field="ab", row="c")
    with pytest.raises(SealingError):
        open_sealed(data_key, token, field="a", row="bc")


def test_a_wrapped_key_for_one_citizen_does_not_open_for_another() -> None:
    master = keyring()
    wrapped = wrap(master, new_data_key(), context="k-1")
    with pytest.raises(SealingError):
        unwrap(master, wrapped, context="k-2")
    with pytest.raises(SealingError):
        unwrap(MasterKeys.generate("m1"), wrapped, context="k-1")


def test_bad_arguments_fail_as_sealing_errors() -> None:
    master, data_key = keyring(), new_data_key()
    with pytest.raises(SealingError):
        wrap(master, b"short", context="k-1")
    with pytest.raises(SealingError):
        wrap(master, data_key, context="")
    with pytest.raises(SealingError):
        seal(data_key[:16], "x", field="phone", row="c-1")
    with pytest.raises(SealingError):
        seal(data_key, "x", field="", row="c-1")
    with pytest.raises(SealingError):
        seal(data_key, "\ud800", field="phone", row="c-1")
    assert issubclass(SealingError, ValueError)


# Configuration


def test_master_keys_parse_from_configuration_with_or_without_padding() -> None:
    k1, k2, index = os.urandom(32), os.urandom(32), os.urandom(32)
    spec = f"m1:{b64(k1, padded=True)}, m2:{b64(k2)}"
    master = MasterKeys.parse(spec, "m2", b64(index))
    assert master.current == "m2"
    assert dict(master.keys) == {"m1": k1, "m2": k2}
    assert master.index_key == index


def test_the_keyring_cannot_be_changed_after_it_is_built() -> None:
    master = keyring()
    with pytest.raises(TypeError):
        master.keys["evil"] = os.urandom(32)  # type: ignore[index]
    with pytest.raises(AttributeError):
        master.current = "x"  # type: ignore[misc]


SECRET = b64(bytes(range(31)))  # 31 bytes: one short
SECRET_33 = b64(bytes(range(33)))
GOOD = b64(bytes(range(100, 132)))
INDEX = b64(bytes(range(200, 232)))


@pytest.mark.parametrize(
    ("spec", "current", "index_key", "secret", "complaint"),
    [
        (f"m1:{SECRET}", "m1", INDEX, SECRET, "32 bytes"),
        (f"m1:{SECRET_33}", "m1", INDEX, SECRET_33, "32 bytes"),
        (f"m1:{GOOD}!", "m1", INDEX, GOOD, "base64url"),
        (f"m1{GOOD}", "m1", INDEX, GOOD, "not 'id:base64url-key'"),
        (f"{GOOD}:m1", "m1", INDEX, GOOD, "invalid id"),
        (f"M1:{GOOD}", "m1", INDEX, GOOD, "invalid id"),
        (f"m1:{GOOD},m1:{GOOD}", "m1", INDEX, GOOD, "more than once"),
        (f"m1:{GOOD}", "m2", INDEX, GOOD, "current master 'm2' is not among ['m1']"),
        (f"m1:{GOOD}", GOOD, INDEX, GOOD, "current master id is not among"),
        (f"m1:{GOOD}", "m1", SECRET, SECRET, "index key"),
        (f"m1:{GOOD}", "m1", INDEX + "*", INDEX, "index key"),
        ("", "m1", INDEX, INDEX, "not 'id:base64url-key'"),
    ],
)
def test_configuration_errors_name_the_problem_but_never_the_key(
    spec: str, current: str, index_key: str, secret: str, complaint: str
) -> None:
    with pytest.raises(SealingError) as caught:
        MasterKeys.parse(spec, current, index_key)
    message = str(caught.value)
    assert complaint in message
    for shown in (message, repr(caught.value)):
        assert secret not in shown
        assert secret[:16] not in shown
        assert GOOD[:16] not in shown
        assert INDEX[:16] not in shown
    assert caught.value.__cause__ is None


def test_the_keyring_repr_hides_every_key() -> None:
    master = keyring().with_new_key("m2")
    shown = repr(master) + str(master)
    assert "m1" in shown and "m2" in shown
    for key in [*master.keys.values(), master.index_key]:
        assert b64(key) not in shown
        assert b64(key)[:12] not in shown
        assert repr(key)[2:14] not in shown
        assert key.hex()[:16] not in shown


def test_a_keyring_survives_a_round_trip_through_its_json_file() -> None:
    master = keyring().with_new_key("m2")
    text = master.to_json()
    document = json.loads(text)
    assert set(document) == {"current", "keys", "index_key"}
    assert document["current"] == "m2"
    assert sorted(document["keys"]) == ["m1", "m2"]
    again = MasterKeys.from_json(text)
    assert again == master
    data_key = new_data_key()
    assert unwrap(again, wrap(master, data_key, context="k-1"), context="k-1") == data_key
    assert blind_index(again, "phone", "9845012345") == blind_index(master, "phone", "9845012345")


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"current": "m1", "keys": {}}',
        '{"current": "m1", "keys": {"m1": 5}, "index_key": "AAAA"}',
        '{"current": "m1", "keys": [], "index_key": "AAAA"}',
    ],
)
def test_a_broken_keyring_file_fails_as_a_sealing_error(text: str) -> None:
    with pytest.raises(SealingError):
        MasterKeys.from_json(text)


def test_a_keyring_file_with_a_short_key_names_it_without_showing_it() -> None:
    document = {"current": "m1", "keys": {"m1": SECRET}, "index_key": INDEX}
    with pytest.raises(SealingError, match="'m1' must be 32 bytes") as caught:
        MasterKeys.from_json(json.dumps(document))
    assert SECRET not in str(caught.value)


# Blind index


def test_the_blind_index_is_stable_and_separates_kinds() -> None:
    master = keyring()
    first = blind_index(master, "phone", "919845012345")
    assert first == blind_index(master, "phone", "919845012345")
    assert len(first) == 32 and all(c in "0123456789abcdef" for c in first)
    assert first != blind_index(master, "email", "919845012345")
    assert first != blind_index(master, "phone", "919845012346")
    assert first != blind_index(MasterKeys.generate("m1"), "phone", "919845012345")


def test_the_blind_index_survives_master_key_rotation() -> None:
    master = keyring()
    before = blind_index(master, "email", "a@example.in")
    assert blind_index(master.with_new_key("m2"), "email", "a@example.in") == before


def test_the_blind_index_is_the_documented_hmac() -> None:
    import hashlib
    import hmac

    master = keyring()
    expected = hmac.new(master.index_key, b"phone\x00123", hashlib.sha256).hexdigest()[:32]
    assert blind_index(master, "phone", "123") == expected
    with pytest.raises(SealingError):
        blind_index(master, "pho\x00ne", "123")
