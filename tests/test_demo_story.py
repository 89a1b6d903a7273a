"""The demo's story (border_referral/demo_story.py): `flask seed-demo` loads invented work at every
centre once, so that each demo account lands on something to do; a second load adds nothing."""
import re

import pytest
from sqlalchemy import func, select

from border_referral.cases import services as cases
from border_referral.cases.models import Case
from border_referral.centres.models import Centre
from border_referral.database import session_scope
from border_referral.demo_story import MARK, PEOPLE
from border_referral.meetings.models import ActionItem, Minutes
from border_referral.referrals.models import STATES, Referral
from border_referral.repatriation.models import Plan
from border_referral.screening import services as screening
from tests.conftest import demo_email, principal

SCRIPTS = {"Thai": r"[\u0E00-\u0E7F]", "Burmese": r"[\u1000-\u109F]", "Lao": r"[\u0E80-\u0EFF]", "Latin": r"^[A-Za-z ]+$"}


@pytest.fixture
def story(demo):
    result = demo.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert f"Demo story: cases +{len(PEOPLE)}" in result.output
    return demo


def test_a_second_load_adds_nothing(story):
    with story.app_context(), session_scope() as s:
        before = (s.execute(select(func.count()).select_from(Case)).scalar(),
                  s.execute(select(func.count()).select_from(Referral)).scalar())
    result = story.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0 and "Demo story: already loaded" in result.output
    with story.app_context(), session_scope() as s:
        assert (s.execute(select(func.count()).select_from(Case)).scalar(),
                s.execute(select(func.count()).select_from(Referral)).scalar()) == before


def test_without_the_story_only_the_network_and_accounts(demo):
    result = demo.test_cli_runner().invoke(args=["seed-demo", "--without-story"])
    assert result.exit_code == 0 and "Demo story" not in result.output
    with demo.app_context(), session_scope() as s:
        assert s.execute(select(func.count()).select_from(Case)).scalar() == 0


def test_every_stage_is_there(story):
    with story.test_request_context(), session_scope() as s:
        assert {r.state for r in s.execute(select(Referral)).scalars()} == set(STATES)
        code = {c.id: c.code for c in s.execute(select(Centre)).scalars()}
        directions = {(code[r.from_centre_id], code[r.to_centre_id]) for r in s.execute(select(Referral)).scalars()}
        for pair in (("CR", "TL"), ("CK", "HX"), ("MS", "MW")):  # across each border, both ways
            assert pair in directions and pair[::-1] in directions
        assert {p.state for p in s.execute(select(Plan)).scalars()} == {"planning", "ready", "handed_over", "received"}
        clocks = screening.dashboard(s, principal(s, "case", "CR"))
        assert sorted(row.remaining.overdue for row in clocks.custody) == [False, True]  # one running, one late
        mins = s.execute(select(Minutes)).scalars().all()
        assert sorted(m.state for m in mins) == ["adopted", "draft"]
        open_actions = [a for a in s.execute(select(ActionItem)).scalars() if a.status != "done"]
        assert len(open_actions) == 2


def test_names_in_four_scripts_and_every_record_says_it_is_invented(story):
    names, narratives = [], []
    with story.test_request_context(), session_scope() as s:
        for centre in ("CR", "TL", "MS", "MW", "CK", "HX"):
            actor = principal(s, "supervisor", centre)
            for row in cases.list_cases(s, actor).rows:
                case, values = cases.read_case(s, actor, row.case.id)
                names.append(values["full_name"])
                narratives.append(values["narrative"])
    assert len(names) == len(PEOPLE)
    for script, pattern in SCRIPTS.items():
        assert any(re.search(pattern, n) for n in names), script
    assert all(MARK in n for n in narratives)


def test_a_case_worker_lands_on_their_own_work(story, web):
    web.sign_in(demo_email("case", "CR"))
    home = web.get("/").get_data(as_text=True)
    mine = home[home.index('data-testid="home-my-cases"'):]
    mine = mine[:mine.index("</section>")]
    # Chiang Rai's case worker opened the story's six Chiang Rai cases (none closed): all counted.
    assert re.findall(r"<strong>(\d+)</strong>", mine) and sum(map(int, re.findall(r"<strong>(\d+)</strong>", mine))) == 6
    assert "href=\"/cases/?mine=1" in mine
    assert home.index('data-testid="home-my-cases"') < home.index('data-testid="home-network"')


def test_a_viewer_has_no_case_section(story, web):
    web.sign_in(demo_email("viewer", "CR"))
    assert 'data-testid="home-my-cases"' not in web.get("/").get_data(as_text=True)


def _section(html: str, testid: str) -> str:
    part = html[html.index(f'data-testid="{testid}"'):]
    return part[:part.index("</section>")]


def _numbers(section: str) -> list[int]:
    return [int(n) for n in re.findall(r"<strong>(\d+)</strong>", section)]


def test_a_secretariat_lands_on_its_meetings(story, web):
    web.sign_in(demo_email("secretariat", "TL"))
    tl = _section(web.get("/").get_data(as_text=True), "home-meetings")
    # Tachileik hosted the 13th meeting: its minutes wait to be checked; its action is overdue.
    proposals, minutes, actions = _numbers(tl)
    assert (minutes, actions) == (1, 1) and 'class="clock overdue"' in tl
    web.post_form("/sign-out", {}, page="/")
    web.sign_in(demo_email("secretariat", "HX"))
    hx = _section(web.get("/").get_data(as_text=True), "home-meetings")
    assert _numbers(hx)[0] == 1  # Chiang Rai's proposal on the agenda Huay Xai hosts next
    assert 'href="/meetings/' in hx  # the next meeting, linked


def test_a_case_worker_sees_the_repatriation_steps_that_are_theirs(story, web):
    web.sign_in(demo_email("case", "TL"))
    home = web.get("/").get_data(as_text=True)
    steps, soon, follow_ups = _numbers(_section(home, "home-repatriation"))
    assert steps == 1  # Chiang Rai's plan in planning waits for Tachileik's family tracing
    assert soon >= 1
    assert 'data-testid="home-meetings"' not in home  # meetings are the secretariat's work
