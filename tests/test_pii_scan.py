"""Personal data in free text: what a citizen's description looks like once it is scanned."""

import time
from itertools import pairwise

import pytest

from domain import pii

# An independent Verhoeff: the dihedral group D5 by its rule (rotations 0-4, reflections 5-9)
# and the position permutation as powers of (1 5 7 6 2 8 3 0 9 4), not the module's tables.


def _d5(j: int, k: int) -> int:
    if j < 5:
        return (j + k) % 5 if k < 5 else 5 + (j + k) % 5
    return 5 + (j - k) % 5 if k < 5 else (j - k) % 5


def _perm(i: int, digit: int) -> int:
    for _ in range(i % 8):
        digit = (1, 5, 7, 6, 2, 8, 3, 0, 9, 4)[digit]
    return digit


def _check_digit(payload: str) -> str:
    c = 0
    for i, ch in enumerate(reversed(payload)):
        c = _d5(c, _perm(i + 1, int(ch)))
    inverse = (5 - c) % 5 if c < 5 else c
    return str(inverse)


def _aadhaar(payload: str) -> str:
    """A twelve-digit number with a valid Verhoeff check digit, by the test's own Verhoeff."""
    assert len(payload) == 11
    return payload + _check_digit(payload)


def _wrong_check(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def _kinds(text: str) -> list[tuple[str, str]]:
    return [(f.kind, f.text) for f in pii.find(text)]


DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")
KANNADA = str.maketrans("0123456789", "೦೧೨೩೪೫೬೭೮೯")


def test_a_phone_number_in_a_description_is_masked_on_public_output() -> None:
    aadhaar = _aadhaar("23456789012")
    grouped = f"{aadhaar[:4]} {aadhaar[4:8]} {aadhaar[8:]}"
    text = (
        f"Pothole outside my house, call me on 98450 12345 or ramesh@gmail.com, Aadhaar {grouped}"
    )
    masked, kinds = pii.scan(text)
    assert masked == (
        "Pothole outside my house, call me on [phone hidden] or [email hidden], "
        "Aadhaar [Aadhaar hidden]"
    )
    assert kinds == ["aadhaar", "email", "phone"]


def test_the_briefs_example_aadhaar_fails_its_checksum_so_it_stays_visible() -> None:
    # "2345 6789 0123" is only a made-up number: its last digit is not its Verhoeff digit.
    assert not pii.verhoeff_valid("234567890123")
    assert pii.scan("Aadhaar 2345 6789 0123") == ("Aadhaar 2345 6789 0123", [])


@pytest.mark.parametrize(
    "phone",
    [
        "9845012345",
        "+91 98450 12345",
        "+91-98450-12345",
        "+919845012345",
        "919845012345",
        "91 98450 12345",
        "098450 12345",
        "09845012345",
        "0 98450 12345",
        "98 45 01 23 45",
        "984 501 2345",
        "98450.12345",
        "98450 - 12345",
        "6012345678",
        "7012345678",
    ],
)
def test_a_mobile_number_written_any_usual_way_is_hidden_whole(phone: str) -> None:
    text = f"Streetlight out. Call me on {phone} after 6 pm."
    assert _kinds(text) == [("phone", phone)]
    assert pii.mask(text) == "Streetlight out. Call me on [phone hidden] after 6 pm."


@pytest.mark.parametrize(
    "phone",
    ["080-2222 3333", "080 22223333", "(080) 2222 3333", "0124-4567890", "08022223333"],
)
def test_a_landline_with_its_std_code_is_hidden_whole_brackets_included(phone: str) -> None:
    text = f"Office number {phone}, ask for the clerk."
    assert _kinds(text) == [("phone", phone)]
    assert pii.mask(text) == "Office number [phone hidden], ask for the clerk."


@pytest.mark.parametrize("script", [DEVANAGARI, KANNADA])
def test_a_phone_number_in_devanagari_or_kannada_digits_is_hidden(script: dict) -> None:
    for phone in ("98450 12345", "+91 98450 12345", "080-2222 3333"):
        local = phone.translate(script)
        assert local != phone
        masked, kinds = pii.scan(f"फ़ोन {local} पर")
        assert (masked, kinds) == ("फ़ोन [phone hidden] पर", ["phone"])
        assert pii.normalise_phone(local) == pii.normalise_phone(phone)


@pytest.mark.parametrize(
    "text",
    [
        "Garbage not collected since 12-03-2026",
        "Reported on 2026-12-03 at 10:30, again 12.03.2026 at 10.30 am",
        "Ward 12, house no 45, Bengaluru 560001",
        "Pin 560 001, cross 4, main 11",
        "Estimated loss Rs 10,00,000 and Rs 1,00,00,000",
        "Account 1234567890123456 was charged",
        "Reference 98450123451234 is not a phone",
        "Tracking number 1234567890",
        "Serial 0123456789",
        "9 8 4 5 0 1 2 3 4 5 counted on fingers",
        "Between 10:30 and 11:45 on 31-12-2026 31-12-2026",
        "Server 192.168.100.200 down",
        "UK office +44 20 7946 0958",
    ],
)
def test_dates_times_pincodes_wards_amounts_and_long_numbers_are_left_alone(text: str) -> None:
    assert pii.find(text) == []
    assert pii.scan(text) == (text, [])


def test_a_phone_number_next_to_a_ward_number_is_hidden_but_the_ward_stays() -> None:
    assert pii.mask("ward 12 98450 12345") == "ward 12 [phone hidden]"
    assert pii.mask("house no 45, 9845012345") == "house no 45, [phone hidden]"
    assert pii.mask("9845012345 9845012346") == "[phone hidden] [phone hidden]"


def test_verhoeff_matches_an_independent_implementation() -> None:
    assert pii.verhoeff_valid("234123412346")  # the commonly used valid Aadhaar test value
    assert pii.verhoeff_digit("236") == "3"  # Verhoeff's own worked example: 236 -> 2363
    assert pii.verhoeff_valid("2363")
    for n in range(0, 10**11, 7_919_999_999):
        payload = f"{n:011d}"
        assert pii.verhoeff_digit(payload) == _check_digit(payload)
        assert pii.verhoeff_valid(payload + _check_digit(payload))


def test_a_checksum_valid_aadhaar_is_hidden_in_any_grouping_and_script() -> None:
    for payload in ("23412341234", "49911866524", "87654321098", "50000000000"):
        number = _aadhaar(payload)
        spaced = f"{number[:4]} {number[4:8]} {number[8:]}"
        hyphens = spaced.replace(" ", "-")
        for form in (number, spaced, hyphens, spaced.translate(DEVANAGARI)):
            assert _kinds(f"My Aadhaar is {form}.") == [("aadhaar", form)]
            assert pii.mask(f"My Aadhaar is {form}.") == "My Aadhaar is [Aadhaar hidden]."
    assert pii.scan("UID 234123412346") == ("UID [Aadhaar hidden]", ["aadhaar"])


def test_a_twelve_digit_number_failing_verhoeff_is_neither_aadhaar_nor_phone() -> None:
    number = _aadhaar("23412341234")
    for digit in "0123456789":
        wrong = number[:-1] + digit
        if wrong != number:
            assert pii.find(f"id {wrong}") == []
            assert pii.find(f"id {wrong[:4]} {wrong[4:8]} {wrong[8:]}") == []


def test_a_checksum_valid_number_starting_0_or_1_is_not_aadhaar() -> None:
    for payload in ("12341234123", "01234123412"):
        assert pii.find(f"id {_aadhaar(payload)}") == []


def test_a_card_number_in_fours_is_not_mistaken_for_aadhaar() -> None:
    number = _aadhaar("23412341234")
    card = f"{number[:4]} {number[4:8]} {number[8:]} 1111"
    assert pii.find(f"card {card}") == []
    assert pii.find(f"card 1111 {number[:4]} {number[4:8]} {number[8:]}") == []


def test_an_aadhaar_wins_over_a_phone_reading_of_the_same_digits() -> None:
    number = _aadhaar("91984501234")  # also "91" + a mobile number
    assert _kinds(f"no. {number}") == [("aadhaar", number)]
    assert pii.mask(f"no. {number}") == "no. [Aadhaar hidden]"
    # Failing Verhoeff, the same run is a phone number with its 91 prefix.
    assert _kinds(f"no. {_wrong_check(number)}") == [("phone", _wrong_check(number))]


def test_overlapping_readings_keep_the_aadhaar_and_leave_the_rest_visible() -> None:
    # "98 2341 2341" reads as a mobile, but the longer Aadhaar after it wins the overlap.
    text = "ref 98 2341 2341 2346"
    assert _kinds(text) == [("aadhaar", "2341 2341 2346")]
    assert pii.mask(text) == "ref 98 [Aadhaar hidden]"
    # The +91 prefix goes with the number, not just the ten digits after it.
    assert _kinds("call +91 98450 12345") == [("phone", "+91 98450 12345")]


def test_findings_are_sorted_non_overlapping_and_quote_the_text() -> None:
    text = "a@b.in 98450 12345, 234123412346; x.y@city.gov.in 080-2222 3333"
    findings = pii.find(text)
    assert [f.kind for f in findings] == ["email", "phone", "aadhaar", "email", "phone"]
    for before, after in pairwise(findings):
        assert before.end <= after.start
    assert all(text[f.start : f.end] == f.text for f in findings)


@pytest.mark.parametrize(
    "email",
    [
        "ramesh@gmail.com",
        "ramesh.k@gmail.com",
        "a_b+c@city.gov.in",
        "Ward.Office-12@BBMP.Gov.In",
        "रमेश@example.in",
        "ರಮೇಶ್.ಕೆ@mail.co.in",
        "info@डाक.भारत",
    ],
)
def test_an_email_address_is_hidden(email: str) -> None:
    text = f"Write to {email}."
    assert _kinds(text) == [("email", email)]
    assert pii.mask(text) == "Write to [email hidden]."
    assert pii.normalise_email(f"  {email} ") == email.lower()


def test_an_email_holding_digits_is_one_email_not_a_phone() -> None:
    assert pii.scan("mail 9845012345@gmail.com") == ("mail [email hidden]", ["email"])
    # A UPI id has no dot in its handle: it is no email, but its phone number is hidden.
    assert pii.scan("pay 9845012345@ybl") == ("pay [phone hidden]@ybl", ["phone"])


@pytest.mark.parametrize(
    "text", ["x@y", "a@b.c1", "@gmail.com", "ramesh@", "a..b@gmail.com", "see you @ 5", "a@-x.com"]
)
def test_things_that_are_not_email_addresses_are_left_alone(text: str) -> None:
    assert pii.find(text) == []
    assert pii.normalise_email(text) is None


def test_mask_replaces_only_the_findings_it_is_given() -> None:
    text = "call 9845012345 or mail r@x.in"
    findings = pii.find(text)
    assert pii.mask(text, []) == text
    assert pii.mask(text, findings[:1]) == "call [phone hidden] or mail r@x.in"
    both = "call [phone hidden] or mail [email hidden]"
    assert pii.mask(text, findings) == pii.mask(text) == both
    assert pii.scan("Pothole near the temple") == ("Pothole near the temple", [])
    masked = ("1 2 3 [phone hidden] [phone hidden]", ["phone"])
    assert pii.scan("1 2 3 9845012345 9845012345") == masked


@pytest.mark.parametrize(
    ("phone", "shown"),
    [
        ("+91 98450 12345", "+91 98XXX XX345"),
        ("9845012345", "+91 98XXX XX345"),
        ("098450-12345", "+91 98XXX XX345"),
        ("९८४५० १२३४५", "+91 98XXX XX345"),
        ("080-2222 3333", "080 2XXX X333"),
        ("(080) 2222 3333", "080 2XXX X333"),
        ("0124-4567890", "0124 4XXX 890"),
        ("+91 11 2222 3333", "011 2XXX X333"),
        ("12345678", "XXXX78"),
        ("+44 20 7946 0958", "XXXX58"),
        ("12345", "XXXX"),
        ("call me", "XXXX"),
        ("", "XXXX"),
    ],
)
def test_an_official_sees_a_phone_number_masked(phone: str, shown: str) -> None:
    assert pii.mask_phone(phone) == shown


@pytest.mark.parametrize(
    ("phone", "canonical"),
    [
        ("9845012345", "+919845012345"),
        (" +91 98450 12345 ", "+919845012345"),
        ("+91-98450-12345", "+919845012345"),
        ("098450 12345", "+919845012345"),
        ("919845012345", "+919845012345"),
        ("98 45 01 23 45", "+919845012345"),
        ("೯೮೪೫೦೧೨೩೪೫", "+919845012345"),
        ("080-2222 3333", "+918022223333"),
        ("(080) 2222 3333", "+918022223333"),
        ("080 22223333", "+918022223333"),
        ("0124-4567890", "+911244567890"),
        ("+91 11 2222 3333", "+911122223333"),
    ],
)
def test_every_way_of_writing_a_phone_number_gives_one_blind_index_form(
    phone: str, canonical: str
) -> None:
    assert pii.normalise_phone(phone) == canonical


@pytest.mark.parametrize(
    "text",
    ["", "560001", "12-03-2026", "1234567890", "+44 20 7946 0958", "call 9845012345", "98450"],
)
def test_something_that_is_not_an_indian_phone_number_has_no_blind_index(text: str) -> None:
    assert pii.normalise_phone(text) is None


@pytest.mark.parametrize(
    ("email", "shown"),
    [
        ("ramesh.k@gmail.com", "r•••••••@gmail.com"),
        ("ab@city.gov.in", "a•@city.gov.in"),
        ("a.very.long.name@x.in", "a••••••••@x.in"),
        (" Ramesh@Gmail.com ", "R•••••@Gmail.com"),
        ("रमेश@example.in", "र•••@example.in"),
        ("not an email", "•••"),
        ("ramesh@localhost", "•••"),
        ("", "•••"),
    ],
)
def test_an_official_sees_an_email_address_masked(email: str, shown: str) -> None:
    assert pii.mask_email(email) == shown


def test_email_addresses_have_one_blind_index_form() -> None:
    assert pii.normalise_email("  Ramesh.K@Gmail.COM ") == "ramesh.k@gmail.com"
    assert pii.normalise_email("ramesh.k@gmail.com") == "ramesh.k@gmail.com"
    assert pii.normalise_email("ramesh at gmail dot com") is None


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("Ramesh Kumar", "R. K."),
        ("ramesh  k. kumar", "R. K. K."),
        ("Ramesh", "R."),
        ("रमेश कुमार", "र. क."),
        ("ಶ್ರೀನಿವಾಸ ಮೂರ್ತಿ", "ಶ. ಮ."),
        ("Émile Zola", "É. Z."),
        ("", ""),
        ("   ", ""),
    ],
)
def test_a_name_is_shown_as_initials(name: str, shown: str) -> None:
    assert pii.mask_name(name) == shown


@pytest.mark.parametrize(
    "text",
    [
        "1 " * 10_000,
        "1-" * 10_000,
        "99 " * 6_667,
        "9999 " * 4_000,
        "98450 12345 " * 1_667,
        "२ " * 10_000,
        "9" * 20_000,
        "a@" * 10_000,
        "a" * 19_999 + "@",
        "@" + "a." * 9_999,
        "a." * 9_998 + "@a.in",
        "a@a." * 5_000,
        "+91 " * 5_000,
        "(1) " * 5_000,
        "." * 20_000,
    ],
)
def test_a_20000_character_adversarial_description_is_scanned_well_under_a_second(
    text: str,
) -> None:
    assert len(text) >= 19_999
    began = time.perf_counter()
    pii.scan(text)
    pii.mask_phone(text)
    pii.mask_email(text)
    pii.normalise_phone(text)
    assert time.perf_counter() - began < 0.5
