"""Translated labels of the identification codes (codes are stable; labels follow the reader)."""
from flask_babel import lazy_gettext as _l

from ..centres import jurisdictions

OUTCOME = {"victim": _l("Victim of trafficking"), "at_risk": _l("At risk"), "not_victim": _l("Not a victim"),
           "forced_labour_or_services": _l("Victim of forced labour or services (s.6/1)")}
NOT_VICTIM_OUTCOME = {"release": _l("Released"), "immigration": _l("Handed to immigration")}
INDICATOR_VALUE = {"observed": _l("Observed"), "not_observed": _l("Not observed"), "unknown": _l("Unknown")}
AGENCY = jurisdictions.AGENCY
LANGUAGE = {
    "th": _l("Thai"), "my": _l("Burmese"), "lo": _l("Lao"), "en": _l("English"), "shn": _l("Shan"),
    "kar": _l("Karen"), "km": _l("Khmer"), "vi": _l("Vietnamese"), "zh": _l("Chinese"), "other": _l("Other language"),
}
INDICATOR = {
    "abuse_of_vulnerability": _l("Abuse of vulnerability"),
    "deception": _l("Deception"),
    "restriction_of_movement": _l("Restriction of movement"),
    "isolation": _l("Isolation"),
    "physical_sexual_violence": _l("Physical and sexual violence"),
    "intimidation_threats": _l("Intimidation and threats"),
    "retention_of_documents": _l("Retention of identity documents"),
    "withholding_of_wages": _l("Withholding of wages"),
    "debt_bondage": _l("Debt bondage"),
    "abusive_conditions": _l("Abusive working and living conditions"),
    "excessive_overtime": _l("Excessive overtime"),
    "forced_sex_work": _l("Made to provide sexual services"),
    "controlled_earnings_sex": _l("Earnings from sexual services taken by others"),
    "advertised_for_sex": _l("Advertised or offered for sex"),
    "sexual_images": _l("Made to appear in sexual images or videos"),
    "child_under_18_working": _l("Child under 18 in work or services"),
    "child_without_guardian": _l("Child without a parent or guardian"),
    "child_worst_forms": _l("Child in hazardous or worst forms of work"),
    "child_not_in_school": _l("Child kept out of school"),
}
INDICATOR_GROUP = {
    "ilo": _l("The ILO's eleven indicators of forced labour"),
    "sexual": _l("Sexual exploitation"),
    "child": _l("Children"),
}
ACT = {
    "recruitment": _l("Recruitment"), "transport": _l("Transport"), "transfer": _l("Transfer"),
    "harbouring": _l("Harbouring"), "receipt": _l("Receipt of persons"),
}
MEANS = {
    "threat": _l("Threat"), "force": _l("Force or coercion"), "abduction": _l("Abduction"), "fraud": _l("Fraud"),
    "deception": _l("Deception"), "abuse_of_power": _l("Abuse of power"),
    "abuse_of_vulnerability": _l("Abuse of a position of vulnerability"),
    "payment_to_controller": _l("Payments to a person in control of the victim"),
}
STAGE = {"prescreened": _l("Pre-screened"), "interviewed": _l("Interviewed"), "decided": _l("Decided")}


def law_section(section: str | None) -> str:
    """A section of the centre's law as the reader writes it: "s.34" -> "มาตรา 34", "ပုဒ်မ 34",
    "ມາດຕາ 34" (the number comes from the jurisdiction profile)."""
    from flask_babel import gettext

    return gettext("s.%(number)s", number=(section or "").removeprefix("s.")) if section else ""
