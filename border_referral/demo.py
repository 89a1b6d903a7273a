"""The demo set (README, "Demo accounts"): three countries, six centres, four crossings, four partnerships,
a handful of accounts per centre and one network administrator. Loading it twice changes nothing.

The loader also works on the schema of an earlier release (the migration tests load the demo set
into a database of the release before and then migrate it): it reads and writes crossings by their
columns, and writes a crossing's border only where the schema has it."""
from __future__ import annotations

from sqlalchemy import inspect, insert, select
from sqlmodel import Session

from . import audit
from .auth import services as auth_services
from .auth.models import User
from .centres.models import Centre, CentreCrossing, Country, CrossingPoint, Partnership, PartnershipMember

from .auth.passwords import DEMO_PASSWORD  # noqa: E402  (published in the README)
DEMO_DOMAIN = "demo.border-referral.org"

COUNTRIES = {
    "TH": ("ประเทศไทย", "ထိုင်းနိုင်ငံ", "ປະເທດໄທ", "Thailand"),
    "MM": ("ประเทศเมียนมา", "မြန်မာနိုင်ငံ", "ປະເທດມຽນມາ", "Myanmar"),
    "LA": ("สปป. ลาว", "လာအိုနိုင်ငံ", "ສປປ ລາວ", "Lao PDR"),
}

# code: (country, time zone, (town th, my, lo, en), locale of its staff, crossings)
CENTRES = {
    "CR": ("TH", "Asia/Bangkok", ("เชียงราย", "ချင်းရိုင်", "ຊຽງຣາຍ", "Chiang Rai"), "th", ["MSI-TCL", "CKG-HXY"]),
    "TL": ("MM", "Asia/Yangon", ("ท่าขี้เหล็ก", "တာချီလိတ်", "ທ່າຂີ້ເຫຼັກ", "Tachileik"), "my", ["MSI-TCL"]),
    "MS": ("TH", "Asia/Bangkok", ("แม่สอด", "မဲဆောက်", "ແມ່ສອດ", "Mae Sot"), "th", ["MST-MWD"]),
    "MW": ("MM", "Asia/Yangon", ("เมียวดี", "မြဝတီ", "ມຽວດີ", "Myawaddy"), "my", ["MST-MWD"]),
    "CK": ("TH", "Asia/Bangkok", ("เชียงของ", "ချင်းခေါင်", "ຊຽງຂອງ", "Chiang Khong"), "th", ["CKG-HXY"]),
    "HX": ("LA", "Asia/Vientiane", ("ห้วยทราย", "ဟွေဆိုင်း", "ຫ້ວຍຊາຍ", "Huay Xai"), "lo", ["CKG-HXY"]),
}

CROSSINGS = {
    "MSI-TCL": ("แม่สาย–ท่าขี้เหล็ก", "မယ်ဆိုင်–တာချီလိတ်", "ແມ່ສາຍ–ທ່າຂີ້ເຫຼັກ", "Mae Sai–Tachileik"),
    "MST-MWD": ("แม่สอด–เมียวดี", "မဲဆောက်–မြဝတီ", "ແມ່ສອດ–ມຽວດີ", "Mae Sot–Myawaddy"),
    "CKG-HXY": ("เชียงของ–ห้วยทราย", "ချင်းခေါင်–ဟွေဆိုင်း", "ຊຽງຂອງ–ຫ້ວຍຊາຍ", "Chiang Khong–Huay Xai"),
    "RNG-KTG": ("ระนอง–เกาะสอง", "ရနောင်း–ကော့သောင်း", "ລະນອງ–ເກາະສອງ", "Ranong–Kawthaung"),
}

# The border each crossing is on (the two countries).
BORDERS = {"MSI-TCL": ("TH", "MM"), "MST-MWD": ("TH", "MM"), "CKG-HXY": ("TH", "LA"), "RNG-KTG": ("TH", "MM")}

PARTNERSHIPS = ["CR-TL", "MS-MW", "CK-HX", "CR-TL-HX"]

# Links between demo centres and crossings that came after the first demo set: an existing demo
# database gets them on the next load (Chiang Rai province is on the Lao border at Chiang Khong too).
ADDED_LINKS = [("CR", "CKG-HXY")]

# The network administrators (README, "Demo accounts"): (local part, attached centre)
NETWORK_ADMINS = [("network", "CR")]

# Accounts per centre: (local part, roles)
ACCOUNTS = [
    ("admin", ["admin"]),
    ("case", ["caseworker", "mdt"]),
    ("secretariat", ["secretariat"]),
    ("viewer", ["viewer"]),
    ("supervisor", ["caseworker", "mdt", "supervisor"]),
]


def centre_names(town: tuple[str, str, str, str]) -> dict:
    th, my, lo, en = town
    return {
        "name_th": f"ศูนย์ประสานงานชายแดนเพื่อต่อต้านการค้ามนุษย์ {th}",
        "name_my": f"{my} နယ်စပ်လူကုန်ကူးမှုတိုက်ဖျက်ရေး ညှိနှိုင်းဆောင်ရွက်ရေးစင်တာ",
        "name_lo": f"ສູນປະສານງານຊາຍແດນ ຕ້ານການຄ້າມະນຸດ {lo}",
        "name_en": f"{en} Border Anti-Trafficking Coordination Centre",
    }


def partnership_names(towns: list[tuple[str, str, str, str]]) -> dict:
    joined = ["–".join(t[i] for t in towns) for i in range(4)]
    return {
        "name_th": f"ความร่วมมือ {joined[0]}",
        "name_my": f"{joined[1]} ပူးပေါင်းဆောင်ရွက်မှု",
        "name_lo": f"ການຮ່ວມມື {joined[2]}",
        "name_en": f"{joined[3]} partnership",
    }


def _names(values) -> dict:
    return dict(zip(("name_th", "name_my", "name_lo", "name_en"), values))


def _get(session: Session, model, code):
    return session.execute(select(model).where(model.code == code)).scalars().first()


def demo_accounts() -> list[tuple[str, str, list[str]]]:
    return ([(f"{local}.{code.lower()}@{DEMO_DOMAIN}", code, roles) for code in CENTRES for local, roles in ACCOUNTS]
            + [(f"{local}.{code.lower()}@{DEMO_DOMAIN}", code, ["network_admin"]) for local, code in NETWORK_ADMINS])


def _crossing_id(session: Session, code: str) -> int | None:
    return session.execute(select(CrossingPoint.id).where(CrossingPoint.code == code)).scalar()


def _add_crossing(session: Session, code: str, names) -> None:
    values = {"code": code, "active": True, "version": 1, **_names(names)}
    columns = {c["name"] for c in inspect(session.connection()).get_columns("crossing_point")}
    if "country_a" in columns:
        values["country_a"], values["country_b"] = BORDERS[code]
    session.execute(insert(CrossingPoint.__table__).values(**values))


def seed(session: Session) -> dict:
    """Insert what is missing; never overwrite what exists (an admin may have edited it)."""
    added = {"countries": 0, "crossings": 0, "centres": 0, "partnerships": 0, "links": 0, "users": 0}
    for code, names in COUNTRIES.items():
        if session.get(Country, code) is None:
            session.add(Country(code=code, **_names(names)))
            added["countries"] += 1
    session.flush()
    for code, names in CROSSINGS.items():
        if _crossing_id(session, code) is None:
            _add_crossing(session, code, names)
            added["crossings"] += 1
    session.flush()
    for code, (country, tz, town, _locale, crossing_codes) in CENTRES.items():
        if _get(session, Centre, code) is None:
            centre = Centre(code=code, country_code=country, timezone=tz, **centre_names(town))
            session.add(centre)
            session.flush()
            for cc in crossing_codes:
                session.add(CentreCrossing(centre_id=centre.id, crossing_id=_crossing_id(session, cc)))
            added["centres"] += 1
    session.flush()
    for centre_code, crossing_code in ADDED_LINKS:
        centre, crossing_id = _get(session, Centre, centre_code), _crossing_id(session, crossing_code)
        if centre is not None and crossing_id is not None and session.get(CentreCrossing, (centre.id, crossing_id)) is None:
            session.add(CentreCrossing(centre_id=centre.id, crossing_id=crossing_id))
            added["links"] += 1
    session.flush()
    for code in PARTNERSHIPS:
        if _get(session, Partnership, code) is None:
            member_codes = code.split("-")
            p = Partnership(code=code, **partnership_names([CENTRES[c][2] for c in member_codes]))
            session.add(p)
            session.flush()
            for mc in member_codes:
                session.add(PartnershipMember(partnership_id=p.id, centre_id=_get(session, Centre, mc).id))
            added["partnerships"] += 1
    session.flush()
    for email, code, roles in demo_accounts():
        if session.execute(select(User.id).where(User.email == email)).first() is None:
            auth_services.create_user(session, None, email=email, password=DEMO_PASSWORD, demo=True, centre_code=code,
                                      roles=roles, locale=CENTRES[code][3])
            added["users"] += 1
    if any(added.values()):
        audit.record(session, None, "demo.seed", None, added)
    session.flush()
    return added
