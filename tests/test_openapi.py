def test_openapi_document_describes_every_api_route(app):
    spec = app.test_client().get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = rule.rule.replace("<", "{").replace(">", "}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                routed.add((path, method.lower()))
    assert routed == documented
    me = spec["paths"]["/api/v1/me"]["get"]
    assert me["security"] == [{"bearer": []}] and "401" in me["responses"]
    assert spec["components"]["schemas"]["MePublic"]["properties"]["centre"]["type"] == "string"
