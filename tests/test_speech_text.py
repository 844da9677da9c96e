"""Read-aloud's text: what the voice is given for the kiosk's texts, in each language.

Each case is a text the kiosk shows (most from the sample content or the kiosk's own date
formats) and the words a listener must hear; `kiosk speak --out` lets staff hear them.
"""

from __future__ import annotations

import pytest

from kiosk_core.speech.cleaning import clean
from kiosk_core.speech.spelling import character_name, spell
from kiosk_core.speech.utterance import Spell, speakable
from kiosk_core.speech.words import WORDS, form


@pytest.mark.parametrize(
    ("lang", "written", "said"),
    [
        # addresses and abbreviations
        ("pl", "ul. Rynek 1, 57-561 Jodłów Śląski", "ulica Rynek 1, 57, 561 Jodłów Śląski"),
        ("pl", "al. Wolności 3, pl. Kościelny 2", "aleja Wolności 3, plac Kościelny 2"),
        ("pl", "Referat Podatków, pok. 12, nr 5", "Referat Podatków, pokój 12, numer 5"),
        ("pl", "np. dowód, ok. 30 min, godz. 8:00", "na przykład dowód, około 30 minut, godzina 8"),
        ("pl", "dokumenty, zdjęcia itd. Potem", "dokumenty, zdjęcia i tak dalej. Potem"),
        (
            "en",
            "ul. Rynek 1 (Market Square), e.g. at No. 5",
            "ulica Rynek 1 (Market Square), for example at number 5",
        ),
        ("en", "Say No. Then", "Say No. Then"),
        (
            "de",
            "z. B. in der ul. Rynek 1, Tel. 74",
            "zum Beispiel in der ulica Rynek 1, Telefon 74",
        ),
        ("cs", "např. ul. Rynek 1, č. 5", "například ulice Rynek 1, číslo 5"),
        ("uk", "вул. Ринек, 1, тел. 22", "вулиця Ринек, 1, телефон 22"),
        # "pl." ends a web address, not a square
        ("pl", "w serwisie gov.pl. Dowód", "w serwisie gov kropka pl. Dowód"),
        # phone numbers in their groups; a group starting with 0 digit by digit
        ("pl", "tel. +48 74 811 20 00", "telefon plus 48, 74, 811, 20, 0 0"),
        ("uk", "+48 74 811 20 05", "плюс 48, 74, 811, 20, 0 5"),
        ("pl", "„Niebieska Linia” 800 120 002.", "„Niebieska Linia” 800, 120, 0 0 2."),
        # amounts are not phone numbers; units agree with their number
        (
            "pl",
            "250 000 zł, 1 zł, 2 zł, 5 zł, 22 zł",
            "250000 złotych, 1 złoty, 2 złote, 5 złotych, 22 złote",
        ),
        ("uk", "21 зл, 250 000 злотих", "21 злотий, 250000 злотих"),
        ("cs", "17 zł, 3 zł", "17 zlotých, 3 zloté"),
        ("en", "1 zł, 17 zł", "1 zloty, 17 zlotys"),
        ("de", "250 000 PLN", "250000 Złoty"),
        ("pl", "35 × 45 mm", "35 na 45 milimetrów"),
        # as the sample cards write fees and floors
        (
            "en",
            "PLN 1 per m² of usable floor area, at most PLN 539",
            "1 zloty per square metre of usable floor area, at most 539 zlotys",
        ),
        ("pl", "1 zł za m² powierzchni", "1 złoty za metr kwadratowy powierzchni"),
        (
            "pl",
            "ul. Rynek 1, II piętro; na III piętrze",
            "ulica Rynek 1, drugie piętro; na trzecim piętrze",
        ),
        ("pl", "dzieci 3–6 lat", "dzieci od 3 do 6 lat"),
        ("pl", "12 / 4000", "12 z 4000"),
        ("de", "12 / 4000", "12 von 4000"),
        # opening hours: days, ranges, times
        (
            "pl",
            "pon. 7:30–17:00, wt.–czw. 7:30–15:30, pt. 7:30–14:00",
            "poniedziałek od 7 30 do 17, od wtorku do czwartku od 7 30 do 15 30,"
            " piątek od 7 30 do 14",
        ),
        (
            "en",
            "Mon 7:30–17:00, Tue–Thu 7:30–15:30",
            "Monday 7 30 a.m. to 5 p.m., Tuesday to Thursday 7 30 a.m. to 3 30 p.m.",
        ),
        (
            "de",
            "Mo 7:30–17:00, Di–Do 7:30–15:30",
            "Montag von 7 Uhr 30 bis 17 Uhr, Dienstag bis Donnerstag von 7 Uhr 30 bis 15 Uhr 30",
        ),
        ("de", "um 8:05 Uhr", "um 8 Uhr 5"),
        ("cs", "Út–Čt 7:30–15:30, do 8:00", "od úterý do čtvrtka od 7 30 do 15 30, do 8"),
        ("uk", "Вт–Чт 7:30–15:30", "від вівторка до четверга від 7 30 до 15 30"),
        # a German "do" or Czech "po" before a time is not a weekday
        ("cs", "po 8:00", "po 8"),
        # dates as the kiosk writes them (kiosk_core.dates) and as content does
        (
            "pl",
            "niedziela, 20 grudnia 2026, 18:00–20:00",
            "niedziela, dwudziestego grudnia 2026, od 18 do 20",
        ),
        ("pl", "do 31.03.2026 r.", "do trzydziestego pierwszego marca 2026 roku"),
        (
            "en",
            "Sunday, December 20, 2026, 6:00 PM–8:00 PM",
            "Sunday, December 20th, 2026, 6 p.m. to 8 p.m.",
        ),
        ("en", "on 2026-12-01 at 9:05", "on 1st December 2026 at 9 oh 5 a.m."),
        (
            "de",
            "Sonntag, 20. Dezember 2026, 18:00–20:00",
            "Sonntag, zwanzigsten Dezember 2026, von 18 Uhr bis 20 Uhr",
        ),
        ("cs", "neděle 21. prosince 2026", "neděle dvacátého prvního prosince 2026"),
        ("uk", "неділя, 21 грудня 2026 р.", "неділя, двадцять першого грудня 2026 року"),
        # web and e-mail addresses: the host, a dot said as a word, no path
        (
            "pl",
            "Napisz: urzad@jodlow-slaski.example.pl lub https://jodlow-slaski.example.pl/ua.",
            "Napisz: urzad małpa jodlow slaski kropka example kropka pl lub jodlow slaski"
            " kropka example kropka pl.",
        ),
        ("de", "www.example.de/kontakt", "example Punkt de"),
        ("cs", "podatki@jodlow.pl", "podatki zavináč jodlow tečka pl"),
        # lines and bullets become pauses
        ("en", "Documents\n•  ID card\n•  Photo", "Documents. ID card. Photo"),
    ],
)
def test_cleaned_for_speech(lang: str, written: str, said: str) -> None:
    assert clean(written, lang) == said


def test_every_language_has_every_table() -> None:
    for lang, words in WORDS.items():
        assert len(words.months) == 12, lang
        assert len(words.ordinals) in (0, 31), lang
        assert words.days and words.abbreviations, lang
        for forms in words.units.values():
            assert len(forms) == 3, lang


@pytest.mark.parametrize(
    ("plural", "expected"),
    [
        ("pl", {1: 0, 2: 1, 4: 1, 5: 2, 12: 2, 21: 2, 22: 1, 112: 2, 124: 1}),
        ("uk", {1: 0, 2: 1, 5: 2, 11: 2, 21: 0, 22: 1, 111: 2}),
        ("czech", {1: 0, 2: 1, 4: 1, 5: 2, 22: 2}),
        ("one", {1: 0, 2: 2, 21: 2}),
    ],
)
def test_forms_after_a_number(plural: str, expected: dict[int, int]) -> None:
    forms = ("one", "few", "many")
    assert {n: forms.index(form(forms, str(n), plural)) for n in expected} == expected
    assert form(forms, "2,5", plural) == "many"


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("pl", "7, K, Q. 4, X, M."),
        ("en", "7, K, Q. 4, X, M."),
        # a Ukrainian voice would name Latin letters in English
        ("uk", "7, ка, ку. 4, ікс, ем."),
    ],
)
def test_reference_code_letter_by_letter(lang: str, said: str) -> None:
    assert spell("7KQ-4XM", lang) == said


def test_letters_a_voice_names_wrongly() -> None:
    assert spell("WZ2", "pl") == "wu, zet, 2."
    assert character_name("a", "en") == "A"  # alone, "a" is an article
    assert character_name("ß", "de") == "ß"
    assert character_name("@", "cs") == "zavináč"
    assert character_name(".", "pl") == "kropka"


def test_a_screen_is_said_as_sentences() -> None:
    said = speakable(
        ["Dziękujemy", "Twój numer zgłoszenia", Spell("7KQ-4XM"), "", "Tel. 74 811 20 00"], "pl"
    )
    assert said == (
        "Dziękujemy. Twój numer zgłoszenia. 7, K, Q. 4, X, M. telefon 74, 811, 20, 0 0."
    )


def test_a_language_the_kiosk_does_not_speak() -> None:
    with pytest.raises(KeyError):
        clean("text", "fr")
