"""Names and numbers across Thai, Burmese, Lao and Latin script: repair Zawgyi, normalise for exact
matching, and derive a folded Latin key so that "Aung Aung", "အောင်အောင်" and a Zawgyi-typed
"ေအာင္ေအာင္" meet. Used by the blind indexes (crypto/blind.py): only ever on the server, on values
the caller is allowed to write or search.

Heavy libraries (ICU, pythainlp) are imported on first use, never at start-up."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

MYANMAR = re.compile(r"[\u1000-\u109F]")
THAI = re.compile(r"[\u0E00-\u0E7F]")
LAO = re.compile(r"[\u0E80-\u0EFF]")
ZAWGYI_THRESHOLD = 0.95

# Lao letters to their Thai counterparts (mostly the same position 0x80 lower), so that Lao names
# can be romanised with the Thai (Royal Institute) romaniser.
LAO_TO_THAI = {chr(c): chr(c - 0x80) for c in range(0x0E81, 0x0ECE)}
LAO_TO_THAI.update({"ຍ": "ย", "ົ": "", "ຼ": "ล", "ຽ": "ย", "ໜ": "หน", "ໝ": "หม", "ໞ": "ก", "ໟ": "ญ"})

# ICU's Burmese scheme spells syllables differently from how names are written in Latin script
# ("htwann" for ထွန်း, written "Htun"; "wainn" for ဝင်း, written "Win").
MYANMAR_FIXES = [(r"wann?", "un"), (r"ainn?", "in")]

FOLDS = [
    (r"aye|ay", "e"), (r"j", "ch"), (r"ph", "p"), (r"th", "t"), (r"kh", "k"), (r"ht", "t"), (r"hs", "s"),
    (r"ee|y", "i"), (r"ou", "u"), (r"h", ""), (r"(.)\1+", r"\1"),
]


@lru_cache(maxsize=1)
def _zawgyi_tools():
    import icu
    from myanmartools import ZawgyiDetector

    return ZawgyiDetector(), icu.Transliterator.createInstance("Zawgyi-my")


@lru_cache(maxsize=4)
def _transliterator(rules: str):
    import icu

    return icu.Transliterator.createInstance(rules)


def is_zawgyi(text: str) -> bool:
    if not text or not MYANMAR.search(text):
        return False
    detector, _conv = _zawgyi_tools()
    return detector.get_zawgyi_probability(text) > ZAWGYI_THRESHOLD


def to_unicode(text: str) -> str:
    """NFC, and Burmese typed in Zawgyi converted to Unicode (Unicode text is left alone: running
    the converter on it would corrupt it)."""
    if text is None:
        return text
    text = unicodedata.normalize("NFC", text)
    if is_zawgyi(text):
        text = unicodedata.normalize("NFC", _zawgyi_tools()[1].transliterate(text))
    return text


def _strip(text: str) -> str:
    # Drop separators, punctuation, symbols and format characters (ZWSP, ZWJ); keep letters, digits
    # and combining marks (Thai, Burmese and Lao vowels and tones are marks).
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "ZPSC")


def normalise(text: str) -> str:
    """The exact-match form: Unicode, NFC, case-folded, without spaces and punctuation."""
    if not text:
        return ""
    return _normalise_unicode(to_unicode(text))


def _normalise_unicode(text: str) -> str:
    return _strip(unicodedata.normalize("NFC", text.casefold()))


def romanise(text: str) -> str:
    """A Latin spelling of a name in any of the four scripts (ASCII, lower case)."""
    return _romanise_unicode(to_unicode(text or ""))


def _romanise_unicode(text: str) -> str:
    if LAO.search(text):
        text = "".join(LAO_TO_THAI.get(ch, ch) for ch in text)
    if THAI.search(text):
        from pythainlp.transliterate import romanize

        text = " ".join(romanize(part, engine="royin") if THAI.search(part) else part for part in text.split())
    return _transliterator("Any-Latin; Latin-ASCII; Lower").transliterate(text)


def latin_key(text: str) -> str:
    """A folded Latin key: spelling variants of the same name ("Htun"/"Tun", "Aye"/"E") meet."""
    return _latin_key_unicode(to_unicode(text or ""))


def _latin_key_unicode(text: str) -> str:
    key = re.sub(r"[^a-z]", "", _romanise_unicode(text))
    if MYANMAR.search(text):
        for pattern, repl in MYANMAR_FIXES:
            key = re.sub(pattern, repl, key)
    for pattern, repl in FOLDS:
        key = re.sub(pattern, repl, key)
    return key


def name_keys(text: str, *, parts: bool = False) -> set[tuple[str, str]]:
    """Every form under which a name is indexed and searched (the text converted to Unicode once:
    Zawgyi detection is the costly part of a search): the whole name ("n"), its folded Latin key
    ("l"), and for a name of several words the same with the words in any order ("s", "sl"), so
    "Kaewmanee Somsri" finds "Somsri Kaewmanee". With `parts`, each word on its own too ("t",
    "tl"): what a case's index holds, so that one given name finds the case; a search of one word
    asks for those (a search of several words does not, or "Aung Aung" would find every Aung)."""
    keys = set()
    text = to_unicode(text or "")
    norm = _normalise_unicode(text) if text else ""
    if not norm:
        return keys
    keys.add(("n", norm))
    folded = _latin_key_unicode(text)
    if len(folded) >= 2:
        keys.add(("l", folded))
    words = [w for w in text.split() if _normalise_unicode(w)]
    if len(words) > 1:
        keys.add(("s", " ".join(sorted(_normalise_unicode(w) for w in words))))
        latin = [_latin_key_unicode(w) for w in words]
        if all(len(k) >= 2 for k in latin):
            keys.add(("sl", " ".join(sorted(latin))))
        if parts:
            for word, key in zip(words, latin):
                if len(_normalise_unicode(word)) >= 2:
                    keys.add(("t", _normalise_unicode(word)))
                if len(key) >= 2:
                    keys.add(("tl", key))
    elif parts:  # a one-word query: look for it among the words of the names too
        keys.add(("t", norm))
        if len(folded) >= 2:
            keys.add(("tl", folded))
    return keys


def id_number_key(text: str) -> str:
    """Id numbers: digits and letters only, case-folded ("1-2345-67890-12-3" == "1234567890123")."""
    return "".join(ch for ch in normalise(text or "") if ch.isalnum())
