"""Written text as a voice should say it, per language.

A speech synthesiser reads what it is given: "ul. Rynek 1, 57-561" becomes "ul Rynek one,
fifty-seven minus five hundred sixty-one", a phone number "+48 74 811 20 00" becomes
"forty-eight seventy-four thousand eight hundred eleven twenty zero zero", "7:30–15:30"
"seven zero zero zero". `clean` rewrites a text in words the voice says right: abbreviations
expanded, phone numbers in their digit groups, times, dates and ranges in words, e-mail and
web addresses shortened to what a listener can note down. The words themselves are in
kiosk_core.speech.words; `kiosk speak` lets staff hear the result.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache

from kiosk_core.speech.words import WORDS, Words, form

KEEP_BASE = 0xF0000
"""Pieces already in words are kept out of the later rules as one private-use character each
(not a word character, not a digit), put back at the end."""
KEPT = re.compile("[\U000f0000-\U000ffffd]")

SPACES = re.compile(r"[\u00a0\u2007\u2009\u202f]")
"""Non-breaking and thin spaces: Polish writes "250 000" and "+48 74 811 20 00" with them."""
LINE_END = re.compile(r"([^\s.!?:;,])[ \t]*\n\s*")
URL = re.compile(r"(?:https?://|www\.)[^\s<>\"„”]+", re.IGNORECASE)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
DOMAIN = re.compile(
    r"(?<![\w@.-])(?:[\w-]+\.)+(?:pl|eu|com|org|net|gov|info|de|cz|ua|edu)(?![\w-])"
)
TRAILING = re.compile(r"[.,;:!?)\]]+$")
NUMBER_DATE = re.compile(r"(?<![\d.,])(\d{1,2})\.(\d{1,2})\.(\d{4})(?!\d)")
ISO_DATE = re.compile(r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d-])")
PHONE = re.compile(
    r"(?<![\w+])(?:\+\s?(\d{1,3})[\s-]?)?(\(?\d{2,4}\)?(?:[ -]\d{2,4}){2,5}|\d{9,12})(?![\w-])"
)
POSTCODE = re.compile(r"(?<![\d-])(\d{2})-(\d{3})(?![\d-])")
THOUSANDS = re.compile(r"(?<![\d,.])\d{1,3}(?: \d{3})+(?![\d,])")
NUMBER_RANGE = re.compile(r"(?<![\d,.:/-])(\d+)(?:\s*[–—]\s*|-)(\d+)(?![\d,.:/]|\s*[–—-]\s*\d)")
OUT_OF = re.compile(r"(?<![\d/.,])(\d+) / (\d+)(?![\d/])")
TIMES_SIGN = re.compile(r"(?<=\d)\s*[×x]\s*(?=\d)")
DASH = re.compile(r"\s+[–—]\s+|\s*—\s*")
BULLET = re.compile(r"[•▪◦]")
CURRENCY_FIRST = re.compile(r"(?<!\w)(PLN|EUR|€)\s?(\d+(?:[.,]\d+)?)(?![\d.,]?\d)")
"""An amount written currency first ("PLN 17", "€ 5"), said as "17 zlotys"."""
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
ALONE = ("m²", "м²")
"""Units said by their name without a number ("za m² powierzchni": per square metre)."""
ENDING = frozenset(["itd.", "itp.", "etc.", "usw.", "atd.", "apod.", "т. д.", "т. п."])
"""Abbreviations that may end a sentence: their dot is the sentence's too."""


def clean(text: str, lang: str) -> str:
    """`text` in the words a `lang` voice should say; raises KeyError for a language the
    kiosk does not speak."""
    words = WORDS[lang]
    kept: list[str] = []

    def keep(spoken: str) -> str:
        kept.append(spoken)
        return f" {chr(KEEP_BASE + len(kept) - 1)} "

    text = SPACES.sub(" ", text).replace("\u00ad", "")
    text = LINE_END.sub(r"\1. ", text)
    text = BULLET.sub(" ", text).replace("·", ",").replace("…", ".")
    text = URL.sub(lambda m: _address(m[0], words, keep, _url), text)
    text = EMAIL.sub(lambda m: keep(_email(m[0], words)), text)
    text = DOMAIN.sub(lambda m: keep(_host(m[0], words)), text)
    text = NUMBER_DATE.sub(lambda m: _date(m, int(m[1]), int(m[2]), m[3], words), text)
    text = ISO_DATE.sub(lambda m: _date(m, int(m[3]), int(m[2]), m[1], words), text)
    text = _rules(lang).date.sub(lambda m: _word_date(m, words), text)
    text = PHONE.sub(lambda m: _phone(m, words, keep), text)
    text = POSTCODE.sub(lambda m: _postcode(m, keep), text)
    text = _rules(lang).days.sub(lambda m: _days(m[0], lang), text)
    text = _rules(lang).time_range.sub(lambda m: _time_range(m, lang), text)
    text = _rules(lang).time.sub(lambda m: _time(m, lang), text)
    text = THOUSANDS.sub(lambda m: m[0].replace(" ", ""), text)
    text = CURRENCY_FIRST.sub(r"\2 \1", text)
    text = _rules(lang).units.sub(
        lambda m: f"{m[1]} {form(words.units[m[2]], m[1], words.plural)}", text
    )
    text = _rules(lang).alone.sub(lambda m: words.units[m[1]][0], text)
    if words.floors:
        text = _rules(lang).floors.sub(lambda m: _floor(m, words), text)
    text = NUMBER_RANGE.sub(lambda m: words.number_range.format(a=m[1], b=m[2]), text)
    text = TIMES_SIGN.sub(f" {words.times} ", text)
    text = OUT_OF.sub(rf"\1 {words.of_word} \2", text)
    if words.year_abbreviations:
        text = _rules(lang).year.sub(lambda m: words.year.format(y=m[1]), text)
    text = _rules(lang).before_name.sub(lambda m: _before_name(m, words), text)
    text = _rules(lang).before_number.sub(
        lambda m: _lookup(words.before_number, m[1]) or m[0], text
    )
    text = _rules(lang).abbreviations.sub(lambda m: _abbreviation(m, lang), text)
    text = text.replace("&", f" {words.and_word} ")
    text = DASH.sub(", ", text)
    text = KEPT.sub(lambda m: kept[ord(m[0]) - KEEP_BASE], text)
    return _tidy(text)


class _Rules:
    """One language's expressions, made once."""

    def __init__(self, lang: str) -> None:
        words = WORDS[lang]
        self.date = _word_date_rule(words, lang)
        day = rf"(?<!\w)(?:{_alternatives(words.days, lower=False)})\.?(?!\w)"
        self.days = re.compile(rf"{day}(?:\s*[,–—-]\s*{day})*(?=[\s,:]*\d)")
        time = r"(?<![\d:.,])([01]?\d|2[0-3]):([0-5]\d)(?::[0-5]\d)?(?![\d:])"
        if lang == "en":
            time += r"(?:\s*([AaPp])\.?\s?[Mm]\.?(?!\w))?"
        elif lang == "de":
            time += r"(?:\s*Uhr(?!\w))?"
        second = time.replace("([", "(?P<h2>[", 1).replace("([0-5]", "(?P<m2>[0-5]", 1)
        second = second.replace("([AaPp])", "(?P<p2>[AaPp])")
        self.time = re.compile(time)
        self.time_range = re.compile(rf"{time}\s*[–—-]\s*{second}")
        units = "|".join(re.escape(u) for u in sorted(words.units, key=len, reverse=True))
        self.units = re.compile(rf"(?<![\w.,])(\d+(?:[.,]\d+)?)\s?({units})(?![\w²])")
        alone = "|".join(re.escape(u) for u in ALONE if u in words.units) or "(?!)"
        self.alone = re.compile(rf"(?<![\w.,])({alone})(?!\w)")
        floors = "|".join(re.escape(w) for w in words.floors) or "(?!)"
        self.floors = re.compile(rf"(?<![\w.])({'|'.join(ROMAN[::-1])})\s+({floors})(?!\w)")
        years = "|".join(re.escape(a) for a in words.year_abbreviations) or "(?!)"
        self.year = re.compile(rf"(?<!\d)(\d{{4}})\s?(?:{years})(?!\w)")
        self.before_name = re.compile(
            rf"(?<![\w.@/-])({_alternatives(words.before_name)})(?=\s*[\w])"
        )
        self.abbreviations = re.compile(
            rf"(?<![\w.@/-])({_alternatives(words.abbreviations)})(?!\w)"
        )
        before_number = _alternatives(words.before_number) or "(?!)"
        self.before_number = re.compile(rf"(?<![\w.@/-])({before_number})(?=\s*\d)")


@cache
def _rules(lang: str) -> _Rules:
    return _Rules(lang)


def _alternatives(table: Mapping[str, object], lower: bool = True) -> str:
    """A regular expression matching any key as written or capitalised ("Np." starting a
    sentence), and with `lower` also with a small first letter ("tel." for "Tel.")."""
    variants = set()
    for key in table:
        variants |= {key, key[0].upper() + key[1:]}
        if lower:
            variants.add(key[0].lower() + key[1:])
    return "|".join(re.escape(v) for v in sorted(variants, key=len, reverse=True))


def _lookup(table: dict[str, str], written: str) -> str | None:
    for key, value in table.items():
        if key.lower() == written.lower():
            return value
    return None


def _abbreviation(match: re.Match[str], lang: str) -> str:
    written = match[1]
    said = _lookup(WORDS[lang].abbreviations, written) or written
    rest = match.string[match.end() :].lstrip()
    if written.lower() in ENDING and (not rest or rest[0].isupper()):
        said += "."  # the dot ended the sentence as well
    return said


def _before_name(match: re.Match[str], words: Words) -> str:
    rest = match.string[match.end() :].lstrip()
    if not rest or not (rest[0].isupper() or rest[0].isdigit()):
        return match[0]
    return _lookup(words.before_name, match[1]) or match[0]


# --- addresses ----------------------------------------------------------------------------


def _host(host: str, words: Words) -> str:
    """ "jodlow-slaski.example.pl" as "jodlow slaski dot example dot pl"."""
    host = re.sub(r"^www\.", "", host, flags=re.IGNORECASE)
    return f" {words.dot} ".join(part.replace("-", " ") for part in host.split(".") if part)


def _url(url: str, words: Words) -> str:
    """A web address by its host alone: the path is for the QR code, not for the ear."""
    host = re.sub(r"^(?:https?://)?", "", url, flags=re.IGNORECASE).split("/")[0]
    return _host(host.split(":")[0], words)


def _email(address: str, words: Words) -> str:
    local, host = address.split("@", 1)
    local = f" {words.dot} ".join(p.replace("-", " ").replace("_", " ") for p in local.split("."))
    return f"{local} {words.at} {_host(host, words)}"


def _address(
    written: str, words: Words, keep: Callable[[str], str], say: Callable[[str, Words], str]
) -> str:
    trailing = TRAILING.search(written)
    end = trailing[0] if trailing else ""
    return keep(say(written[: len(written) - len(end)], words)) + end


# --- numbers ------------------------------------------------------------------------------


def _phone(match: re.Match[str], words: Words, keep: Callable[[str], str]) -> str:
    """A phone number in its groups, each said as a number ("811"), or digit by digit when it
    starts with a zero ("0 0"), with a pause between groups; not an amount ("1 250 000 zł")."""
    country, number = match[1], match[2]
    rest = match.string[match.end() :].lstrip()
    unit = re.match(r"[^\s\d.,;:!?)]+", rest)
    digits = re.sub(r"\D", "", number)
    if unit and unit[0] in words.units:
        return match[0]
    if not country and (len(digits) < 7 or (" " not in number and "-" not in number)):
        return match[0]
    groups = re.split(r"[ -]", number.replace("(", "").replace(")", ""))
    if len(groups) == 1:
        groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    said = [f"{words.plus} {country}"] if country else []
    said += [" ".join(g) if g.startswith("0") else g for g in groups if g]
    return keep(", ".join(said))


def _floor(match: re.Match[str], words: Words) -> str:
    """ "II piętro" as "drugie piętro"."""
    return f"{words.floors[match[2]][ROMAN.index(match[1])]} {match[2]}"


def _postcode(match: re.Match[str], keep: Callable[[str], str]) -> str:
    """ "57-561 Jodłów" as two numbers, not a subtraction or a range."""
    rest = match.string[match.end() :].lstrip()
    if not rest[:1].isupper():
        return match[0]
    return keep(f"{match[1]}, {match[2]}")


# --- dates and times ----------------------------------------------------------------------


def _ordinal(day: int, words: Words) -> str:
    if words.ordinals:
        return words.ordinals[day - 1]
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _date(match: re.Match[str], day: int, month: int, year: str, words: Words) -> str:
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return match[0]
    return f"{_ordinal(day, words)} {words.months[month - 1]} {year}"


def _word_date_rule(words: Words, lang: str) -> re.Pattern[str]:
    months = "|".join(words.months)
    if lang == "en":  # "December 20, 2026" and "20 December"
        return re.compile(
            rf"(?:\b(?P<m1>{months})\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?(?![\d:])"
            rf"|(?<![\d.,])(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m2>{months})\b)"
        )
    return re.compile(rf"(?<![\d.,])(?P<d2>\d{{1,2}})\.?\s+(?P<m2>{months})(?!\w)")


def _word_date(match: re.Match[str], words: Words) -> str:
    groups = match.groupdict()
    day = int(groups.get("d1") or groups["d2"])
    month = groups.get("m1") or groups["m2"]
    if not 1 <= day <= 31:
        return match[0]
    if groups.get("m1"):
        return f"{month} {_ordinal(day, words)}"
    return f"{_ordinal(day, words)} {month}"


def _days(written: str, lang: str) -> str:
    """ "wt.–czw." as "od wtorku do czwartku", "pon., śr." as "poniedziałek, środa"."""
    words = WORDS[lang]
    said: list[str] = []
    for part in re.split(r"\s*,\s*", written):
        ends = [e.strip().rstrip(".") for e in re.split(r"\s*[–—-]\s*", part)]
        names = [words.days[_day_key(e, words)] for e in ends]
        if len(names) == 2:
            said.append(words.day_range.format(a=names[0][1], b=names[1][1]))
        else:
            said.append(names[0][0])
    return ", ".join(said)


def _day_key(written: str, words: Words) -> str:
    return next(key for key in words.days if key.lower() == written.lower())


def _say_time(lang: str, hour: str, minute: str, meridiem: str | None) -> str:
    h, m = int(hour), int(minute)
    if lang == "en":
        if meridiem:
            suffix = "a.m." if meridiem in "Aa" else "p.m."
        else:
            suffix, h = ("a.m." if h < 12 else "p.m."), (h % 12 or 12)
        minutes = "" if m == 0 else f" oh {m}" if m < 10 else f" {m}"
        return f"{h}{minutes} {suffix}"
    if lang == "de":
        return f"{h} Uhr" + (f" {m}" if m else "")
    return f"{h}" if m == 0 else f"{h} {minute}"


def _time(match: re.Match[str], lang: str) -> str:
    meridiem = match[3] if lang == "en" and match.re.groups >= 3 else None
    return _say_time(lang, match[1], match[2], meridiem)


def _time_range(match: re.Match[str], lang: str) -> str:
    en = lang == "en"
    first = _say_time(lang, match[1], match[2], match[3] if en else None)
    second = _say_time(lang, match["h2"], match["m2"], match["p2"] if en else None)
    return WORDS[lang].time_range.format(a=first, b=second)


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r",(?:\s*,)+", ",", text)
    text = re.sub(r"([.!?])\.+", r"\1", text)
    return text.strip(" ,")
