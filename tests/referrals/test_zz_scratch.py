from tests.referrals.conftest import body

def test_probe(signed_in, referral, caplog):
    case_id, rid = referral("sent")
    cr = signed_in("case", "CR")
    bad = []
    for i in range(150):
        for path in (f"/referrals/{rid}", f"/referrals/new/{case_id}", "/referrals/?box=outbox", "/notifications",
                     f"/cases/{case_id}", "/"):
            r = cr.get(path)
            if r.status_code != 200:
                bad.append((i, path, r.status_code))
    print(bad[:10], len(bad))
    print([rec.__dict__.get("error_type") for rec in caplog.records if rec.levelname == "ERROR"][:5])
