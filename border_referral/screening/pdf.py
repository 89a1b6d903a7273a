"""The printable screening record, in the reader's language (an audited read by the caller)."""
from __future__ import annotations

from .. import pdf
from ..centres.models import Centre
from ..database import get_session
from ..util import utcnow
from .models import CHILD_INDICATORS, ILO_INDICATORS, SEXUAL_INDICATORS


def screening_record(view, actor) -> bytes:
    from . import labels
    from ..cases import labels as case_labels

    centre = get_session().get(Centre, view.screening.centre_id)
    groups = (("ilo", ILO_INDICATORS), ("sexual", SEXUAL_INDICATORS), ("child", CHILD_INDICATORS))
    return pdf.render("screening/record_pdf.html", v=view, s=view.screening, centre=centre, labels=labels,
                      case_labels=case_labels, groups=groups, printed_at=utcnow(), printed_by=actor)
