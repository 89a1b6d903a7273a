"""The demo's story: invented work at every demo centre, so that each demo account lands on something
real to do (issue 16). Loaded by `flask seed-demo` (and so by `make run`) after the demo centres and
accounts; `flask seed-demo --without-story` leaves it out. The tests' demo set (demo.seed) is the
centres and accounts only: tests build the work they look at themselves.

Every person here is invented: names made from common syllables in Thai, Burmese, Lao and Latin
script, and every narrative says it is a demo record. The story is made through the features'
services, as staff would make it (encrypted, audited, with its notices), relative to the moment it
is loaded: custody clocks are running, one is past its deadline, the next meeting is ahead.

Loading it again adds nothing: the story is told once per database (its audit record says so).
Like the app factory, this module stands above the features and may call any feature's services.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session

from . import audit
from .audit.models import AuditRecord
from .auth.models import User
from .auth.services import principal_for, user_by_email
from .cases import services as cases
from .centres.models import Centre
from .demo import CENTRES, DEMO_DOMAIN
from .meetings import services as meetings
from .referrals import services as referrals
from .repatriation import services as repatriation
from .screening import services as screening

ACTION = "demo.story"
MARK = "Demo record: an invented person and story, for trying the system."

# (key, centre, full name, Latin name, sex, nationality, born, exploitation, source, status, story)
PEOPLE = [
    ("cr_custody", "CR", "ခင်မာလှ", "Khin Ma Hla", "female", "MM", "1998-04-12", "forced_labour", "labour_inspection", "open",
     "Found at an orange orchard during a labour inspection; says her wages were kept by the broker."),
    ("cr_overdue", "CR", "အောင်ကျော်ဝင်း", "Aung Kyaw Win", "male", "MM", "1991-09-02", "forced_labour", "police", "open",
     "Brought in by the police from a construction site; worked without pay for five months."),
    ("cr_planning", "CR", "နွယ်နီစိုး", "Nwe Ni Soe", "female", "MM", "2001-01-20", "prostitution", "police", "in_shelter",
     "Rescued from a karaoke bar; identified as a victim and waiting to go home."),
    ("cr_ready", "CR", "မိုးသီတာ", "Moe Thidar", "female", "MM", "1996-06-08", "forced_labour", "hotline_1300", "repatriation_pending",
     "Called the 1300 hotline from a garment workshop; her family in Tachileik has been found."),
    ("cr_handed", "CR", "ဇော်မင်းထွန်း", "Zaw Min Tun", "male", "MM", "1988-11-30", "forced_labour", "immigration", "repatriation_pending",
     "Held by an employer who took his documents; returns through Mae Sai."),
    ("cr_lao_child", "CR", "ສົມພອນ ແກ້ວມະນີ", "Somphone Keomany", "female", "LA", "2010-03-15", "other_sexual_exploitation",
     "police", "in_shelter", "A girl from Bokeo found in Chiang Rai; her family is being traced in Laos."),
    ("tl_sent", "TL", "สมศรี แก้วมณี", "Somsri Kaewmanee", "female", "TH", "1999-07-21", "forced_labour", "police", "open",
     "A Thai woman found working in a casino hotel in Tachileik without pay."),
    ("tl_ack", "TL", "ชัยวัฒน์ บุญมา", "Chaiwat Boonma", "male", "TH", "1985-02-14", "forced_labour", "immigration", "open",
     "A Thai man recruited for a farm in Shan State; asks for his family in Chiang Rai to be told."),
    ("tl_declined", "TL", "อนันต์ ดาวเรือง", "Anan Daoruang", "male", "TH", "1979-12-01", "forced_begging", "police", "open",
     "Begging at the market under a minder's watch; the referral asked for a shelter place."),
    ("tl_shelter", "TL", "စန်းစန်းအေး", "San San Aye", "female", "MM", "2003-05-05", "prostitution", "police", "in_shelter",
     "Returned from Thailand last month; in the Department of Social Welfare's shelter."),
    ("hx_accepted", "HX", "ນ້ອຍ ສີວົງ", "Noy Sivong", "female", "LA", "2009-08-09", "forced_labour", "police", "open",
     "A girl from Houayxay who worked in a restaurant in Chiang Khong; her school asks for help."),
    ("hx_sent", "HX", "ບຸນມີ ພູທອນ", "Bounmy Phouthone", "male", "LA", "1994-10-10", "forced_labour", "immigration", "open",
     "Returned from a fishing boat; his last employer was in Chiang Rai."),
    ("hx_thai", "HX", "วันเพ็ญ สายทอง", "Wanphen Saithong", "female", "TH", "1997-04-04", "prostitution", "police", "repatriation_pending",
     "A Thai woman found in the special economic zone; goes home through Chiang Khong."),
    ("ck_received", "CK", "ຄຳພອນ ວົງໄຊ", "Khamphone Vongxay", "female", "LA", "2000-02-29", "forced_labour", "labour_inspection",
     "closed", "Found at a rubber plantation; went home to Huay Xai."),
    ("ck_planning", "CK", "ແກ້ວ ຈັນທະລາ", "Keo Chanthala", "male", "LA", "1992-12-12", "forced_labour", "police", "in_shelter",
     "Worked on a construction site; waiting for his family to be found."),
    ("ck_withdrawn", "CK", "ດາວ ສຸກສະຫວັນ", "Dao Souksavanh", "female", "LA", "1999-09-19", "other_sexual_exploitation", "police",
     "open", "The referral to Huay Xai was withdrawn when she chose to stay for the court case."),
    ("ms_completed", "MS", "နော်စေဘော", "Naw Say Paw", "female", "MM", "1995-03-03", "forced_labour", "labour_inspection", "closed",
     "Found at a garment factory in Mae Sot; her family in Myawaddy was traced."),
    ("ms_handed", "MS", "ထွန်းထွန်းနိုင်", "Tun Tun Naing", "male", "MM", "1993-08-18", "forced_criminality", "police", "repatriation_pending",
     "Escaped from a compound where he was made to run online scams."),
    ("mw_sent", "MW", "ณัฐพล มีสุข", "Nattaphon Meesuk", "male", "TH", "1997-01-07", "forced_criminality", "police", "open",
     "A Thai man released from a scam compound near Myawaddy."),
    ("mw_ack", "MW", "Rina Wulandari", "Rina Wulandari", "female", "ID", "1998-06-25", "forced_criminality", "police", "open",
     "Recruited online for a job in Bangkok and taken across the border to a scam compound."),
]

# (case key, from, to, purpose, state): every state, both ways across each border
REFERRALS = [
    ("tl_sent", "TL", "CR", "family_tracing", "sent"),
    ("tl_ack", "TL", "CR", "family_tracing", "acknowledged"),
    ("tl_declined", "TL", "CR", "service", "declined"),
    ("cr_planning", "CR", "TL", "nationality_verification", "accepted"),
    ("cr_handed", "CR", "TL", "family_tracing", "completed"),
    ("cr_lao_child", "CR", "HX", "family_tracing", "draft"),
    ("hx_sent", "HX", "CR", "information", "sent"),
    ("hx_accepted", "HX", "CK", "service", "accepted"),
    ("ck_withdrawn", "CK", "HX", "family_tracing", "withdrawn"),
    ("ms_completed", "MS", "MW", "family_tracing", "completed"),
    ("mw_sent", "MW", "MS", "family_tracing", "sent"),
    ("mw_ack", "MW", "MS", "information", "acknowledged"),
]
PATHS = {"draft": [], "sent": ["send"], "acknowledged": ["send", "acknowledge"],
         "accepted": ["send", "acknowledge", "accept"], "declined": ["send", "acknowledge", "decline"],
         "completed": ["send", "acknowledge", "accept", "complete"], "withdrawn": ["send", "withdraw"]}
RECEIVER_ACTIONS = {"acknowledge", "accept", "decline"}

# (case key, host, home, crossing, stage): a repatriation at each stage
PLANS = [
    ("cr_planning", "CR", "TL", "MSI-TCL", "planning"),
    ("cr_ready", "CR", "TL", "MSI-TCL", "ready"),
    ("cr_handed", "CR", "TL", "MSI-TCL", "handed_over"),
    ("ck_planning", "CK", "HX", "CKG-HXY", "planning"),
    ("ck_received", "CK", "HX", "CKG-HXY", "received"),
    ("hx_thai", "HX", "CK", "CKG-HXY", "ready"),
    ("ms_handed", "MS", "MW", "MST-MWD", "handed_over"),
]

OFFICIALS = {"TH": ("Pol. Col. Somsak Inthra", "Superintendent, immigration checkpoint"),
             "MM": ("U Kyaw Thu", "Deputy Director, Department of Social Welfare"),
             "LA": ("Mr Souksavanh Phommachanh", "Head, provincial Labour and Social Welfare office")}


def told(session: Session) -> bool:
    return session.execute(select(AuditRecord.seq).where(AuditRecord.action == ACTION).limit(1)).first() is not None


def tell(session: Session) -> dict:
    """Load the story once; returns what was added ({} when it was there already)."""
    if told(session):
        return {}
    story = _Story(session)
    story.cases()
    story.screenings()
    story.referrals()
    story.plans()
    story.meetings()
    audit.record(session, None, ACTION, None, story.added)
    session.flush()
    return story.added


class _Story:
    def __init__(self, session: Session):
        self.s = session
        self.now = datetime.now(timezone.utc)
        self.case_ids: dict[str, str] = {}
        self.added = {"cases": 0, "screenings": 0, "referrals": 0, "plans": 0, "meetings": 0}

    def actor(self, role: str, centre: str):
        user = user_by_email(self.s, f"{role}.{centre.lower()}@{DEMO_DOMAIN}")
        return principal_for(self.s, self.s.get(User, user.id))

    def local(self, centre: str, delta: timedelta) -> str:
        """A moment relative to now, written as the centre's local time (how staff enter it)."""
        zone = ZoneInfo(CENTRES[centre][1])
        return (self.now + delta).astimezone(zone).strftime("%Y-%m-%dT%H:%M")

    def today(self, centre: str) -> date:
        return self.now.astimezone(ZoneInfo(CENTRES[centre][1])).date()

    # ------------------------------------------------------------ cases
    def cases(self) -> None:
        for key, centre, full, latin, sex, nat, born, exploitation, source, status, story in PEOPLE:
            role = "supervisor" if key.endswith("_ack") else "case"
            case = cases.create_case(self.s, self.actor(role, centre), {
                "full_name": full, "latin_name": latin, "sex": sex, "nationality": nat, "date_of_birth": born,
                "exploitation_types": [exploitation], "referral_source": source, "status": status,
                "found_date": (self.today(centre) - timedelta(days=12)).isoformat(),
                "narrative": f"{story} {MARK}"})
            self.case_ids[key] = case.id
            self.added["cases"] += 1

    # ------------------------------------------------------------ identification
    def members(self, centre: str) -> list[dict]:
        centre_id = self.s.execute(select(Centre.id).where(Centre.code == centre)).scalar_one()
        names = {"police": "Pol. Lt. Anan Chaiyo", "social_development": "Khun Pranee Suksan (social worker)",
                 "labour": "Khun Wichai Rattana (labour inspector)"}
        return [{"name": names.get(agency, f"Officer of {agency}"), "agency": agency, "role": "MDT member"}
                for agency in screening.required_agencies(self.s, centre_id)]

    def screenings(self) -> None:
        cr = self.actor("case", "CR")
        # A custody clock running (started three hours ago), with the interview done.
        sc = screening.create_screening(self.s, cr, self.case_ids["cr_custody"], {
            "source": "labour_inspection", "custody_started_at": self.local("CR", -timedelta(hours=3))})
        screening.record_interview(self.s, cr, sc.id, self._interview("CR", hours_ago=1), sc.version)
        # A clock past its deadline: held 30 hours, not yet interviewed.
        screening.create_screening(self.s, cr, self.case_ids["cr_overdue"], {
            "source": "police", "custody_started_at": self.local("CR", -timedelta(hours=30))})
        self.added["screenings"] += 2
        # Identified victims: the people who go home below.
        for key, centre in (("cr_planning", "CR"), ("cr_ready", "CR"), ("cr_handed", "CR"), ("ms_handed", "MS"),
                            ("ck_received", "CK")):
            actor = self.actor("case", centre)
            sc = screening.create_screening(self.s, actor, self.case_ids[key], {"source": "police"})
            sc = screening.record_interview(self.s, actor, sc.id, self._interview(centre, hours_ago=72), sc.version)
            screening.decide(self.s, actor, sc.id, {
                "outcome": "victim", "reasons": "Recruitment by deception and work without pay; all elements present.",
                "members": self.members(centre), "decided_at": self.local(centre, -timedelta(hours=48))})
            self.added["screenings"] += 1

    def _interview(self, centre: str, hours_ago: int) -> dict:
        start = -timedelta(hours=hours_ago)
        return {"interview_at": self.local(centre, start), "interview_ended_at": self.local(centre, start + timedelta(hours=1)),
                "language": "my", "interview_consent": True,
                "interpreter": {"name": "Ma Hnin (interpreter)", "language": "my", "agency": "NGO"},
                "rights_informed_at": self.local(centre, start), "rights_language": "my",
                "indicators": {"deception": "observed", "debt_bondage": "observed", "isolation": "not_observed"},
                "acts": ["recruitment", "transport"], "means": ["deception"], "exploitation_types": ["forced_labour"],
                "narrative": f"Promised work with a good wage, then paid nothing and kept on site. {MARK}"}

    # ------------------------------------------------------------ referrals
    def referrals(self) -> None:
        for key, sender, receiver, purpose, state in REFERRALS:
            child = key in ("cr_lao_child", "hx_accepted")
            consent = {"given": True, "method": "written"}
            if child:
                consent["guardian"] = "Mother (invented)"
            r = referrals.create_referral(self.s, self.actor("case", sender), {
                "case_id": self.case_ids[key], "to_centre": receiver, "purpose": purpose,
                "shared_fields": ["full_name", "latin_name", "sex", "date_of_birth", "nationality"],
                "consent": consent, "legal_ground": "Consent of the person",
                "message": "Please help us with this person (demo referral)."})
            for action in PATHS[state]:
                side = receiver if action in RECEIVER_ACTIONS else sender
                referrals.perform(self.s, self.actor("case", side), r.id, action,
                                  {"reason": "No shelter place this month (demo)."})
            self.added["referrals"] += 1

    # ------------------------------------------------------------ repatriation
    def plans(self) -> None:
        for key, host, home, crossing, stage in PLANS:
            h, m = self.actor("case", host), self.actor("case", home)
            planned = (self.today(host) + timedelta(days=10 if stage == "planning" else 3)).isoformat()
            plan = repatriation.create_plan(self.s, h, {"case_ids": [self.case_ids[key]], "to_centre": home,
                                                        "crossing": crossing, "planned_date": planned})
            self.added["plans"] += 1
            repatriation.record_step(self.s, h, plan.id, "consent", {
                "state": "done", "details": {"date": self.today(host).isoformat(), "language": CENTRES[home][3]}})
            if stage == "planning":
                continue
            repatriation.record_step(self.s, h, plan.id, "legal_clearance",
                                     {"state": "done", "details": {"clearance": "testimony_given"}})
            repatriation.record_step(self.s, h, plan.id, "arrangements", {
                "state": "done", "details": {"date": planned, "crossing": crossing, "escorts": ["Officer Noi"]}})
            repatriation.record_step(self.s, m, plan.id, "family_tracing", {"state": "done", "note": "Mother found"})
            repatriation.record_step(self.s, m, plan.id, "family_assessment",
                                     {"state": "done", "details": {"assessment": "safe"}})
            view = repatriation.read_plan(self.s, m, plan.id)
            documents = {pv.person.case_number: {"type": "certificate_of_identity", "number": f"CI-DEMO-{i + 1}",
                                                 "expiry": (self.today(home) + timedelta(days=365)).isoformat()}
                         for i, pv in enumerate(view.persons)}
            repatriation.record_step(self.s, m, plan.id, "nationality_verification",
                                     {"state": "done", "details": {"documents": documents}})
            repatriation.send_manifest(self.s, h, plan.id)
            if stage == "ready":
                continue
            host_country, home_country = CENTRES[host][0], CENTRES[home][0]
            repatriation.record_handover(self.s, h, plan.id, {
                "handed_over_at": self.now.isoformat(), "crossing": crossing,
                "officials": [{"name": OFFICIALS[host_country][0], "position": OFFICIALS[host_country][1], "side": "sending"},
                              {"name": OFFICIALS[home_country][0], "position": OFFICIALS[home_country][1],
                               "side": "receiving"}]})
            if stage == "handed_over":
                continue
            repatriation.confirm_reception(self.s, m, plan.id, {"facility": "Provincial transit centre"})

    # ------------------------------------------------------------ meetings
    def meetings(self) -> None:
        """The Chiang Rai–Tachileik–Huay Xai series: the last meeting's minutes adopted at the one just
        held, whose minutes wait for checking, with actions open (one overdue); the next meeting's
        agenda open for proposals."""
        cr, tl, hx = (self.actor("secretariat", c) for c in ("CR", "TL", "HX"))
        first = meetings.create_meeting(self.s, cr, {
            "partnership": "CR-TL-HX", "host": "CR", "number": 12, "venue": "Chiang Rai Provincial Hall, meeting room 2",
            "starts_at": self.local("CR", -timedelta(days=42))})
        returns = meetings.propose_item(self.s, cr, first.id, {"title": "Returns through Mae Sai since the last meeting",
                                                              "type": "information", "language": "th"})
        training = meetings.propose_item(self.s, tl, first.id, {"title": "Joint training for interpreters",
                                                               "type": "decision", "language": "my"})
        meetings.close_agenda(self.s, cr, first.id)
        for centre, name, position in (("CR", "Khun Pranee Suksan", "Provincial social development officer"),
                                       ("TL", "U Kyaw Thu", "Deputy Director, Department of Social Welfare"),
                                       ("HX", "Mr Souksavanh Phommachanh", "Head, Labour and Social Welfare office")):
            meetings.add_participant(self.s, cr, first.id, {"centre": centre, "name": name, "position": position})
        meetings.save_minutes(self.s, cr, first.id, {
            "language": "th", "opened_at": "09:00", "closed_at": "12:00", "recorder": "Khun Dao (secretariat)",
            "checker": "Khun Lek (secretariat)",
            "items": {returns.id: {"discussion": "Eleven people returned through Mae Sai.", "resolution": "Noted."},
                      training.id: {"discussion": "Interpreters for Burmese and Lao are too few.",
                                    "resolution": "A joint training in Tachileik next quarter."}}})
        meetings.check_minutes(self.s, cr, first.id)
        today = self.today("CR")
        meetings.add_action(self.s, cr, first.id, {"title": "Share the list of recruitment brokers", "owner_centre": "TL",
                                                   "due": (today - timedelta(days=7)).isoformat()})
        meetings.add_action(self.s, cr, first.id, {"title": "Name two interpreters for the joint training",
                                                   "owner_centre": "HX", "due": (today + timedelta(days=21)).isoformat()})
        second = meetings.create_meeting(self.s, tl, {
            "partnership": "CR-TL-HX", "host": "TL", "venue": "Tachileik District Office",
            "starts_at": self.local("TL", -timedelta(days=3))})
        meetings.propose_item(self.s, hx, second.id, {"title": "Alerts about brokers on social media", "type": "information",
                                                      "language": "lo"})
        meetings.close_agenda(self.s, tl, second.id)
        meetings.adopt_minutes(self.s, tl, first.id, second.id)
        meetings.save_minutes(self.s, tl, second.id, {
            "language": "my", "opened_at": "09:30", "closed_at": "11:45", "recorder": "Daw Hla (secretariat)",
            "checker": "Ko Min (secretariat)", "items": {}})
        third = meetings.create_meeting(self.s, hx, {
            "partnership": "CR-TL-HX", "host": "HX", "venue": "Bokeo Provincial Office, Huay Xai",
            "starts_at": self.local("HX", timedelta(days=24))})
        meetings.propose_item(self.s, cr, third.id, {"title": "Figures of the quarter", "type": "information", "language": "th"})
        self.added["meetings"] = 3
