"""The three jurisdictions of the network (Thailand, Myanmar, Lao PDR) as data: each centre works under
its own country's law and calendar, and no Thai rule is imposed on a Myanmar or Lao centre
(DOMAIN.md, "Three jurisdictions, not one"). Features read the profile of the centre that owns a
record; they never branch on a country code.

Where a rule of a country is not known, the profile says None (no clock, no section number), never
a Thai default. Each known period carries its `source` beside it.

The profiles shipped here are the defaults. A network administrator changes a country's rules on
the jurisdictions page or through `PUT /api/v1/jurisdictions/<country>` (`save_settings`): only the
edited rules are stored (table `jurisdiction_profile`, JSON), audited with what they were before,
and every reader of a profile (`profile_of`, `effective`) sees them from the next request on."""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Callable

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import object_session
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from .. import audit
from ..auth.permissions import require_role
from ..errors import Conflict, NotFound, ValidationError
from ..i18n import BE_OFFSET
from ..util import utcnow
from .models import Centre, JurisdictionSettings


# ---------------------------------------------------------------- the parts of a profile

@dataclass(frozen=True)
class Custody:
    """Holding a person for identification: a limit in hours, which a court may extend up to a
    number of days from the start."""
    hours: int
    court_extension_days: int | None
    source: str


@dataclass(frozen=True)
class Stay:
    """A period counted in days from a local date (a shelter stay, the reflection period)."""
    days: int
    source: str
    approximate: bool = False


@dataclass(frozen=True)
class Clocks:
    custody: Custody | None = None                      # TH s.29
    pre_identification_shelter: Stay | None = None      # TH NRM
    reflection: Stay | None = None                      # TH NRM, recovery and reflection
    temporary_shelter: Stay | None = None               # MM DSW temporary shelter
    longer_term_shelter: Stay | None = None             # MM DSW, after the temporary shelter
    transit_centre: Stay | None = None                  # LA transit centre

    def as_dict(self) -> dict:
        out = {}
        for name in ("custody", "pre_identification_shelter", "reflection", "temporary_shelter",
                     "longer_term_shelter", "transit_centre"):
            value = getattr(self, name)
            if value is None:
                out[name] = None
            elif isinstance(value, Custody):
                out[name] = {"hours": value.hours, "court_extension_days": value.court_extension_days,
                             "source": value.source}
            else:
                out[name] = {"days": value.days, "approximate": value.approximate, "source": value.source}
        return out


@dataclass(frozen=True)
class LegalBasis:
    """The law the centre identifies victims under, and the citations shown on screens and PDFs
    (None where the law has no such provision or it is not known)."""
    act: object                      # lazy-translated name of the law
    custody_section: str | None = None          # "s.29"
    rights_section: str | None = None           # "s.34"
    forced_labour_section: str | None = None    # "s.6/1"
    source: str = ""


@dataclass(frozen=True)
class LegalGround:
    """A ground a sender may choose for a transfer of personal data across the border."""
    code: str
    label: object                    # lazy-translated
    citation: str | None = None


@dataclass(frozen=True)
class FiscalYear:
    """The government's fiscal year: the month it starts, how a year is named, and since when."""
    start_month: int                 # 10 (TH), 4 (MM), 1 (LA)
    named_by: str                    # "end_year" | "start_and_end" | "calendar_year"
    era: str                         # "BE" (Buddhist era, +543) | "CE"
    since: str
    source: str

    def key(self, day: date) -> int:
        """A sortable key: TH the end year in B.E., MM the start year, LA the year."""
        start = day.year if day.month >= self.start_month else day.year - 1
        year = start + 1 if self.named_by == "end_year" and self.start_month != 1 else start
        return year + BE_OFFSET if self.era == "BE" else year

    def label(self, key: int) -> str:
        if self.named_by == "start_and_end":
            return f"{key}/{(key + 1) % 100:02d}"
        return str(key)

    def as_dict(self) -> dict:
        return {"start_month": self.start_month, "named_by": self.named_by, "era": self.era,
                "since": self.since, "source": self.source}


@dataclass(frozen=True)
class Retention:
    """How long a closed case is kept before it is erased (`flask retention apply`): a number of
    years since the case last changed, or None where no period is set (the cases are kept until
    someone erases them). The source says who or what set the period."""
    closed_case_years: int | None
    source: str

    def as_dict(self) -> dict:
        return {"closed_case_years": self.closed_case_years, "source": self.source}


# No law of the three countries is cited for a period: until the network decides one, none is set.
NO_RETENTION = Retention(None, "No fixed period is set; the network decides")


@dataclass(frozen=True)
class Profile:
    country: str
    legal_basis: LegalBasis
    clocks: Clocks
    outcomes: tuple[str, ...]
    child_age: int
    child_age_source: str
    data_protection_law: object      # lazy-translated name
    legal_grounds: tuple[LegalGround, ...]
    fiscal_year: FiscalYear
    case_number: Callable[[str, str, int], str] = field(repr=False)   # (centre code, fiscal label, seq)
    # The agencies an MDT decision needs by default (a centre may set its own, screening settings).
    mdt_agencies: tuple[str, ...] = ("police", "social_development")
    # How long closed cases are kept (None: no period set; the network decides).
    retention: Retention = NO_RETENTION
    # 1 while the shipped rules apply, then the version of the network's edits (optimistic locking).
    version: int = 1
    edited: tuple[str, ...] = ()     # which parts the network changed from the shipped profile

    def has_outcome(self, code: str) -> bool:
        return code in self.outcomes

    def legal_ground(self, code: str) -> LegalGround | None:
        return next((g for g in self.legal_grounds if g.code == code), None)


# ---------------------------------------------------------------- labels shared by the profiles

# The agencies that sit on a multidisciplinary team (screening records each member's agency).
AGENCY = {
    "police": _l("Police or inquiry official"),
    "social_development": _l("Social development officer"),
    "labour": _l("Labour official"),
    "immigration": _l("Immigration official"),
    "health": _l("Public health official"),
    "prosecutor": _l("Prosecutor or justice official"),
    "ngo": _l("NGO worker"),
    "interpreter": _l("Interpreter"),
    "other": _l("Other"),
}
AGENCIES = tuple(AGENCY)

BASE_OUTCOMES = ("victim", "at_risk", "not_victim")
FORCED_LABOUR = "forced_labour_or_services"

GROUND_LABELS = {
    "consent": _l("The person's consent"),
    "vital_interest": _l("To protect the person's life, body or health"),
    "legal_duty": _l("A duty under the law"),
    "mou": _l("The bilateral MOU on trafficking in persons"),
}


def _grounds(*pairs: tuple[str, str | None]) -> tuple[LegalGround, ...]:
    return tuple(LegalGround(code, GROUND_LABELS[code], citation) for code, citation in pairs)


def _number(centre_code: str, fiscal_label: str, seq: int) -> str:
    return f"{centre_code}-{fiscal_label}-{seq:04d}"


NRM = "Thailand National Referral Mechanism (2022)"

THAILAND = Profile(
    country="TH",
    legal_basis=LegalBasis(act=_l("Anti-Trafficking in Persons Act B.E. 2551 (2008)"), custody_section="s.29",
                           rights_section="s.34", forced_labour_section="s.6/1",
                           source="Anti-Trafficking in Persons Act B.E. 2551, as amended B.E. 2562 (2019)"),
    clocks=Clocks(
        custody=Custody(hours=24, court_extension_days=7,
                        source="Anti-Trafficking in Persons Act B.E. 2551, s.29"),
        pre_identification_shelter=Stay(days=15, source=NRM),
        reflection=Stay(days=45, source=NRM),
    ),
    outcomes=BASE_OUTCOMES + (FORCED_LABOUR,),
    child_age=18,
    child_age_source="Anti-Trafficking in Persons Act B.E. 2551, s.4 (a child: under 18)",
    data_protection_law=_l("Personal Data Protection Act B.E. 2562 (2019)"),
    legal_grounds=_grounds(("consent", "PDPA s.28, s.26"), ("vital_interest", "PDPA s.28(3)"),
                           ("legal_duty", "PDPA s.28(2)"), ("mou", "PDPA s.29")),
    fiscal_year=FiscalYear(start_month=10, named_by="end_year", era="BE", since="",
                           source="Budget Procedure Act B.E. 2561: 1 October to 30 September"),
    case_number=_number,
)

MYANMAR = Profile(
    country="MM",
    legal_basis=LegalBasis(act=_l("Anti-Trafficking in Persons Law (2022)"),
                           source="Anti-Trafficking in Persons Law 2022 (replacing the 2005 law)"),
    clocks=Clocks(
        temporary_shelter=Stay(days=3, approximate=True,
                               source="UN datasheet on Myanmar (2010): Department of Social Welfare temporary "
                                      "shelters at Myawaddy, Kawthaung and Muse, about 3 days"),
        longer_term_shelter=Stay(days=14, approximate=True,
                                 source="UN datasheet on Myanmar (2010): then about 14 days in a longer-term shelter"),
    ),
    outcomes=BASE_OUTCOMES,
    child_age=18,
    child_age_source="Child Rights Law 2019: under 18 (the 2005 trafficking law said under 16)",
    data_protection_law=_l("Electronic Transactions Law (amended 2021)"),
    legal_grounds=_grounds(("consent", "s.27-A"), ("legal_duty", None), ("mou", None)),
    fiscal_year=FiscalYear(start_month=4, named_by="start_and_end", era="CE", since="2022-23",
                           source="1 April to 31 March again since 2022-23 (October to September 2018-2021)"),
    case_number=_number,
)

LAOS = Profile(
    country="LA",
    legal_basis=LegalBasis(act=_l("Law on Anti-Trafficking in Persons (2015)"),
                           source="Law on Anti-Trafficking in Persons No. 73/NA, 2015"),
    clocks=Clocks(
        transit_centre=Stay(days=7, source="Lao Women's Union and Ministry of Labour and Social Welfare: "
                                           "Vientiane transit centre, a stay of about 7 days before going home"),
    ),
    outcomes=BASE_OUTCOMES,
    child_age=18,
    child_age_source="Law on Anti-Trafficking in Persons 2015 (a child: under 18)",
    data_protection_law=_l("Law on Electronic Data Protection (2017)"),
    legal_grounds=_grounds(("consent", None), ("legal_duty", None), ("mou", None)),
    fiscal_year=FiscalYear(start_month=1, named_by="calendar_year", era="CE", since="2017",
                           source="1 January to 31 December since 2017 (October to September before)"),
    case_number=_number,
)

PROFILES: dict[str, Profile] = {p.country: p for p in (THAILAND, MYANMAR, LAOS)}


# ---------------------------------------------------------------- finding a profile

def profile_for_country(code: str) -> Profile:
    """The profile of a country code (TH, MM, LA); LookupError for a country without one."""
    try:
        return PROFILES[(code or "").upper()]
    except KeyError:
        raise LookupError(f"no jurisdiction profile for country {code!r}") from None


def effective(session: Session | None, country: str) -> Profile:
    """The profile of a country as the network runs it: the shipped rules with the network
    administrators' edits (read once per unit of work, kept in the session's `info`)."""
    base = profile_for_country(country)
    if session is None:
        return base
    cache = session.info.setdefault("jurisdictions", {})
    if base.country not in cache:
        row = session.get(JurisdictionSettings, base.country)
        cache[base.country] = with_settings(base, json.loads(row.settings), row.version) if row else base
    return cache[base.country]


def profile_of(centre: Centre) -> Profile:
    """The profile of the law a centre works under (the centre must belong to a session)."""
    return effective(object_session(centre), centre.country_code)


def profile_of_centre(session: Session, centre_id: int) -> Profile:
    centre = session.get(Centre, centre_id)
    if centre is None:
        raise LookupError(f"no centre {centre_id!r}")
    return effective(session, centre.country_code)


def all_profiles(session: Session | None) -> list[Profile]:
    return [effective(session, code) for code in PROFILES]


def fiscal_year(profile: Profile, day: date) -> int:
    """The fiscal-year key of a date: TH the end year in B.E., MM the start year, LA the year."""
    return profile.fiscal_year.key(day)


def fiscal_label(profile: Profile, key: int) -> str:
    """How the year is written: TH "2570", MM "2026/27", LA "2026"."""
    return profile.fiscal_year.label(key)


def year_of_record(centre: Centre, now=None) -> tuple[int, str]:
    """(counter key, label) of the fiscal year a record made now at `centre` belongs to, in the
    centre's own time zone and profile: the year in every reference the centre gives (cases,
    referrals, repatriation plans), so that one centre writes one era (TH 2570, MM 2026/27, LA 2026)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    now = now or datetime.now(ZoneInfo(centre.timezone))
    profile = profile_of(centre)
    key = fiscal_year(profile, now.astimezone(ZoneInfo(centre.timezone)).date())
    return key, fiscal_label(profile, key)


def case_number(profile: Profile, centre_code: str, day: date, seq: int) -> str:
    return profile.case_number(centre_code, fiscal_label(profile, fiscal_year(profile, day)), seq)


def as_json(profile: Profile) -> dict:
    """The profile for the API (labels in the reader's language, codes stable)."""
    basis = profile.legal_basis
    return {
        "country": profile.country,
        "legal_basis": {"act": str(basis.act), "custody_section": basis.custody_section,
                        "rights_section": basis.rights_section, "forced_labour_section": basis.forced_labour_section,
                        "source": basis.source},
        "clocks": profile.clocks.as_dict(),
        "outcomes": list(profile.outcomes),
        "child_age": profile.child_age,
        "child_age_source": profile.child_age_source,
        "data_protection_law": str(profile.data_protection_law),
        "legal_grounds": [{"code": g.code, "label": str(g.label), "citation": g.citation} for g in profile.legal_grounds],
        "fiscal_year": profile.fiscal_year.as_dict(),
        "mdt_agencies": list(profile.mdt_agencies),
        "retention": profile.retention.as_dict(),
        "version": profile.version,
        "edited": list(profile.edited),
    }


# ---------------------------------------------------------------- the network's edits

CLOCK_NAMES = ("custody", "pre_identification_shelter", "reflection", "temporary_shelter", "longer_term_shelter",
               "transit_centre")
EDITABLE = ("clocks", "outcomes", "child_age", "child_age_source", "legal_grounds", "fiscal_year", "mdt_agencies",
            "retention")
RETENTION_YEARS = (1, 50)
NAMED_BY = ("end_year", "start_and_end", "calendar_year")
ERAS = ("BE", "CE")
SOURCE_MAX = 300


def _int(value, lo: int, hi: int, field_name: str, message) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValidationError(message, field=field_name)
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationError(message, field=field_name) from None
    if not lo <= number <= hi:
        raise ValidationError(message, field=field_name)
    return number


def _source(value, field_name: str, required: bool = True) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        raise ValidationError(_l("Write the source as text."), field=field_name)
    if required and not text:
        raise ValidationError(_l("Say where the rule comes from (the law, regulation or procedure)."), field=field_name)
    if len(text) > SOURCE_MAX:
        raise ValidationError(_l("The text is too long (at most %(n)s characters).", n=SOURCE_MAX), field=field_name)
    return text


def _clock(name: str, value) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValidationError(_l("Choose one of the listed values."), field=f"clocks.{name}")
    if name == "custody":
        out = {"hours": _int(value.get("hours"), 1, 720, f"clocks.{name}.hours",
                             _l("Give the length as a whole number from %(lo)s to %(hi)s.", lo=1, hi=720))}
        extension = value.get("court_extension_days")
        out["court_extension_days"] = None if extension in (None, "") else _int(
            extension, 1, 365, f"clocks.{name}.court_extension_days",
            _l("Give the length as a whole number from %(lo)s to %(hi)s.", lo=1, hi=365))
    else:
        out = {"days": _int(value.get("days"), 1, 3650, f"clocks.{name}.days",
                            _l("Give the length as a whole number from %(lo)s to %(hi)s.", lo=1, hi=3650)),
               "approximate": bool(value.get("approximate", False))}
    out["source"] = _source(value.get("source"), f"clocks.{name}.source")
    return out


def clean_settings(data) -> dict:
    """Check an edit of a profile (any subset of EDITABLE); the cleaned parts, or a ValidationError
    naming the field."""
    if not isinstance(data, dict):
        raise ValidationError(_l("The request body must be a JSON object."))
    unknown = [k for k in data if k not in EDITABLE and k != "version"]
    if unknown:
        raise ValidationError(_l("This part of a profile cannot be changed: %(name)s.", name=", ".join(unknown)),
                              field=unknown[0])
    out: dict = {}
    if "clocks" in data:
        clocks = data["clocks"]
        if not isinstance(clocks, dict) or any(k not in CLOCK_NAMES for k in clocks):
            raise ValidationError(_l("Choose one of the listed values."), field="clocks")
        out["clocks"] = {name: _clock(name, value) for name, value in clocks.items()}
    if "outcomes" in data:
        outcomes = data["outcomes"]
        allowed = BASE_OUTCOMES + (FORCED_LABOUR,)
        if not isinstance(outcomes, list) or any(o not in allowed for o in outcomes) \
                or not set(BASE_OUTCOMES) <= set(outcomes):
            raise ValidationError(_l("The outcomes keep victim, at risk and not a victim; the law may add more."),
                                  field="outcomes")
        out["outcomes"] = [o for o in allowed if o in outcomes]
    if "child_age" in data:
        out["child_age"] = _int(data["child_age"], 12, 21, "child_age",
                                _l("Give the age as a whole number from %(lo)s to %(hi)s.", lo=12, hi=21))
    if "child_age_source" in data:
        out["child_age_source"] = _source(data["child_age_source"], "child_age_source")
    if "legal_grounds" in data:
        grounds = data["legal_grounds"]
        if not isinstance(grounds, list) or not grounds or not all(isinstance(g, dict) for g in grounds) \
                or any(g.get("code") not in GROUND_LABELS for g in grounds) \
                or len({g["code"] for g in grounds}) != len(grounds):
            raise ValidationError(_l("Choose at least one legal ground from the list."), field="legal_grounds")
        out["legal_grounds"] = [{"code": g["code"],
                                 "citation": _source(g.get("citation"), f"legal_grounds.{g['code']}", required=False) or None}
                                for g in grounds]
    if "fiscal_year" in data:
        fy = data["fiscal_year"]
        if not isinstance(fy, dict):
            raise ValidationError(_l("Choose one of the listed values."), field="fiscal_year")
        start = _int(fy.get("start_month"), 1, 12, "fiscal_year.start_month",
                     _l("Give the month as a whole number from %(lo)s to %(hi)s.", lo=1, hi=12))
        if fy.get("named_by") not in NAMED_BY or fy.get("era") not in ERAS:
            raise ValidationError(_l("Choose one of the listed values."), field="fiscal_year.named_by")
        out["fiscal_year"] = {"start_month": start, "named_by": fy["named_by"], "era": fy["era"],
                              "since": _source(fy.get("since"), "fiscal_year.since", required=False),
                              "source": _source(fy.get("source"), "fiscal_year.source")}
    if "mdt_agencies" in data:
        agencies = data["mdt_agencies"]
        if not isinstance(agencies, list) or not agencies or any(a not in AGENCY for a in agencies):
            raise ValidationError(_l("Choose at least one agency."), field="mdt_agencies")
        out["mdt_agencies"] = [a for a in AGENCIES if a in agencies]
    if "retention" in data:
        out["retention"] = _retention(data["retention"])
    return out


def _retention(value) -> dict:
    """{"closed_case_years": 1..50 or None, "source"}: a period needs its source."""
    if not isinstance(value, dict):
        raise ValidationError(_l("Choose one of the listed values."), field="retention")
    lo, hi = RETENTION_YEARS
    years = value.get("closed_case_years")
    years = None if years is None or (isinstance(years, str) and not years.strip()) else _int(
        years, lo, hi, "retention.closed_case_years",
        _l("Give the length as a whole number from %(lo)s to %(hi)s.", lo=lo, hi=hi))
    return {"closed_case_years": years,
            "source": _source(value.get("source"), "retention.source", required=years is not None)}


def with_settings(base: Profile, settings: dict, version: int) -> Profile:
    """The shipped profile with the network's edits applied (settings as clean_settings makes them)."""
    changes: dict = {}
    if "clocks" in settings:
        clocks = {}
        for name, value in settings["clocks"].items():
            if value is None:
                clocks[name] = None
            elif name == "custody":
                clocks[name] = Custody(value["hours"], value["court_extension_days"], value["source"])
            else:
                clocks[name] = Stay(value["days"], value["source"], value["approximate"])
        changes["clocks"] = replace(base.clocks, **clocks)
    if "outcomes" in settings:
        changes["outcomes"] = tuple(settings["outcomes"])
    for key in ("child_age", "child_age_source"):
        if key in settings:
            changes[key] = settings[key]
    if "legal_grounds" in settings:
        changes["legal_grounds"] = tuple(LegalGround(g["code"], GROUND_LABELS[g["code"]], g["citation"])
                                         for g in settings["legal_grounds"])
    if "fiscal_year" in settings:
        changes["fiscal_year"] = FiscalYear(**settings["fiscal_year"])
    if "mdt_agencies" in settings:
        changes["mdt_agencies"] = tuple(settings["mdt_agencies"])
    if "retention" in settings:
        changes["retention"] = Retention(settings["retention"]["closed_case_years"], settings["retention"]["source"])
    return replace(base, **changes, version=version, edited=tuple(k for k in EDITABLE if k in settings))


def editable_json(profile: Profile) -> dict:
    """The editable parts of a profile, in the shape `save_settings` takes."""
    data = as_json(profile)
    return {"clocks": data["clocks"], "outcomes": data["outcomes"], "child_age": data["child_age"],
            "child_age_source": data["child_age_source"],
            "legal_grounds": [{"code": g["code"], "citation": g["citation"]} for g in data["legal_grounds"]],
            "fiscal_year": data["fiscal_year"], "mdt_agencies": data["mdt_agencies"], "retention": data["retention"]}


def save_settings(session: Session, actor, country: str, data: dict, version) -> Profile:
    """A network administrator changes a country's rules. Only what differs from the shipped
    profile is stored; `version` must be the profile's present version (a conflict otherwise).
    Records made before keep what they were given (numbers, deadlines already computed)."""
    require_role(actor, "network_admin")
    try:
        base = profile_for_country(country)
    except LookupError:
        raise NotFound() from None
    current = effective(session, base.country)
    if isinstance(version, bool) or str(version).strip() != str(current.version):
        raise Conflict()
    cleaned = clean_settings({k: v for k, v in data.items() if k != "version"})
    before = editable_json(current)
    shipped = editable_json(base)
    merged = {**{k: v for k, v in before.items() if k in current.edited}, **cleaned}
    if "clocks" in merged:  # keep every clock of the merged result explicit
        merged["clocks"] = {**before["clocks"], **merged["clocks"]}
    stored = {k: v for k, v in merged.items() if v != shipped[k]}
    row = session.get(JurisdictionSettings, base.country)
    if row is None:
        row = JurisdictionSettings(country=base.country, settings="{}", version=1)
    row.settings = json.dumps(stored, sort_keys=True, ensure_ascii=False)
    row.version += 1
    row.updated_at, row.updated_by_id = utcnow(), actor.id
    session.add(row)
    try:
        session.flush()
    except StaleDataError:
        raise Conflict() from None
    session.info.pop("jurisdictions", None)
    profile = effective(session, base.country)
    after = editable_json(profile)
    changed = sorted(k for k in after if after[k] != before[k])
    audit.record(session, actor, "jurisdiction_profile.update", ("jurisdiction_profile", base.country),
                 {"changed": changed, "before": {k: before[k] for k in changed}, "after": {k: after[k] for k in changed}})
    return profile
