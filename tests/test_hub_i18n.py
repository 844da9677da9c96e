"""The hub's web pages: every message of their Python and templates translated."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from hub.translations import translator

REPO = Path(__file__).resolve().parent.parent


def hub_messages() -> set[str]:
    method_map = [
        ("hub/**.py", "python"),
        ("hub/**/templates/**.html", "jinja2"),
        ("kiosk_core/content/fieldlabels.py", "python"),
        ("kiosk_core/content/problemtext.py", "python"),
    ]
    found = extract_from_dir(
        str(REPO), method_map, keywords={"_": None, "N_": None, "ngettext": (1, 2)}
    )
    return {m[2] if isinstance(m[2], str) else m[2][0] for m in found}


def test_the_pages_have_messages_to_translate() -> None:
    assert {"Sign in", "Reports", "Wrong user name or password."} <= hub_messages()


@pytest.mark.parametrize("lang", ["pl", "uk", "de", "cs"])
def test_every_hub_message_is_translated(lang: str) -> None:
    missing = sorted(hub_messages() - set(translator.catalog(lang)))
    assert missing == [], (
        f"untranslated in hub/locale/{lang}.po (scripts/update-catalogs): {missing}"
    )
