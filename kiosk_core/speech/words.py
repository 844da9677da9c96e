"""The words a voice needs that the written text leaves out, per language: what abbreviations
stand for, the names of days and months, ordinal days, units after a number, and the few
letters each voice names wrongly.

Tables only; kiosk_core.speech.cleaning applies them. Each language's words are written as
that language's speakers read the kiosk's texts aloud (Polish addresses keep their Polish
words in every language: "ul. Rynek 1" is "ulica Rynek 1" to a German visitor too).
"""

from __future__ import annotations

from dataclasses import dataclass, field

Forms = tuple[str, str, str]
"""A word after a number: (one, few, many), e.g. ("złoty", "złote", "złotych"); languages
without a "few" form repeat "many"."""


@dataclass(frozen=True)
class Words:
    abbreviations: dict[str, str]
    """Written as a whole word (with its dot) -> said. Matched with a first letter of either
    case ("Np." at a sentence's start)."""
    before_name: dict[str, str]
    """Abbreviations said only before a capitalised word ("ul. Rynek", "pl. Wolności"): the
    same letters elsewhere mean something else ("pl." ends the address gov.pl.)."""
    units: dict[str, Forms]
    """Units and currencies after a number ("17 zł", "35 mm")."""
    days: dict[str, tuple[str, str]]
    """A weekday's abbreviation (without its dot) -> (its name, its name in a range "from
    Monday to Friday"). Read only before a time ("pon. 7:30"), where they cannot be words."""
    months: tuple[str, ...]
    """The twelve months as a date says them (in Polish, Czech, Ukrainian: "of December")."""
    ordinals: tuple[str, ...]
    """Day 1 to 31 as a date says it ("dwudziestego"); empty: "20th" (English)."""
    day_range: str
    time_range: str
    number_range: str
    year: str
    """A year written with an abbreviation after it ("2026 r."): how it is said."""
    year_abbreviations: tuple[str, ...]
    dot: str
    at: str
    plus: str
    times: str
    """"35 × 45 mm"."""
    before_number: dict[str, str] = field(default_factory=dict)
    """Abbreviations said only before a number ("No. 5"; "No." alone is a word)."""
    floors: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """A Roman numeral before one of these words is an ordinal ("II piętro": "drugie piętro"),
    I to X, in the form the word asks for."""
    letters: dict[str, str] = field(default_factory=dict)
    """Letters the voice names wrongly on their own (spelling a code), said as written here."""
    symbols: dict[str, str] = field(default_factory=dict)
    """Punctuation by name, as a key of the on-screen keyboard is heard."""
    plural: str = "pl"
    """How a number chooses among Forms: "pl", "uk", "czech" or "one" (en, de)."""
    and_word: str = "and"
    of_word: str = "of"
    """"12 / 4000" (characters typed of those allowed): "12 of 4000"."""


def _split(words: str) -> tuple[str, ...]:
    return tuple(words.split())


def _pl_ordinals() -> tuple[str, ...]:
    units = "pierwszego drugiego trzeciego czwartego piątego szóstego siódmego ósmego"
    units += " dziewiątego"
    teens = "dziesiątego jedenastego dwunastego trzynastego czternastego piętnastego"
    teens += " szesnastego siedemnastego osiemnastego dziewiętnastego"
    return _ordinals(_split(units), _split(teens), "dwudziestego", "trzydziestego", "{t} {u}")


def _cs_ordinals() -> tuple[str, ...]:
    units = "prvního druhého třetího čtvrtého pátého šestého sedmého osmého devátého"
    teens = "desátého jedenáctého dvanáctého třináctého čtrnáctého patnáctého šestnáctého"
    teens += " sedmnáctého osmnáctého devatenáctého"
    return _ordinals(_split(units), _split(teens), "dvacátého", "třicátého", "{t} {u}")


def _uk_ordinals() -> tuple[str, ...]:
    units = "першого другого третього четвертого п'ятого шостого сьомого восьмого дев'ятого"
    teens = "десятого одинадцятого дванадцятого тринадцятого чотирнадцятого п'ятнадцятого"
    teens += " шістнадцятого сімнадцятого вісімнадцятого дев'ятнадцятого"
    ordinals = list(_ordinals(_split(units), _split(teens), "двадцятого", "тридцятого", ""))
    # 21st: "двадцять першого", a cardinal ten before an ordinal unit
    ordinals[20:29] = [f"двадцять {u}" for u in _split(units)]
    ordinals[30] = "тридцять першого"
    return tuple(ordinals)


def _de_ordinals() -> tuple[str, ...]:
    units = _split("ersten zweiten dritten vierten fünften sechsten siebten achten neunten")
    teens = "zehnten elften zwölften dreizehnten vierzehnten fünfzehnten sechzehnten"
    teens += " siebzehnten achtzehnten neunzehnten"
    ones = _split("ein zwei drei vier fünf sechs sieben acht neun")
    ordinals = [*units, *_split(teens), "zwanzigsten"]
    ordinals += [f"{one}undzwanzigsten" for one in ones]
    ordinals += ["dreißigsten", "einunddreißigsten"]
    return tuple(ordinals)


def _ordinals(
    units: tuple[str, ...], teens: tuple[str, ...], twenty: str, thirty: str, joined: str
) -> tuple[str, ...]:
    ordinals = [*units, *teens, twenty]
    ordinals += [joined.format(t=twenty, u=u) for u in units]
    ordinals += [thirty, joined.format(t=thirty, u=units[0])]
    return tuple(ordinals)


SYMBOLS = ".,-@_+:/?!()'"
"""The punctuation of the on-screen keyboard (kiosk.ui.widgets.keyboard), in `_symbols`' order."""


def _symbols(names: str) -> dict[str, str]:
    said = names.split("|")
    assert len(said) == len(SYMBOLS), said
    return dict(zip(SYMBOLS, said, strict=True))


POLISH_ADDRESSES = {"ul.": "ulica", "al.": "aleja", "pl.": "plac", "os.": "osiedle"}
"""Polish address words, said so in every language: they are part of a street's name."""

PL = Words(
    abbreviations={
        "nr": "numer",
        "nr.": "numer",
        "tel.": "telefon",
        "godz.": "godzina",
        "pok.": "pokój",
        "np.": "na przykład",
        "ok.": "około",
        "m.in.": "między innymi",
        "tj.": "to jest",
        "tzn.": "to znaczy",
        "tzw.": "tak zwany",
        "itd.": "i tak dalej",
        "itp.": "i tym podobne",
        "ds.": "do spraw",
        "wg": "według",
        "św.": "święty",
        "woj.": "województwo",
        "pow.": "powiat",
        "tys.": "tysięcy",
        "mln": "milionów",
        "zob.": "zobacz",
        "pkt": "punkt",
        "ust.": "ustęp",
        "art.": "artykuł",
        "im.": "imienia",
        "dr": "doktor",
        "mgr": "magister",
        "inż.": "inżynier",
        "wew.": "wewnętrzny",
        "kom.": "komórka",
    },
    before_name=POLISH_ADDRESSES,
    units={
        "zł": ("złoty", "złote", "złotych"),
        "PLN": ("złoty", "złote", "złotych"),
        "gr": ("grosz", "grosze", "groszy"),
        "mm": ("milimetr", "milimetry", "milimetrów"),
        "cm": ("centymetr", "centymetry", "centymetrów"),
        "km": ("kilometr", "kilometry", "kilometrów"),
        "m²": ("metr kwadratowy", "metry kwadratowe", "metrów kwadratowych"),
        "kg": ("kilogram", "kilogramy", "kilogramów"),
        "min": ("minuta", "minuty", "minut"),
        "€": ("euro", "euro", "euro"),
        "EUR": ("euro", "euro", "euro"),
    },
    days={
        "pon": ("poniedziałek", "poniedziałku"),
        "pn": ("poniedziałek", "poniedziałku"),
        "wt": ("wtorek", "wtorku"),
        "śr": ("środa", "środy"),
        "czw": ("czwartek", "czwartku"),
        "pt": ("piątek", "piątku"),
        "sob": ("sobota", "soboty"),
        "niedz": ("niedziela", "niedzieli"),
        "ndz": ("niedziela", "niedzieli"),
        "nd": ("niedziela", "niedzieli"),
    },
    months=_split(
        "stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października"
        " listopada grudnia"
    ),
    ordinals=_pl_ordinals(),
    day_range="od {a} do {b}",
    time_range="od {a} do {b}",
    number_range="od {a} do {b}",
    year="{y} roku",
    year_abbreviations=("r.",),
    dot="kropka",
    at="małpa",
    plus="plus",
    times="na",
    of_word="z",
    letters={"W": "wu", "Z": "zet"},
    floors={
        "piętro": _split("pierwsze drugie trzecie czwarte piąte szóste siódme ósme dziewiąte")
        + ("dziesiąte",),
        "piętrze": _split("pierwszym drugim trzecim czwartym piątym szóstym siódmym ósmym")
        + ("dziewiątym", "dziesiątym"),
        "piętra": _split("pierwszego drugiego trzeciego czwartego piątego szóstego siódmego")
        + ("ósmego", "dziewiątego", "dziesiątego"),
    },
    symbols=_symbols(
        "kropka|przecinek|myślnik|małpa|podkreślnik|plus|dwukropek|ukośnik|znak zapytania"
        "|wykrzyknik|nawias otwierający|nawias zamykający|apostrof"
    ),
    and_word="i",
)

EN = Words(
    abbreviations={
        "tel.": "telephone",
        "e.g.": "for example",
        "i.e.": "that is",
        "etc.": "et cetera",
        "approx.": "approximately",
        "min.": "minutes",
        "hrs": "hours",
        "dept.": "department",
    },
    before_name=POLISH_ADDRESSES,
    units={
        "zł": ("zloty", "zlotys", "zlotys"),
        "PLN": ("zloty", "zlotys", "zlotys"),
        "mm": ("millimetre", "millimetres", "millimetres"),
        "cm": ("centimetre", "centimetres", "centimetres"),
        "km": ("kilometre", "kilometres", "kilometres"),
        "m²": ("square metre", "square metres", "square metres"),
        "kg": ("kilogram", "kilograms", "kilograms"),
        "min": ("minute", "minutes", "minutes"),
        "€": ("euro", "euros", "euros"),
        "EUR": ("euro", "euros", "euros"),
    },
    days={
        "Mon": ("Monday", "Monday"),
        "Tue": ("Tuesday", "Tuesday"),
        "Tues": ("Tuesday", "Tuesday"),
        "Wed": ("Wednesday", "Wednesday"),
        "Thu": ("Thursday", "Thursday"),
        "Thur": ("Thursday", "Thursday"),
        "Thurs": ("Thursday", "Thursday"),
        "Fri": ("Friday", "Friday"),
        "Sat": ("Saturday", "Saturday"),
        "Sun": ("Sunday", "Sunday"),
    },
    months=_split(
        "January February March April May June July August September October November December"
    ),
    ordinals=(),
    day_range="{a} to {b}",
    time_range="{a} to {b}",
    number_range="{a} to {b}",
    year="{y}",
    year_abbreviations=(),
    dot="dot",
    at="at",
    plus="plus",
    times="by",
    symbols=_symbols(
        "full stop|comma|hyphen|at|underscore|plus|colon|slash|question mark"
        "|exclamation mark|open bracket|close bracket|apostrophe"
    ),
    before_number={"No.": "number", "Nos.": "numbers", "Rm.": "room", "Rm": "room"},
    plural="one",
)

DE = Words(
    abbreviations={
        "Tel.": "Telefon",
        "Nr.": "Nummer",
        "z. B.": "zum Beispiel",
        "z.B.": "zum Beispiel",
        "u. a.": "unter anderem",
        "u.a.": "unter anderem",
        "d. h.": "das heißt",
        "d.h.": "das heißt",
        "ca.": "circa",
        "bzw.": "beziehungsweise",
        "usw.": "und so weiter",
        "ggf.": "gegebenenfalls",
        "inkl.": "inklusive",
        "Str.": "Straße",
        "Zi.": "Zimmer",
        "evtl.": "eventuell",
        "max.": "maximal",
        "mind.": "mindestens",
    },
    before_name=POLISH_ADDRESSES,
    units={
        "zł": ("Złoty", "Złoty", "Złoty"),
        "PLN": ("Złoty", "Złoty", "Złoty"),
        "mm": ("Millimeter", "Millimeter", "Millimeter"),
        "cm": ("Zentimeter", "Zentimeter", "Zentimeter"),
        "km": ("Kilometer", "Kilometer", "Kilometer"),
        "m²": ("Quadratmeter", "Quadratmeter", "Quadratmeter"),
        "kg": ("Kilogramm", "Kilogramm", "Kilogramm"),
        "min": ("Minute", "Minuten", "Minuten"),
        "Min.": ("Minute", "Minuten", "Minuten"),
        "€": ("Euro", "Euro", "Euro"),
        "EUR": ("Euro", "Euro", "Euro"),
    },
    days={
        "Mo": ("Montag", "Montag"),
        "Di": ("Dienstag", "Dienstag"),
        "Mi": ("Mittwoch", "Mittwoch"),
        "Do": ("Donnerstag", "Donnerstag"),
        "Fr": ("Freitag", "Freitag"),
        "Sa": ("Samstag", "Samstag"),
        "So": ("Sonntag", "Sonntag"),
    },
    months=_split(
        "Januar Februar März April Mai Juni Juli August September Oktober November Dezember"
    ),
    ordinals=_de_ordinals(),
    day_range="{a} bis {b}",
    time_range="von {a} bis {b}",
    number_range="{a} bis {b}",
    year="{y}",
    year_abbreviations=(),
    dot="Punkt",
    at="at",
    plus="plus",
    times="mal",
    of_word="von",
    symbols=_symbols(
        "Punkt|Komma|Bindestrich|at|Unterstrich|plus|Doppelpunkt|Schrägstrich|Fragezeichen"
        "|Ausrufezeichen|Klammer auf|Klammer zu|Apostroph"
    ),
    plural="one",
    and_word="und",
)

CS = Words(
    abbreviations={
        "tel.": "telefon",
        "č.": "číslo",
        "např.": "například",
        "tzv.": "takzvaný",
        "atd.": "a tak dále",
        "apod.": "a podobně",
        "cca": "cirka",
        "mj.": "mimo jiné",
        "hod.": "hodin",
        "nám.": "náměstí",
        "resp.": "respektive",
        "tj.": "to jest",
    },
    before_name=POLISH_ADDRESSES | {"ul.": "ulice"},
    units={
        "zł": ("zlotý", "zloté", "zlotých"),
        "PLN": ("zlotý", "zloté", "zlotých"),
        "Kč": ("koruna", "koruny", "korun"),
        "mm": ("milimetr", "milimetry", "milimetrů"),
        "cm": ("centimetr", "centimetry", "centimetrů"),
        "km": ("kilometr", "kilometry", "kilometrů"),
        "m²": ("metr čtvereční", "metry čtvereční", "metrů čtverečních"),
        "kg": ("kilogram", "kilogramy", "kilogramů"),
        "min": ("minuta", "minuty", "minut"),
        "€": ("euro", "eura", "eur"),
        "EUR": ("euro", "eura", "eur"),
    },
    days={
        "Po": ("pondělí", "pondělí"),
        "Út": ("úterý", "úterý"),
        "St": ("středa", "středy"),
        "Čt": ("čtvrtek", "čtvrtka"),
        "Pá": ("pátek", "pátku"),
        "So": ("sobota", "soboty"),
        "Ne": ("neděle", "neděle"),
    },
    months=_split(
        "ledna února března dubna května června července srpna září října listopadu prosince"
    ),
    ordinals=_cs_ordinals(),
    day_range="od {a} do {b}",
    time_range="od {a} do {b}",
    number_range="{a} až {b}",
    year="{y}",
    year_abbreviations=(),
    dot="tečka",
    at="zavináč",
    plus="plus",
    times="krát",
    of_word="z",
    symbols=_symbols(
        "tečka|čárka|pomlčka|zavináč|podtržítko|plus|dvojtečka|lomítko|otazník|vykřičník"
        "|levá závorka|pravá závorka|apostrof"
    ),
    plural="czech",
    and_word="a",
)

UK = Words(
    abbreviations={
        "вул.": "вулиця",
        "тел.": "телефон",
        "напр.": "наприклад",
        "пл.": "площа",
        "просп.": "проспект",
        "каб.": "кабінет",
        "кім.": "кімната",
        "бл.": "близько",
        "т. зв.": "так званий",
        "т. д.": "так далі",
        "т. п.": "тому подібне",
        "№": "номер",
    },
    before_name=POLISH_ADDRESSES,
    units={
        "zł": ("злотий", "злоті", "злотих"),
        "PLN": ("злотий", "злоті", "злотих"),
        "зл.": ("злотий", "злоті", "злотих"),
        "зл": ("злотий", "злоті", "злотих"),
        "грн": ("гривня", "гривні", "гривень"),
        "мм": ("міліметр", "міліметри", "міліметрів"),
        "mm": ("міліметр", "міліметри", "міліметрів"),
        "см": ("сантиметр", "сантиметри", "сантиметрів"),
        "км": ("кілометр", "кілометри", "кілометрів"),
        "м²": ("квадратний метр", "квадратні метри", "квадратних метрів"),
        "кг": ("кілограм", "кілограми", "кілограмів"),
        "хв": ("хвилина", "хвилини", "хвилин"),
        "хв.": ("хвилина", "хвилини", "хвилин"),
        "€": ("євро", "євро", "євро"),
    },
    days={
        "Пн": ("понеділок", "понеділка"),
        "Вт": ("вівторок", "вівторка"),
        "Ср": ("середа", "середи"),
        "Чт": ("четвер", "четверга"),
        "Пт": ("п'ятниця", "п'ятниці"),
        "Сб": ("субота", "суботи"),
        "Нд": ("неділя", "неділі"),
    },
    months=_split(
        "січня лютого березня квітня травня червня липня серпня вересня жовтня листопада грудня"
    ),
    ordinals=_uk_ordinals(),
    # "з" before a number is read as the letter's name: "від" says "from" as clearly
    day_range="від {a} до {b}",
    time_range="від {a} до {b}",
    number_range="від {a} до {b}",
    year="{y} року",
    year_abbreviations=("р.", "р"),
    dot="крапка",
    at="равлик",
    plus="плюс",
    times="на",
    plural="uk",
    of_word="із",  # a lone "з" is read as the letter's name
    symbols=_symbols(
        "крапка|кома|дефіс|равлик|підкреслення|плюс|двокрапка|скісна риска|знак питання"
        "|знак оклику|відкрита дужка|закрита дужка|апостроф"
    ),
    # a Ukrainian voice names Latin letters in English: as Ukrainians say them instead
    letters=dict(
        zip(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
            _split("а бе це де е еф ге ха і йот ка ель ем ен о пе ку ер ес те у ве дубль-ве ікс")
            + _split("ігрек зет"),
            strict=True,
        )
    ),
    and_word="і",
)

WORDS: dict[str, Words] = {"pl": PL, "en": EN, "de": DE, "cs": CS, "uk": UK}
"""Every language the kiosk speaks (kiosk_core.content.model.LANGUAGES)."""


def form(forms: Forms, number: str, plural: str) -> str:
    """The form of a word after `number` as written ("17", "2,5"); a fraction takes the
    form for many ("2,5 złotych" is what people say)."""
    one, few, many = forms
    if not number.isdigit():
        return many
    n = int(number)
    if plural == "one":
        return one if n == 1 else many
    if plural == "czech":
        return one if n == 1 else few if 2 <= n <= 4 else many
    if n == 1 or (plural == "uk" and n % 10 == 1 and n % 100 != 11):
        return one  # Ukrainian "21 злотий", Polish "21 złotych"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many
