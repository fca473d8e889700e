"""Citizens file in their own words: classification in every language, triage, the city a
point lies in. Real API, real worker, real classifier, PostgreSQL and Temporal."""

from __future__ import annotations

import pytest
from conftest import WARDS
from helpers import auth, fresh_spot, in_malleshwaram, key_of, wait_for_status, wait_until
from shapely.geometry import shape

from domain.cities import spec_for
from geo.geojson import read_wards
from records.geography import import_city
from records.tables import Official, Ward

# Sentences written for these tests, in none of the training or held-out files.
SAID = [
    ("kn", "ಚರಂಡಿ ಕಟ್ಟಿಕೊಂಡಿದೆ, ಕೊಳಚೆ ನೀರು ರಸ್ತೆಗೆ ಹರಿಯುತ್ತಿದೆ", "Knda", "drain_overflow"),
    ("hi", "3 din se kachra nahi uthaya", "Latn", "garbage_not_collected"),
    ("hi", "हमारी गली में तीन दिन से कचरा नहीं उठाया गया", "Deva", "garbage_not_collected"),
    (
        "en",
        "The streetlight near the bus stop has not worked for a week",
        "Latn",
        "streetlight_out",
    ),
    ("ta", "எங்கள் தெருவில் பெரிய பள்ளம் இருக்கிறது, வண்டிகள் விழுகின்றன", "Taml", "pothole"),
    ("te", "మా వీధిలో వీధి దీపం వారం రోజులుగా వెలగడం లేదు", "Telu", "streetlight_out"),
    ("mr", "रस्त्यावर मोठा खड्डा पडला आहे, गाड्या आदळतात", "Deva", "pothole"),
    ("bn", "আমাদের পাড়ায় তিন দিন ধরে ময়লা তোলা হয়নি", "Beng", "garbage_not_collected"),
]


@pytest.mark.parametrize(("language", "said", "script", "category"), SAID)
async def test_free_text_in_each_language_names_its_category(
    api, api_keys, language, said, script, category
):
    resp = await api.post(
        "/v1/classify", json={"text": said}, headers=auth(api_keys["citizen-app"])
    )
    assert resp.status_code == 200, resp.text
    answer = resp.json()
    assert (answer["category"], answer["language"], answer["script"]) == (
        category,
        language,
        script,
    )
    assert 0.0 < answer["confidence"] <= 1.0
    others = [a["confidence"] for a in answer["alternatives"]]
    assert others == sorted(others, reverse=True) and all(c <= answer["confidence"] for c in others)
    assert category not in [a["category"] for a in answer["alternatives"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "gaddha " * 400}, "text"),
        ({"text": "pothole", "language": "xx-YY"}, "language"),
        ({"text": "pothole", "language": "ml"}, "language"),  # known, but not classified
        ({"language": "kn"}, "text"),
    ],
)
async def test_bad_text_to_classify_is_refused_naming_the_field(api, api_keys, body, field):
    resp = await api.post("/v1/classify", json=body, headers=auth(api_keys["citizen-app"]))
    assert resp.status_code == 400, resp.text
    assert resp.json()["field"] == field


async def test_the_public_needs_a_key_to_classify(api):
    assert (await api.post("/v1/classify", json={"text": "pothole"})).status_code == 401


async def test_categories_are_named_with_their_keywords_in_kannada(api):
    resp = await api.get("/v1/categories", params={"lang": "kn-IN"})
    assert resp.status_code == 200, resp.text
    drain = next(c for c in resp.json() if c["code"] == "drain_overflow")
    assert drain["language"] == "kn" and drain["name_en"] == "Drain or sewer overflow"
    assert drain["name"].startswith("ಚರಂಡಿ")
    assert drain["keywords"] and all(any("\u0c80" <= ch <= "\u0cff" for ch in k) or k.isascii()
                                     for k in drain["keywords"])  # fmt: skip
    assert (await api.get("/v1/categories", params={"lang": "zz"})).json()["field"] == "lang"


async def test_a_kannada_complaint_without_a_category_is_classified_and_assigned(api, api_keys):
    headers = auth(api_keys["citizen-app"])
    lat, lon = in_malleshwaram()
    body = {"description": SAID[0][1], "latitude": lat, "longitude": lon}
    resp = await api.post("/v1/complaints", json=body, headers=headers)
    assert resp.status_code == 202, resp.text
    accepted = resp.json()
    assert accepted["category"] == "drain_overflow"
    assert accepted["category_source"] == "classifier" and accepted["category_confidence"] > 0.5
    case = await wait_for_status(api, accepted["tracking_id"], headers, "NOTICE_ISSUED")
    assert case["category"] == "drain_overflow" and case["language"] == "kn"
    assert case["intake"]["category_source"] == "classifier"


async def test_a_vague_complaint_waits_until_the_ward_supervisor_picks_its_category(api, api_keys):
    lat, lon, ward_id = fresh_spot()
    citizen = auth(api_keys["citizen-app"])
    body = {"description": "please send someone, it is very bad here", "latitude": lat,
            "longitude": lon, "language": "en"}  # fmt: skip
    resp = await api.post("/v1/complaints", json=body, headers=citizen)
    assert resp.status_code == 202, resp.text
    accepted = resp.json()
    assert accepted["category"] is None and accepted["category_source"] == "classifier"
    tracking_id = accepted["tracking_id"]
    case = await wait_for_status(api, tracking_id, citizen, "NEEDS_TRIAGE")
    assert case["sla_due_at"] is None and case["priority"] is None
    ward = await Ward.objects().get((Ward.ward_id == ward_id) & (Ward.city.slug == "bengaluru"))
    supervisor = await Official.objects().get((Official.ward == ward.id) & (Official.level == 0))
    assert case["assignee"]["id"] == supervisor.id
    other = (
        await Official.objects()
        .where((Official.level == 0) & (Official.id != supervisor.id))
        .first()
    )
    url = f"/v1/complaints/{tracking_id}/category"
    refused = await api.post(
        url, json={"category": "pothole"}, headers=auth(await key_of(other.id))
    )
    assert refused.status_code == 403, refused.text
    bad = await api.post(
        url, json={"category": "potholes"}, headers=auth(await key_of(supervisor.id))
    )
    assert bad.status_code == 400 and bad.json()["field"] == "category"
    picked = await api.post(
        url,
        json={"category": "garbage_not_collected", "reason": "photo shows bags on the road"},
        headers=auth(await key_of(supervisor.id)),
    )
    assert picked.status_code == 200, picked.text
    case = await wait_for_status(api, tracking_id, citizen, "NOTICE_ISSUED")
    assert case["category"] == "garbage_not_collected"
    assert case["intake"]["category_source"] == "triage" and case["sla_due_at"] is not None
    assert [e["kind"] for e in case["events"]][:4] == [
        "filed",
        "needs_triage",
        "categorized",
        "prioritized",
    ]
    again = await api.post(url, json={"category": "pothole"}, headers=auth(api_keys["official"]))
    assert again.status_code == 409


async def test_a_complaint_needs_words_or_a_voice_note(api, api_keys):
    lat, lon = in_malleshwaram()
    resp = await api.post(
        "/v1/complaints", json={"latitude": lat, "longitude": lon},
        headers=auth(api_keys["citizen-app"]),
    )  # fmt: skip
    assert resp.status_code == 400 and resp.json()["field"] == "description"


def _jaipur_point() -> tuple[float, float]:
    """A point inside a real Jaipur ward."""
    wards = read_wards(WARDS / "jaipur_77_wards.geojson", ward_field="WARD_NO",
                       zone_field="ZONE_NAME")  # fmt: skip
    point = shape(wards[10].geometry).representative_point()
    return round(point.y, 6), round(point.x, 6)


async def test_the_point_decides_the_city_and_a_named_city_must_agree(api, api_keys):
    wards = read_wards(WARDS / "jaipur_77_wards.geojson", ward_field="WARD_NO",
                       zone_field="ZONE_NAME")  # fmt: skip
    await import_city(spec_for("jaipur"), wards)
    lat, lon = _jaipur_point()
    headers = auth(api_keys["citizen-app"])
    body = {"category": "pothole", "description": "sadak par bada gaddha", "latitude": lat,
            "longitude": lon}  # fmt: skip
    resp = await api.post("/v1/complaints", json=body, headers=headers)
    assert resp.status_code == 202, resp.text
    tracking_id = resp.json()["tracking_id"]
    assert tracking_id.startswith("JAI-")
    case = await wait_until(api, tracking_id, api_keys["citizen-app"], lambda c: c["ward"])
    assert case["city"] == "jaipur"
    wrong = await api.post("/v1/complaints", json={**body, "city": "bengaluru"}, headers=headers)
    assert wrong.status_code == 422, wrong.text
    assert wrong.json()["field"] == "city" and "Jaipur" in wrong.json()["detail"]
    lat, lon = in_malleshwaram()  # and Bengaluru's points still go to Bengaluru
    home = await api.post(
        "/v1/complaints", json={**body, "latitude": lat, "longitude": lon}, headers=headers
    )
    assert home.status_code == 202 and home.json()["tracking_id"].startswith("BLR-")
