"""Tracking ids as a citizen meets them: on an SMS, read aloud, typed back with mistakes."""

from __future__ import annotations

import itertools
import random
import re
import string

from domain import ids

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32, written out independently
CITIES = ["BLR", "MUM", "PUN", "AMD", "BPL", "JAI", "KOL", "CBE", "CHD", "HYD", "DEL", "ZZZ"]
LEGACY = ["BLR-AB7JNM7JXH", "BLR-7K3M9QX2AB", "BLR-0000000000", "DEL-ZZZZZZZZZZ"]


def times_x(value: int) -> int:
    """Multiplication by x in GF(2^5) modulo x^5 + x^2 + 1, written out independently."""
    value *= 2
    return value ^ 37 if value >= 32 else value


def damm_valid(city: str, body: str) -> bool:
    """Damm's check over a * b = x·a + b in GF(32), city letters A=0…Z=25, then the body."""
    interim = 0
    for point in [ord(c) - ord("A") for c in city] + [ALPHABET.index(c) for c in body]:
        interim = times_x(interim) ^ point
    return interim == 0


def some_ids(count: int, seed: int) -> list[str]:
    """New and derived ids across cities, reproducibly."""
    rng = random.Random(seed)
    made = [ids.TRACKING_ID_EXAMPLE]
    for n in range(count):
        city = rng.choice(CITIES)
        made.append(ids.new_tracking_id(city))
        made.append(ids.derived_tracking_id(city, f"key-{seed}", str(n)))
    return made


def rechecked(city: str, body10: str) -> str:
    """The valid id of a city and ten characters (found by trying every check character)."""
    for check in ALPHABET:
        if damm_valid(city, body10 + check):
            return f"{city}-{body10}{check}"
    raise AssertionError(f"no check character for {city}-{body10}")


def assert_swap_caught(good: str, at: int) -> None:
    """Swapping body characters `at` and `at + 1` of a valid id is refused as a mistype."""
    body = good[4:]
    swapped = f"{good[:4]}{body[:at]}{body[at + 1]}{body[at]}{body[at + 2 :]}"
    assert ids.parse_tracking_id(swapped) is None, (good, swapped)
    assert ids.check_failure(swapped) == ids.MISTYPED, (good, swapped)


def test_every_new_id_passes_its_check_and_reads_back_as_itself():
    for made in some_ids(2000, seed=1):
        city, body = made.split("-")
        assert re.fullmatch(r"[A-Z]{3}-[0-9A-HJKMNP-TV-Z]{11}", made), made
        assert damm_valid(city, body), made
        assert ids.is_tracking_id(made)
        assert ids.TRACKING_ID_RE.fullmatch(made)
        assert ids.parse_tracking_id(made) == made
        assert ids.check_failure(made) is None


def test_a_derived_id_is_the_same_ten_characters_as_before_plus_its_check():
    made = ids.derived_tracking_id("blr", "key-1", "idem-1")
    assert made == ids.derived_tracking_id("BLR", "key-1", "idem-1")
    assert made != ids.derived_tracking_id("BLR", "key-1", "idem-2")
    assert made == rechecked("BLR", made[4:14])


def test_the_example_id_in_messages_is_a_real_one():
    assert ids.is_tracking_id(ids.TRACKING_ID_EXAMPLE)
    assert ids.TRACKING_ID_EXAMPLE in ids.NOT_AN_ID


def test_the_id_fits_an_sms():
    for made in some_ids(200, seed=2):
        assert len(made) == 15  # "BLR-" and 11 characters, well inside one SMS
    bodies = "".join(made[4:] for made in some_ids(500, seed=3))
    assert not set(bodies) & set("ILOU")  # nothing to confuse when read aloud


def test_every_single_mistyped_character_is_caught():
    for made in some_ids(3, seed=4):
        city, body = made.split("-")
        for at, original in enumerate(body):
            for wrong in ALPHABET.replace(original, ""):
                typo = f"{city}-{body[:at]}{wrong}{body[at + 1 :]}"
                assert ids.parse_tracking_id(typo) is None, typo
                assert not ids.is_tracking_id(typo), typo
                assert ids.check_failure(typo) == ids.MISTYPED, typo
                assert ids.parse_tracking_id(typo.lower()) is None, typo
        for at, original in enumerate(city):
            for wrong in string.ascii_uppercase.replace(original, ""):
                typo = f"{city[:at]}{wrong}{city[at + 1 :]}-{body}"
                assert ids.parse_tracking_id(typo) is None, typo
                assert ids.check_failure(typo) == ids.MISTYPED, typo


def test_every_swap_of_two_neighbouring_characters_is_caught():
    for made in some_ids(20, seed=5):
        compact = made.replace("-", "")
        for at in range(len(compact) - 1):
            a, b = compact[at], compact[at + 1]
            # Across the hyphen a letter of the city and a digit of the body trade alphabets:
            # that is two substitutions, which any one check character misses 1 time in 32.
            if a == b or at == 2:
                continue
            swapped = compact[:at] + b + a + compact[at + 2 :]
            assert ids.parse_tracking_id(swapped) is None, (made, swapped)
    # Exhaustively: every pair of distinct characters at every place in the body.
    base = "7K3M9QX2AB"
    for at in range(len(base) - 1):
        for a, b in itertools.permutations(ALPHABET, 2):
            assert_swap_caught(rechecked("BLR", base[:at] + a + b + base[at + 2 :]), at)


def test_a_swap_onto_the_check_character_is_caught():
    # The ninth character moves the check through all 32 values, so every pair (last body
    # character, check character) occurs.
    for last, ninth in itertools.product(ALPHABET, ALPHABET):
        good = rechecked("BLR", "7K3M9QX2" + ninth + last)
        if good[-2] != good[-1]:
            assert_swap_caught(good, 9)
    for made in some_ids(300, seed=6):
        if made[-2] != made[-1]:
            assert_swap_caught(made, 9)


def test_a_check_character_valid_for_one_city_is_not_valid_for_another():
    for n in range(300):
        body = ids.derived_tracking_id("BLR", "city", str(n))[4:]
        assert ids.is_tracking_id(f"BLR-{body}") and not ids.is_tracking_id(f"DEL-{body}"), body
    for body10 in ("7K3M9QX2AB", "0000000000", "ZZZZZZZZZZ"):
        blr = rechecked("BLR", body10)
        assert ids.parse_tracking_id("DEL" + blr[3:]) is None
        assert ids.check_failure("DEL" + blr[3:]) == ids.MISTYPED
        assert ids.parse_tracking_id("BLR" + rechecked("DEL", body10)[3:]) is None


def test_what_a_person_types_reads_as_the_canonical_id():
    made = ids.TRACKING_ID_EXAMPLE  # BLR-7K3M9QX2ABN
    typed = [
        "BLR-7K3M9QX2ABN",
        "blr-7k3m9qx2abn",
        "blr 7k3m 9qx2 abn",
        "BLR7K3M9QX2ABN",
        "  BLR - 7K3M-9QX2-ABN \n",
        "B L R 7 K 3 M 9 Q X 2 A B N",
        "\tblr-7K3m9Qx2aBn\r\n",
        "BLR--7K3M9QX2ABN",
    ]
    for text in typed:
        assert ids.parse_tracking_id(text) == made, text
        assert ids.check_failure(text) is None, text


def test_crockford_aliases_read_o_as_0_and_i_and_l_as_1():
    made = rechecked("BLR", "70K10M11AB")
    check = made[-1]
    for zero, one, other in itertools.product("Oo0", "IiLl1", "Ll1"):
        typed = f"BLR-7{zero}K{one}{zero}M{one}{other}AB{check}"
        assert ids.parse_tracking_id(typed) == made, typed
    assert ids.parse_tracking_id("blr 70k1 0m11 ab" + made[-1].lower()) == made


def test_the_city_code_keeps_its_letters():
    made = rechecked("LKO", "7K3M9QX2AB")  # L and O in a city code are letters, not 1 and 0
    assert ids.parse_tracking_id(made.lower()) == made
    assert ids.parse_tracking_id("1K0" + made[3:]) is None


def test_u_and_other_junk_are_not_tracking_ids():
    body = ids.TRACKING_ID_EXAMPLE[4:]
    junk = [
        "",
        " ",
        "-",
        "BLR",
        "BLR-",
        "BLR-7K3M9QX2AU",  # U is no Crockford digit, nor an alias
        "BLR-7K3M9QX2ABU",
        "BLR-7K3M9QX2ABu",
        f"BL-{body}",
        f"BLRR-{body}",
        f"B1R-{body}",
        f"BLR_{body}",
        f"BLR.{body}",
        f"BLR-{body}.json",
        f"BLR-{body}-ASG0",  # a notice number, not a tracking id
        f"BLR-{body[:5]}\u00a0{body[5:]}",  # a no-break space is no ASCII space
        f"BLR-{body[:5]}\u0130{body[6:]}",  # İ is no I
        f"ſLR-{body}",
        f"BLR-{body}\x00",
        f"BLR-{body[:3]}０{body[4:]}",  # a full-width zero
        "null",
        "BLR-7K3M9QX2AB" + "X" * 100,
    ]
    for text in junk:
        assert ids.parse_tracking_id(text) is None, text
        assert ids.check_failure(text) == ids.NOT_AN_ID, text
        assert not ids.is_tracking_id(text), text


def test_ids_filed_before_the_check_character_still_work():
    for old in LEGACY:
        assert ids.is_tracking_id(old), old
        assert ids.TRACKING_ID_RE.fullmatch(old), old
        assert re.fullmatch(ids.TRACKING_ID_PATH_PATTERN, old), old
        assert ids.parse_tracking_id(old) == old
        assert ids.parse_tracking_id(old.lower().replace("-", " ")) == old
        assert ids.check_failure(old) is None
    assert ids.parse_tracking_id("blr-ab7jnm7jxh") == "BLR-AB7JNM7JXH"
    assert ids.parse_tracking_id("BLR-7K3M9QX2AB\n") == "BLR-7K3M9QX2AB"


def test_canonical_means_no_other_characters():
    made = ids.TRACKING_ID_EXAMPLE
    for near in (made.lower(), f" {made}", f"{made}\n", made.replace("-", ""), made[:7] + "O"):
        assert not ids.is_tracking_id(near), near
        assert not ids.TRACKING_ID_RE.fullmatch(near), near


def test_a_body_of_9_or_12_characters_is_refused():
    for body in ("7K3M9QX2A", "7K3M9QX2ABN0", "7K3M9QX2ABNY", ""):
        assert ids.parse_tracking_id(f"BLR-{body}") is None, body
        assert ids.check_failure(f"BLR-{body}") == ids.NOT_AN_ID, body
        assert not ids.TRACKING_ID_RE.fullmatch(f"BLR-{body}")
        assert not re.fullmatch(ids.TRACKING_ID_PATH_PATTERN, f"BLR-{body}")


def test_a_path_may_carry_what_a_person_types_in_a_url():
    made = ids.TRACKING_ID_EXAMPLE
    carried = [made, made.lower(), made.replace("-", ""), "blr-7k3m-9qx2-abx", "BLR-7K3M9QX2AB"]
    carried += ["BLR-7K3M9QX2ABN".replace("0", "O"), "blr-7k3m9qx2ao", "BLR-1I1L1l1i10"]
    for text in carried:
        assert re.fullmatch(ids.TRACKING_ID_PATH_PATTERN, text), text
        assert len(text) <= 20  # the max_length of the path parameter
    for text in ("BLR-7K3M9QX2ABU", "BLR 7K3M9QX2ABN", "BLR-7K3M9QX2ABN-", "BLR-7K3M--9QX2ABX"):
        assert not re.fullmatch(ids.TRACKING_ID_PATH_PATTERN, text), text
    # Everything the path pattern lets through is either an id or refused with a reason.
    rng = random.Random(8)
    chars = "0123456789ABCDEFGHIJKLMNOPQRSTVWXYZabcdefghijklmnopqrstvwxyz-"
    for _ in range(5000):
        text = "BLR-" + "".join(rng.choice(chars) for _ in range(rng.randint(10, 14)))
        if not re.fullmatch(ids.TRACKING_ID_PATH_PATTERN, text):
            continue
        assert (ids.parse_tracking_id(text) is None) == (ids.check_failure(text) is not None)


def test_the_path_pattern_is_bounded():
    longest = "BLR" + "-7" * 11
    assert re.fullmatch(ids.TRACKING_ID_PATH_PATTERN, longest)
    assert not re.fullmatch(ids.TRACKING_ID_PATH_PATTERN, longest + "7")
    assert not re.fullmatch(ids.TRACKING_ID_PATH_PATTERN, "BLR-" + "7" * 12)


def test_check_failure_says_what_went_wrong_in_plain_words():
    made = ids.TRACKING_ID_EXAMPLE
    wrong_check = made[:-1] + ("Y" if made[-1] != "Y" else "Z")
    assert ids.check_failure(wrong_check) == "a character was mistyped: check the id on your SMS"
    assert ids.check_failure("BLR-12345") == f"a tracking id looks like {made}"
    assert ids.check_failure("hello") == f"a tracking id looks like {made}"
    assert ids.check_failure(made.lower()) is None
