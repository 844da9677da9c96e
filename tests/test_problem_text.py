"""Content problems as a clerk reads them: the field by its label, in Polish and Ukrainian,
what is allowed in words (never pydantic's or YAML's English), and what a form needs to show
the message next to its input with what was typed kept (`message_for`)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from kiosk_core.content.fieldlabels import ITEMS, LABELS, label_id, model_of, model_paths
from kiosk_core.content.problems import ContentError, Problem
from kiosk_core.content.problemtext import Explanation, message_for
from kiosk_core.content.source import load_source
from kiosk_core.i18n import Translator
from tests.conftest import REPO, SAMPLE_CONTENT

HUB_CATALOGS = Translator(REPO / "hub" / "locale")


def translate(lang: str) -> Callable[[str], str]:
    return partial(HUB_CATALOGS.gettext, lang=lang)


Edit = Callable[[Path], None]


def append(name: str, text: str) -> Edit:
    def edit(root: Path) -> None:
        path = root / name
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")

    return edit


def replace(name: str, old: str, new: str) -> Edit:
    def edit(root: Path) -> None:
        path = root / name
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return edit


SERVICE = "\n- id: {id}\n  category: {category}\n  title: Nowa karta\n  summary: Opis\n"
EVENT = "\n- id: {id}\n  title: Nowe wydarzenie\n  start: {start}\n"

# (what, file, edit, Polish, Ukrainian): one bad value in each kind of content field.
CASES = [
    (
        "settings-timezone",
        "settings.yaml",
        replace("settings.yaml", "timezone: Europe/Warsaw", "timezone: Mars/Olympus"),
        "Strefa czasowa: „Mars/Olympus” nie jest strefą czasową; podaj nazwę taką jak "
        "Europe/Warsaw",
        "Часовий пояс: «Mars/Olympus» не є часовим поясом; вкажіть назву на кшталт Europe/Warsaw",
    ),
    (
        "settings-idle",
        "settings.yaml",
        replace("settings.yaml", "reset_after: 90", "reset_after: 5"),
        "Sekundy bez dotyku do pytania: musi wynosić co najmniej 15",
        "Секунди без дотику до запитання: має бути щонайменше 15",
    ),
    (
        "settings-unknown-field",
        "settings.yaml",
        append("settings.yaml", "kolor: czerwony\n"),
        "Ustawienia: nie ma tu pola „kolor”; sprawdź pisownię",
        "Налаштування: тут немає поля «kolor»; перевірте написання",
    ),
    (
        "service-category-id",
        "service_categories.yaml",
        append("service_categories.yaml", "\n- id: Sprawy Urzędowe\n  name: Sprawy\n"),
        "Identyfikator: tylko małe litery bez polskich znaków, cyfry, - i _ "
        "(najwyżej 64 znaki, na początku litera lub cyfra)",
        "Ідентифікатор: лише малі латинські літери без діакритики, цифри, - та _ "
        "(щонайбільше 64 символи, на початку літера або цифра)",
    ),
    (
        "service-fees",
        "services/dokumenty.yaml",
        append(
            "services/dokumenty.yaml",
            SERVICE.format(id="nowa", category="dokumenty") + "  fees: [10, 20]\n",
        ),
        "Opłaty: musi być tekstem: jeden wiersz po dwukropku albo tekst dla każdego języka "
        "w osobnych wierszach (pl: …, en: …)",
        "Оплати: має бути текстом: один рядок після двокрапки або текст для кожної мови "
        "в окремих рядках (pl: …, en: …)",
    ),
    (
        "service-category-reference",
        "services/dokumenty.yaml",
        append("services/dokumenty.yaml", SERVICE.format(id="nowa", category="paszporty")),
        "Kategoria usług: „paszporty” nie istnieje; wybierz jedną z: budownictwo, dokumenty, ",
        "Категорія послуг: «paszporty» не існує; виберіть одне з: budownictwo, dokumenty, ",
    ),
    (
        "service-room",
        "services/dokumenty.yaml",
        append(
            "services/dokumenty.yaml",
            SERVICE.format(id="nowa", category="dokumenty")
            + "  office: {name: Urząd, room: "
            + "x" * 81
            + "}\n",
        ),
        "Pokój: może mieć najwyżej 80 znaków",
        "Кімната: може мати щонайбільше 80 символів",
    ),
    (
        "event-category-name",
        "event_categories.yaml",
        append("event_categories.yaml", "- id: nauka\n  name: {en: Science}\n"),
        "Nazwa kategorii: tekst po polsku jest wymagany",
        "Назва категорії: текст польською обовʼязковий",
    ),
    (
        "event-impossible-date",
        "events/2026-jesien.yaml",
        append("events/2026-jesien.yaml", EVENT.format(id="luty", start="2026-02-30")),
        "Początek: „2026-02-30” nie jest poprawną datą ani godziną; datę zapisz jako "
        "2026-05-01, a godzinę jako 2026-05-01T18:00",
        "Початок: «2026-02-30» не є правильною датою чи часом; дату пишіть як 2026-05-01, "
        "а час як 2026-05-01T18:00",
    ),
    (
        "event-ends-before-it-starts",
        "events/2026-jesien.yaml",
        append(
            "events/2026-jesien.yaml",
            EVENT.format(id="wstecz", start="2026-10-02T18:00") + "  end: 2026-10-01T18:00\n",
        ),
        "Koniec: wydarzenie kończy się, zanim się zacznie",
        "Кінець: подія закінчується раніше, ніж починається",
    ),
    (
        "event-category-reference",
        "events/2026-jesien.yaml",
        append(
            "events/2026-jesien.yaml",
            EVENT.format(id="kino", start="2026-10-02T18:00") + "  category: kino\n",
        ),
        "Kategoria wydarzeń: „kino” nie istnieje; wybierz jedną z: kultura, ",
        "Категорія подій: «kino» не існує; виберіть одне з: kultura, ",
    ),
    (
        "event-all-day",
        "events/2026-jesien.yaml",
        append(
            "events/2026-jesien.yaml",
            EVENT.format(id="caly", start="2026-10-02") + "  all_day: chyba\n",
        ),
        "Cały dzień: odpowiedz true (tak) lub false (nie)",
        "Увесь день: відповідайте true (так) або false (ні)",
    ),
    (
        "report-category-email",
        "report_categories.yaml",
        replace(
            "report_categories.yaml",
            "department_email: drogi@jodlow-slaski.example.pl",
            "department_email: drogi-w-urzedzie",
        ),
        "E-mail wydziału: „drogi-w-urzedzie” nie jest adresem e-mail; zapisz go jak "
        "nazwa@przyklad.pl",
        "Електронна пошта відділу: «drogi-w-urzedzie» не є адресою електронної пошти; "
        "пишіть її як name@example.pl",
    ),
    (
        "alert-severity",
        "alerts.yaml",
        replace("alerts.yaml", "severity: warning", "severity: pilne"),
        "Waga: „pilne” nie jest jedną z możliwości: info, warning, danger",
        "Важливість: «pilne» не є одним із варіантів: info, warning, danger",
    ),
    (
        "attract-duration",
        "attract.yaml",
        append("attract.yaml", "- image: media/attract/witamy.png\n  duration: 0\n"),
        "Sekundy na ekranie: musi wynosić co najmniej 1",
        "Секунди на екрані: має бути щонайменше 1",
    ),
    (
        "attract-missing-image",
        "attract.yaml",
        append("attract.yaml", "- image: media/attract/brak.png\n"),
        "Obraz: w folderze treści nie ma pliku „media/attract/brak.png”",
        "Зображення: у теці вмісту немає файлу «media/attract/brak.png»",
    ),
    (
        "walk-start",
        "panoramas/walk.yaml",
        replace("panoramas/walk.yaml", "start: rynek", "start: ratusz-wieza"),
        "Miejsce startowe: „ratusz-wieza” nie istnieje; wybierz jedną z: ",
        "Початкове місце: «ratusz-wieza» не існує; виберіть одне з: ",
    ),
    (
        "yaml-syntax",
        "services/dokumenty.yaml",
        append("services/dokumenty.yaml", "\n- id: x\n  title: Godziny: 8-16\n"),
        "od tego wiersza nie da się odczytać pliku. Sprawdź, czy każdy wiersz ma postać "
        "„nazwa: wartość”, czy ma takie samo wcięcie jak wiersze powyżej i czy tekst "
        "z dwukropkiem lub # jest w cudzysłowie",
        "файл неможливо прочитати з цього рядка. Перевірте, чи кожен рядок має вигляд "
        "«назва: значення», чи має він такий самий відступ, як рядки вище, і чи текст "
        "із двокрапкою або # узято в лапки",
    ),
]
RAW = ("Input should", "String should", "Value error", "mapping values", "valid email")


def broken(tmp_path: Path, *edits: Edit) -> list[Problem]:
    root = tmp_path / "content"
    shutil.copytree(SAMPLE_CONTENT, root)
    for edit in edits:
        edit(root)
    with pytest.raises(ContentError) as info:
        load_source(root)
    return info.value.problems


@pytest.mark.parametrize(
    ("file", "edit", "pl", "uk"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_bad_value_is_explained_in_polish_and_ukrainian(tmp_path, file, edit, pl, uk) -> None:
    problems = broken(tmp_path, edit)
    assert {p.file for p in problems} == {file}, problems
    for lang, expected in (("pl", pl), ("uk", uk)):
        shown = [str(message_for(p, translate(lang))) for p in problems]
        assert any(s.startswith(expected) for s in shown), (lang, shown)
        assert not any(raw in s for s in shown for raw in RAW), shown


def test_a_form_gets_the_field_to_mark_its_label_and_the_value_typed(tmp_path) -> None:
    problems = broken(
        tmp_path,
        append("service_categories.yaml", "\n- id: Sprawy Urzędowe\n  name: Sprawy\n"),
        append(
            "events/2026-jesien.yaml",
            EVENT.format(id="wstecz", start="2026-10-02T18:00") + "  end: 2026-10-01T18:00\n",
        ),
    )
    explained = {p.file: message_for(p, translate("pl")) for p in problems}
    category = explained["service_categories.yaml"]
    assert category.field.endswith("].id") and category.field.startswith("[")
    assert category.label == "Identyfikator"
    assert category.value == "Sprawy Urzędowe"
    assert category.text.startswith("tylko małe litery bez polskich znaków, cyfry, - i _")
    event = explained["events/2026-jesien.yaml"]
    assert event.field.endswith("].end") and event.label == "Koniec"
    # The command line keeps its English text, naming the item as before.
    problem = next(p for p in problems if p.file == "events/2026-jesien.yaml")
    assert problem.message == "the event ends before it starts" and problem.code


def test_an_unknown_code_still_names_the_field_in_words() -> None:
    problem = Problem(
        "services/dokumenty.yaml", 3, "[0].fees.de", "Some new validator's English", "new_code"
    )
    explained = message_for(problem, translate("pl"))
    assert explained == Explanation(
        "[0].fees.de",
        "Opłaty (niemiecki)",
        "tej wartości nie można tu użyć; sprawdź, co zostało wpisane",
        None,
    )
    assert str(explained).startswith("Opłaty (niemiecki): ")
    english = message_for(problem, lambda m: m)
    assert str(english) == "Fees (German): this value cannot be used here; check what was typed"


def test_a_broken_translation_does_not_break_the_page() -> None:
    problem = Problem("attract.yaml", 2, "[0].duration", "x", "greater_than_equal", {"ge": 1.0})
    assert str(message_for(problem, lambda m: "{oops")) == "{oops: must be at least 1"


@pytest.mark.parametrize("kind", list(ITEMS))
def test_every_field_of_every_kind_has_a_label(kind: str) -> None:
    paths = model_paths(model_of(kind))
    assert paths
    unlabelled = [p for p in paths if label_id(kind, p.split(".")) is None]
    assert unlabelled == []
    own = [p for p in paths if p in LABELS[kind]]
    assert own or kind == "event_categories"
