"""What the public sees of a sensitive complaint: its point coarsened to about 100 m, per the
city's privacy policy (public toilets and stray animals by default); other categories exact."""

from __future__ import annotations

from helpers import auth, in_malleshwaram, pothole, wait_for_status


async def test_a_public_toilet_complaint_shows_the_public_only_a_coarse_point(api, api_keys):
    lat, lon = in_malleshwaram()
    citizen = auth(api_keys["citizen-app"])
    cases = {}
    for category in ("public_toilet", "pothole"):
        body = {**pothole(lat, lon), "category": category}
        resp = await api.post("/v1/complaints", json=body, headers=citizen)
        assert resp.status_code == 202, resp.text
        cases[category] = resp.json()["tracking_id"]
        await wait_for_status(api, cases[category], citizen, "NOTICE_ISSUED")
    toilet = (await api.get(f"/open311/v2/requests/{cases['public_toilet']}.json")).json()[0]
    assert (toilet["lat"], toilet["long"]) == (round(lat, 3), round(lon, 3))
    assert (toilet["lat"], toilet["long"]) != (lat, lon)
    road = (await api.get(f"/open311/v2/requests/{cases['pothole']}.json")).json()[0]
    assert (road["lat"], road["long"]) == (lat, lon)


async def test_the_privacy_notice_page_says_what_is_kept_why_how_long_and_the_rights(api):
    from domain.privacy import CURRENT_NOTICE

    page = await api.get("/privacy")
    assert page.status_code == 200, page.text
    policy = api.app.state.policy.privacy("bengaluru")
    assert f"Notice version {CURRENT_NOTICE}" in page.text
    assert f"{policy.retention_days} days after your last complaint" in page.text
    assert f"we answer within {policy.grievance_days} days" in page.text
    assert "to provide a service of the State" in page.text  # Bengaluru's basis
    kannada = await api.get("/privacy?lang=kn")
    assert "ನಿಮ್ಮ ಗೌಪ್ಯತೆ" in kannada.text and "ನಿಮ್ಮ ಹಕ್ಕುಗಳು" in kannada.text
    track = await api.get("/")
    assert 'href="/privacy?city=bengaluru"' in track.text  # every page's footer links it
