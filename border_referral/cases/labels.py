"""Translated labels of the case codes (codes are stable; labels follow the reader's language)."""
from flask_babel import lazy_gettext as _l

STATUS = {
    "open": _l("Open"),
    "in_shelter": _l("In shelter"),
    "repatriation_pending": _l("Repatriation pending"),
    "closed": _l("Closed"),
}
SEX = {"female": _l("Female"), "male": _l("Male"), "other": _l("Other"), "unknown": _l("Unknown")}
EXPLOITATION = {
    "prostitution": _l("Prostitution"),
    "pornography": _l("Pornography"),
    "other_sexual_exploitation": _l("Other sexual exploitation"),
    "slavery": _l("Slavery"),
    "forced_begging": _l("Forced begging"),
    "forced_labour": _l("Forced labour or services"),
    "organ_removal": _l("Removal of organs"),
    "similar_practices": _l("Practices similar to slavery"),
    "forced_criminality": _l("Forced criminality (e.g. scam compounds)"),
    "forced_marriage": _l("Forced or disguised marriage"),
}
SOURCE = {
    "hotline_1300": _l("Hotline 1300"),
    "protect_u": _l("PROTECT-U app"),
    "labour_hotline_1546": _l("Labour hotline 1546"),
    "labour_inspection": _l("Labour inspection"),
    "police": _l("Police"),
    "immigration": _l("Immigration"),
    "ngo": _l("NGO"),
    "embassy": _l("Embassy or consulate"),
    "partner_centre": _l("Partner centre"),
    "volunteer": _l("Community volunteer"),
    "family_public": _l("Family or the public"),
    "self": _l("The person themself"),
}
NATIONALITY_SPECIAL = {"stateless": _l("Stateless"), "unknown": _l("Unknown")}
ERASE_REASON = {
    "duplicate": _l("Duplicate of another case"),
    "entered_in_error": _l("Entered in error"),
    "data_subject_request": _l("The person asked for erasure"),
    "retention_expired": _l("Retention period ended"),
}
ID_TYPES = {
    "passport": _l("Passport"),
    "national_id": _l("National identity card"),
    "border_pass": _l("Border pass"),
    "work_permit": _l("Work permit"),
    "other": _l("Other document"),
}
FIELDS = {
    "full_name": _l("Full name (native script)"),
    "latin_name": _l("Name in Latin script"),
    "aliases": _l("Other names"),
    "sex": _l("Sex"),
    "date_of_birth": _l("Date of birth"),
    "age_estimate": _l("Estimated age"),
    "nationality": _l("Nationality"),
    "ethnicity": _l("Ethnicity"),
    "languages": _l("Languages spoken"),
    "id_documents": _l("Identity documents"),
    "home_address": _l("Address in the home country"),
    "family_contacts": _l("Family contacts"),
    "found_date": _l("Date found"),
    "found_place": _l("Place found"),
    "narrative": _l("Narrative"),
    "shelter": _l("Shelter placement"),
    "health": _l("Health"),
    "sexual_exploitation": _l("Sexual exploitation details"),
    "status": _l("Status"),
    "referral_source": _l("Referral source"),
    "exploitation_types": _l("Exploitation types"),
    "assigned_to": _l("Assigned case worker"),
}
ACTIONS = {
    "case.create": _l("Case opened"),
    "case.read": _l("Case read"),
    "case.read_conflict": _l("Case read (edit conflict)"),
    "case.read_for_edit": _l("Case opened for editing"),
    "case.read_for_erase": _l("Case opened for erasure"),
    "case.list": _l("Case list read"),
    "case.search": _l("Search result read"),
    "case.update": _l("Case changed"),
    "case.note_add": _l("Note added"),
    "case.notes_read": _l("Notes read"),
    "case.attachment_add": _l("File attached"),
    "case.attachment_read": _l("File downloaded"),
    "case.attachments_listed": _l("Names of the attached files read"),
    "case.erase": _l("Case erased"),
    "case.read_for_referral": _l("Case read to send a referral"),
    "case.read_for_referral_form": _l("Case read to prepare a referral"),
    "case.read_for_manifest": _l("Case read for a repatriation manifest"),
    "case.read_for_repatriation": _l("Case read on a repatriation plan"),
}


def country_name(code: str, locale: str) -> str:
    if code in NATIONALITY_SPECIAL:
        return str(NATIONALITY_SPECIAL[code])
    from ..i18n.places import country_name as name

    return name(code, locale)


# Nationalities offered first in pickers: the people the border centres meet most.
FIRST_NATIONALITIES = ("MM", "LA", "TH", "KH", "VN", "CN")


def nationality_choices(locale: str) -> list[tuple[str, str]]:
    """(code, name) for a nationality picker in the reader's language: unknown and stateless, the
    region's nationalities, then every other country (ISO 3166-1 only: no CLDR test locales,
    groupings or continents) in the order the reader's language sorts them (ICU collation)."""
    from ..i18n.places import country_choices

    return ([(c, str(NATIONALITY_SPECIAL[c])) for c in ("unknown", "stateless")]
            + country_choices(locale, FIRST_NATIONALITIES))
