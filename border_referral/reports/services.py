"""The CTDC-compatible export: one row per identified victim of the caller's centre, from coded
fields only (nothing is decrypted), released only when every combination of its columns (all of
them are quasi-identifiers) appears at least k times.

The Counter-Trafficking Data Collaborative publishes records of victims with the year of
registration, gender, whether a minor, citizenship, the country of exploitation and the kinds of
exploitation. Here: the year the case was opened, the person's sex, the child flag, nationality
(ISO 3166-1), the owning centre's country (where the person was found) and three flags from the
exploitation types. "Identified" is the latest MDT decision "victim" (screening).

k-anonymity by global generalisation, then suppression: the columns are coarsened one step at a
time (citizenship to "Other" when it is rarer than k, then the year dropped, then citizenship
dropped, then the minor flag dropped) until at most SUPPRESS_SHARE of the records sit in groups
smaller than k; those records are left out. The export says which steps were taken and how many
records were left out, and its audit record the same counts (never a value)."""
from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select
from sqlmodel import Session

from .. import audit
from ..auth.permissions import require_role
from ..cases.models import Case
from ..centres.models import Centre
from ..screening.models import Screening

COLUMNS = ("yearOfRegistration", "gender", "majorityStatus", "citizenship", "CountryOfExploitation",
           "isForcedLabour", "isSexualExploit", "isOtherExploit")
SEXUAL = {"prostitution", "pornography", "other_sexual_exploitation"}
LABOUR = {"forced_labour", "slavery", "similar_practices", "forced_begging", "forced_criminality"}
GENDER = {"female": "Female", "male": "Male"}
# The coarsening steps, in order (README "Reports").
STEPS = ("rare_citizenship_as_other", "year_dropped", "citizenship_dropped", "minor_flag_dropped")
SUPPRESS_SHARE = 0.1


@dataclass
class Export:
    k: int
    rows: list[dict]
    steps: list[str] = field(default_factory=list)
    suppressed: int = 0
    considered: int = 0

    def headers(self) -> dict:
        """What the answer says of the release: k, the records left out, the coarsening steps."""
        return {"X-K-Anonymity": str(self.k), "X-Records-Suppressed": str(self.suppressed),
                "X-Generalised": ",".join(self.steps) or "none"}

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        return out.getvalue()


def _flag(value: bool) -> str:
    return "1" if value else "0"


def _record(case: Case, country: str) -> dict:
    kinds = set(case.exploitation_types)
    return {"yearOfRegistration": str(case.created_at.year), "gender": GENDER.get(case.sex, ""),
            "majorityStatus": "" if case.is_child is None else ("Minor" if case.is_child else "Adult"),
            "citizenship": case.nationality if len(case.nationality) == 2 else "",
            "CountryOfExploitation": country, "isForcedLabour": _flag(bool(kinds & LABOUR)),
            "isSexualExploit": _flag(bool(kinds & SEXUAL)), "isOtherExploit": _flag(bool(kinds - LABOUR - SEXUAL))}


def _coarsen(rows: list[dict], step: str, k: int) -> list[dict]:
    if step == "rare_citizenship_as_other":
        counts = Counter(r["citizenship"] for r in rows)
        return [{**r, "citizenship": r["citizenship"] if counts[r["citizenship"]] >= k or not r["citizenship"]
                 else "Other"} for r in rows]
    column = {"year_dropped": "yearOfRegistration", "citizenship_dropped": "citizenship",
              "minor_flag_dropped": "majorityStatus"}[step]
    return [{**r, column: ""} for r in rows]


def _small(rows: list[dict], k: int) -> list[bool]:
    counts = Counter(tuple(r[c] for c in COLUMNS) for r in rows)
    return [counts[tuple(r[c] for c in COLUMNS)] < k for r in rows]


def current_k() -> int:
    return int(current_app.config.get("EXPORT_K", 11))


def ctdc_export(session: Session, actor, k: int | None = None) -> Export:
    """The export of the caller's centre (administrators only), on the audit record."""
    require_role(actor, "admin")
    k = int(k or current_k())
    country = session.execute(select(Centre.country_code).where(Centre.id == actor.centre_id)).scalar_one()
    victims = select(Screening.case_id).where(Screening.centre_id == actor.centre_id, Screening.outcome == "victim")
    cases = session.execute(select(Case).where(Case.centre_id == actor.centre_id, Case.erased_at.is_(None),
                                               Case.id.in_(victims)).order_by(Case.created_at)).scalars().all()
    rows = [_record(c, country) for c in cases]
    export = Export(k=k, rows=rows, considered=len(rows))
    for step in STEPS:
        if sum(_small(export.rows, k)) <= SUPPRESS_SHARE * len(export.rows):
            break
        export.rows = _coarsen(export.rows, step, k)
        export.steps.append(step)
    small = _small(export.rows, k)
    export.suppressed = sum(small)
    export.rows = sorted((r for r, s in zip(export.rows, small) if not s), key=lambda r: tuple(r[c] for c in COLUMNS))
    audit.record(session, actor, "export.ctdc", None, {"k": k, "considered": export.considered,
                                                       "released": len(export.rows), "suppressed": export.suppressed,
                                                       "steps": export.steps})
    return export
