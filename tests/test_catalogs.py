"""The catalogs are complete: every string of the code is in th, my and lo, translated, not
fuzzy, with the same placeholders, Burmese in Unicode (not Zawgyi), and the catalogs are up to
date with the code (run `make translations` after changing strings)."""
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LANGS = ["th", "my", "lo"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
SCRIPT = {"th": re.compile(r"[\u0E00-\u0E7F]"), "my": re.compile(r"[\u1000-\u109F]"), "lo": re.compile(r"[\u0E80-\u0EFF]")}


def catalog(lang):
    with open(ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=lang)


@pytest.fixture(scope="module")
def code_msgids(tmp_path_factory):
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "config/babel.cfg", "-k", "_l",
         "-k", "lazy_gettext", "-k", "_lp:1c,2", "-k", "bi", "-k", "L", "-k", "_in:2", "--no-location", "-o", str(pot), "border_referral"],
        cwd=ROOT, check=True, capture_output=True,
    )
    with open(pot, "rb") as fh:
        return {m.id for m in read_po(fh) if m.id}


def _ids(msg):
    return msg.id if isinstance(msg.id, str) else msg.id[0]


@pytest.mark.parametrize("lang", LANGS)
def test_catalog_is_complete(lang):
    problems = []
    for msg in catalog(lang):
        if not msg.id:
            continue
        strings = msg.string if isinstance(msg.string, (list, tuple)) else [msg.string]
        if msg.fuzzy:
            problems.append(f"fuzzy: {_ids(msg)!r}")
        if not all(strings):
            problems.append(f"untranslated: {_ids(msg)!r}")
            continue
        source = msg.id if isinstance(msg.id, str) else " ".join(msg.id)
        for s in strings:
            if set(PLACEHOLDER.findall(s)) != set(PLACEHOLDER.findall(source)):
                problems.append(f"placeholders differ: {_ids(msg)!r}")
            # (A message of placeholders and punctuation only, "%(page)s · %(product)s", has no word to
            # translate: its placeholders' names are not English words.)
            if re.search(r"[A-Za-z]{3,}", PLACEHOLDER.sub("", source)) and not SCRIPT[lang].search(s) and not re.fullmatch(r"[\W\d_A-Z]*|API|English", s):
                problems.append(f"not in {lang} script: {_ids(msg)!r} -> {s!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", LANGS)
def test_catalog_matches_the_code(lang, code_msgids):
    in_catalog = {m.id for m in catalog(lang) if m.id}
    missing = code_msgids - in_catalog
    stale = in_catalog - code_msgids
    assert not missing and not stale, f"run `make translations`: missing {sorted(missing)}, stale {sorted(stale)}"


def test_burmese_is_unicode_not_zawgyi():
    from myanmartools import ZawgyiDetector

    detector = ZawgyiDetector()
    zawgyi = [m.string for m in catalog("my") if m.id and isinstance(m.string, str)
              and detector.get_zawgyi_probability(m.string) > 0.95]
    assert not zawgyi, zawgyi
