from tests.conftest import demo_email


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def test_me_with_a_token(demo, token_for):
    resp = demo.test_client().get("/api/v1/me", headers=auth(token_for("case", "TL")))
    assert resp.status_code == 200
    assert resp.json["email"] == demo_email("case", "TL")
    assert resp.json["centre"] == "TL" and resp.json["timezone"] == "Asia/Yangon"
    assert resp.json["roles"] == ["caseworker", "mdt"]


def test_no_or_bad_token_is_401_json(demo, token_for):
    c = demo.test_client()
    for headers in ({}, auth("br_nonsense"), {"Authorization": "Basic abc"}):
        resp = c.get("/api/v1/me", headers=headers)
        assert resp.status_code == 401
        assert resp.json["error"]["code"] == "unauthorized" and resp.json["error"]["message"]


def test_session_cookie_does_not_authenticate_the_api(signed_in):
    b = signed_in("admin", "CR")
    assert b.get("/api/v1/me").status_code == 401


def test_revoked_token_stops_working(demo, signed_in, token_for):
    token = token_for("viewer", "CR")
    c = demo.test_client()
    assert c.get("/api/v1/me", headers=auth(token)).status_code == 200
    b = signed_in("viewer", "CR")
    html = b.get("/account").get_data(as_text=True)
    token_id = html.split('/tokens/')[1].split('/revoke')[0]
    assert b.post_form(f"/tokens/{token_id}/revoke", {}, page="/account").status_code == 302
    assert c.get("/api/v1/me", headers=auth(token)).status_code == 401


def test_malformed_json_is_a_400_json_error(demo, token_for):
    c = demo.test_client()
    token = token_for("case", "CR")
    for body, status in (("{not json", 400), ("", 400), ("[1, 2]", 422), ('"text"', 422)):
        resp = c.patch("/api/v1/me", data=body, headers={**auth(token), "Content-Type": "application/json"})
        assert resp.status_code == status, body
        assert set(resp.json["error"]) == {"code", "message"}


def test_patch_me_sets_language_and_refuses_unknown(demo, token_for):
    c = demo.test_client()
    token = token_for("case", "CR")
    resp = c.patch("/api/v1/me", json={"locale": "my"}, headers=auth(token))
    assert resp.status_code == 200 and resp.json["locale"] == "my"
    resp = c.patch("/api/v1/me", json={"locale": "fr"}, headers={**auth(token), "Accept-Language": "en"})
    assert resp.status_code == 422 and resp.json["error"]["code"] == "invalid"
    resp = c.patch("/api/v1/me", json={"locale": 5}, headers=auth(token))
    assert resp.status_code == 422


def test_unknown_api_route_is_json_404(demo, token_for):
    resp = demo.test_client().get("/api/v1/nothing-here", headers=auth(token_for()))
    assert resp.status_code == 404 and resp.json["error"]["code"] == "not_found"


def test_centres_lists_partners(demo, token_for):
    resp = demo.test_client().get("/api/v1/centres", headers=auth(token_for("admin", "HX")))
    items = {c["code"]: c for c in resp.json["items"]}
    assert set(items) == {"CR", "TL", "MS", "MW", "CK", "HX"}
    assert {c for c, v in items.items() if v["partner"]} == {"CK", "CR", "TL"}
    assert items["HX"]["timezone"] == "Asia/Vientiane" and items["HX"]["crossings"] == ["CKG-HXY"]
    assert items["TL"]["names"]["my"].startswith("တာချီလိတ်")
