"""The hub's message catalogs (`hub/locale/<lang>.po`), one translator for the web pages and
the e-mails alike: message ids are English, `scripts/update-catalogs hub` collects them."""

from __future__ import annotations

from pathlib import Path

from kiosk_core.i18n import Translator

LOCALE_DIR = Path(__file__).parent / "locale"
translator = Translator(LOCALE_DIR)
