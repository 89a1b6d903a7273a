"""Every route that is not explicitly public refuses an anonymous caller: pages redirect to the
sign-in page, the API answers 401. New features inherit this test."""
import re

PUBLIC = {"static", "main.healthz", "auth.sign_in", "auth.language", "api.openapi.openapi_json"}


def _fill(rule) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", "x", rule.rule)


def test_every_non_public_route_refuses_anonymous(app):
    client = app.test_client()
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            resp = client.open(_fill(rule), method=method)
            if rule.rule.startswith("/api/"):
                assert resp.status_code == 401, (rule.rule, method, resp.status_code)
            elif method == "GET":
                assert resp.status_code == 302 and resp.location.endswith("/sign-in"), (rule.rule, resp.status_code)
            else:  # a POST without a session fails CSRF first (400) or is sent to sign in
                assert resp.status_code in (302, 400), (rule.rule, method, resp.status_code)
                if resp.status_code == 302:
                    assert resp.location.endswith("/sign-in")
            checked += 1
    assert checked >= 15


def test_public_routes_are_exactly_the_expected_ones(app):
    public = {r.endpoint for r in app.url_map.iter_rules()
              if getattr(app.view_functions[r.endpoint], "is_public", False)}
    assert public | {"static"} == PUBLIC
