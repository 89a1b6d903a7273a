"""Countries and time zones in the reader's language (border_referral/i18n/places.py)."""
from datetime import datetime, timezone

import icu
import pytest
from flask_babel import force_locale

from border_referral.i18n import places

LANGS = ("th", "my", "lo", "en")
# What CLDR's territory list holds that is not a country: pseudo-locales ("Bidi ไม่จริง"), groupings,
# the unknown region, and codes ISO only reserves or does not assign.
NOT_COUNTRIES = {"XA", "XB", "EU", "EZ", "UN", "QO", "ZZ", "AC", "CP", "CQ", "DG", "EA", "IC", "TA", "XK", "001", "419"}


def test_the_countries_are_the_assigned_iso_3166_codes():
    assert len(places.COUNTRIES) == 249
    assert all(len(c) == 2 and c.isalpha() and c.isupper() for c in places.COUNTRIES)
    assert not places.COUNTRIES & NOT_COUNTRIES
    assert {"TH", "MM", "LA", "KH", "VN", "CN", "PS", "TW", "UM", "AQ"} <= places.COUNTRIES
    # ICU's list of ISO countries, less what it keeps that ISO 3166-1 does not assign.
    assert places.COUNTRIES == set(icu.Locale.getISOCountries()) - {"DG", "EA", "IC", "XK"}
    assert places.is_country("mm") and not places.is_country("XA") and not places.is_country(None)


@pytest.mark.parametrize("lang", LANGS)
def test_choices_offer_only_countries_named_in_the_readers_language(lang):
    choices = places.country_choices(lang)
    codes = [c for c, _ in choices]
    assert len(codes) == len(set(codes)) == 249 and set(codes) == places.COUNTRIES
    names = " ".join(n for _, n in choices)
    for fake in ("Bidi", "ไม่จริง", "Pseudo", "Eurozone", "United Nations", "Outlying Oceania", "Unknown Region"):
        assert fake not in names
    assert dict(choices)["MM"] == places.country_name("MM", lang)
    if lang != "en":
        assert dict(choices)["TH"] != "Thailand"  # a name in the reader's own script


@pytest.mark.parametrize("lang", LANGS)
def test_choices_are_sorted_as_the_reader_sorts(lang):
    names = [n for _, n in places.country_choices(lang)]
    collator = icu.Collator.createInstance(icu.Locale(lang))
    assert names == sorted(names, key=collator.getSortKey)


def test_sorting_follows_the_alphabet_not_the_code_points():
    en = [c for c, _ in places.country_choices("en")]
    assert en.index("AF") < en.index("AX") < en.index("AL")  # Åland Islands between Afghanistan and Albania
    th = [c for c, _ in places.country_choices("th")]
    assert th.index("DE") < th.index("RU")  # เยอรมนี is filed under ย, before รัสเซีย (pre-posed vowel)
    lo = [c for c, _ in places.country_choices("lo")]
    assert lo.index("LA") < lo.index("VN")  # ລາວ (ລ) before ຫວຽດນາມ (ຫ)


def test_chosen_countries_come_first():
    choices = places.country_choices("my", ("MM", "LA", "XA", "stateless"))
    assert [c for c, _ in choices[:2]] == ["MM", "LA"] and len(choices) == 249
    assert [c for c, _ in choices].count("MM") == 1


def test_zone_names_in_the_readers_language(app):
    july = datetime(2026, 7, 1, tzinfo=timezone.utc)
    with app.test_request_context():
        with force_locale("en"):
            assert places.zone_name("Asia/Bangkok", "en", july) == "Thailand Time (Bangkok, UTC+7)"
            assert places.zone_name("Asia/Yangon", "en", july) == "Myanmar (Burma) Time (Yangon, UTC+6:30)"
            assert places.zone_name("Asia/Vientiane", "en", july) == "Laos Time (Vientiane, UTC+7)"
            assert places.zone_name("Not/AZone", "en") == "Not/AZone" and places.zone_name(None, "en") == ""
        for lang, words in {"th": ("เวลาไทย", "กรุงเทพ"), "my": ("ထိုင်း", "ဘန်ကောက်"), "lo": ("ໄທ", "ບາງກອກ")}.items():
            with force_locale(lang):
                name = places.zone_name("Asia/Bangkok", lang, july)
            assert all(w in name for w in words) and "Asia/Bangkok" not in name, name
