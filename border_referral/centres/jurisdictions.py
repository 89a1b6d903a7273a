"""The three jurisdictions of the network (Thailand, Myanmar, Lao PDR) as data: each centre works under
its own country's law and calendar, and no Thai rule is imposed on a Myanmar or Lao centre
(DOMAIN.md, "Three jurisdictions, not one"). Features read the profile of the centre that owns a
record; they never branch on a country code.

Where a rule of a country is not known, the profile says None (no clock, no section number), never
a Thai default. Each known period carries its `source` beside it.

Profiles are data in code for now (no table): changing them is a code change, reviewed."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Callable

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from ..i18n import BE_OFFSET
from .models import Centre


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

    def has_outcome(self, code: str) -> bool:
        return code in self.outcomes

    def legal_ground(self, code: str) -> LegalGround | None:
        return next((g for g in self.legal_grounds if g.code == code), None)


# ---------------------------------------------------------------- labels shared by the profiles

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


def profile_of_centre(session: Session, centre_id: int) -> Profile:
    centre = session.get(Centre, centre_id)
    if centre is None:
        raise LookupError(f"no centre {centre_id!r}")
    return profile_for_country(centre.country_code)


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
    profile = profile_for_country(centre.country_code)
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
    }
