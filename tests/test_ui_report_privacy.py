"""The report form's review step says, in the visitor's language, what of the report will be
public: by its category's rules, in the real app and a real window."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import REPORTS, write_tree

CATEGORIES = REPORTS.replace(
    "  department_email: sekretariat@example.org\n",
    "  department_email: sekretariat@example.org\n  public: {description: never, place: exact}\n",
)
"""`lampa` with the defaults; `idea` never publishes the words, and publishes the exact place."""
SAID = {
    "pl": ("około 100 m", "dopiero wtedy, gdy urząd", "nigdy nie są publikowane"),
    "en": ("within about 100 m", "only if the town hall decides", "are never published"),
    "de": ("etwa 100 m", "nur dann veröffentlicht, wenn das Rathaus", "werden nie veröffentlicht"),
    "cs": ("asi 100 m", "jen tehdy, když", "se nikdy nezveřejňují"),
    "uk": ("близько 100 м", "лише тоді, коли", "ніколи не публікуються"),
}
"""A few words of each sentence for `lampa`, in each language: the place to about 100 m, the
description after review, contact details never."""


def in_sight(label) -> bool:
    from kivy.core.window import Window

    x, y = label.to_window(label.x, label.y)
    return (
        label.opacity > 0
        and label.texture_size[1] > 0
        and x >= 0
        and y >= 0
        and x + label.width <= Window.width + 1
        and y + label.height <= Window.height + 1
    )


def review(ui, report, service_code: str) -> None:
    """Category, a description, here, anonymous: the review step."""
    ui.tap(next(t for t in ui.find("CategoryTile") if t.service_code == service_code))
    if not report.description:
        ui.type_on(report.ids.description_keys, "Ciemno")
    ui.tap(report.ids.next_description)
    ui.tap(report.ids.here)
    ui.tap(report.ids.next_location)
    ui.tap(report.ids.next_contact)
    assert report.step == "review", report.error


def test_the_review_step_says_what_will_be_public(kiosk_app, tmp_path: Path) -> None:
    src = write_tree(tmp_path / "src")
    (src / "report_categories.yaml").write_text(CATEGORIES, encoding="utf-8")
    app, ui = kiosk_app(content=src)
    ui.tap(app.manager.get_screen("home").ids.report)
    report = ui.screen
    review(ui, report, "lampa")
    notice = report.ids.public_notice
    for lang, words in SAID.items():
        if lang != app.lang:
            ui.choose_language(dict(app.languages)[lang])
        assert app.lang == lang and report.step == "review"
        for part in words:
            assert part in notice.text, (lang, part, notice.text)
        assert "[" not in notice.text and not notice.markup
        assert in_sight(notice), lang
        ui.screenshot(f"report-review-public-{lang}")

    # Another category, other rules: the words never, the exact place.
    ui.choose_language("Polski")
    for _step in range(4):
        ui.tap(ui.button("Wstecz"))
    assert report.step == "category"
    review(ui, report, "idea")
    assert "dokładne miejsce" in notice.text
    assert "Twój opis nigdy nie jest publikowany" in notice.text
    assert "około 100 m" not in notice.text and "dopiero wtedy" not in notice.text
    ui.screenshot("report-review-public-never-pl")
