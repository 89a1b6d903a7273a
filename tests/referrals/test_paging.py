"""The inbox and the outbox come a page at a time (issue 15: a centre's box holds thousands of
referrals over the years, and the page showed up to 500 rows at 7 requests a second)."""
import pytest

from border_referral.errors import ValidationError
from border_referral.referrals import services
from border_referral.referrals.services import reading
from tests.conftest import principal


@pytest.fixture
def five_sent(referral, monkeypatch):
    monkeypatch.setattr(reading, "BOX_PAGE", 2)
    return [referral("sent")[1] for _ in range(5)]


def test_the_box_comes_a_page_at_a_time_newest_first(db, five_sent):
    with db() as s:
        tl = principal(s, "case", "TL")
        seen, page, pages = [], 1, 0
        while page:
            rows, page = services.box_page(s, tl, "inbox", page)
            seen += [row.referral.id for row in rows]
            pages += 1
        assert pages == 3 and seen == list(reversed(five_sent))   # every referral once, newest change first
        assert services.box_page(s, tl, "inbox", 4) == ([], None)
        assert services.box_page(s, principal(s, "case", "CR"), "outbox", 3, state="sent")[0][0].referral.id == five_sent[0]
        for bad in (0, 10_001):
            with pytest.raises(ValidationError):
                services.box_page(s, tl, "inbox", bad)


def test_the_inbox_page_links_to_the_next_and_previous_pages_with_its_filters(signed_in, five_sent):
    web = signed_in("case", "TL")
    first = web.get("/referrals/?box=inbox&state=sent").get_data(as_text=True)
    assert 'rel="next"' in first and 'rel="prev"' not in first and "page=2" in first and "state=sent" in first
    last = web.get("/referrals/?box=inbox&state=sent&page=3").get_data(as_text=True)
    assert 'rel="prev"' in last and 'rel="next"' not in last
    assert web.get("/referrals/?box=inbox&page=abc").status_code == 200          # a bad number: the first page
    assert web.get("/referrals/?box=inbox&page=99999999").status_code == 422     # refused, not a 500


def test_the_api_box_is_paged_with_next(token_for, demo, five_sent):
    client, headers = demo.test_client(), {"Authorization": f"Bearer {token_for('case', 'TL')}"}
    seen, page = [], "1"
    while page:
        body = client.get(f"/api/v1/referrals?box=inbox&page={page}", headers=headers).json
        seen += [item["id"] for item in body["items"]]
        page = body["next"]
    assert seen == list(reversed(five_sent))
    for bad in ("abc", "0", "99999999999999999999"):
        r = client.get(f"/api/v1/referrals?box=inbox&page={bad}", headers=headers)
        assert r.status_code == 422 and r.json["error"]["field"] == "page", bad
