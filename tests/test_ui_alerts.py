"""The alert banner: on every screen, most severe first, taking turns, within each alert's
validity window, which is looked at again while the kiosk stands idle."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import kiosk.ui.app
from tests.conftest import write_tree
from tests.kivy_driver import FakeClock

WARSAW = ZoneInfo("Europe/Warsaw")
ALERTS = """\
- id: biblioteka
  severity: info
  text: {pl: Biblioteka nieczynna w sobotę, en: The library is closed on Saturday}
  valid_from: 2026-12-01T00:00:00+01:00
  valid_until: 2026-12-10T00:00:00+01:00
- id: drogi
  severity: warning
  text: {pl: Gołoledź na drogach, en: Black ice on the roads}
  valid_from: 2026-12-01T00:00:00+01:00
  valid_until: 2026-12-10T00:00:00+01:00
- id: powodz
  severity: danger
  text: {pl: Ostrzeżenie powodziowe, en: Flood warning}
  valid_from: 2026-12-05T12:00:00+01:00
  valid_until: 2026-12-06T12:00:00+01:00
"""


def tree(root: Path) -> Path:
    write_tree(root)
    (root / "alerts.yaml").write_text(ALERTS, encoding="utf-8")
    return root


def at(day: int, hour: int) -> float:
    return datetime(2026, 12, day, hour, 0, tzinfo=WARSAW).timestamp()


def test_banner_by_severity_in_turns_and_within_validity(kiosk_app, tmp_path, monkeypatch):
    monkeypatch.setattr(kiosk.ui.app, "ALERT_SECONDS", 0.3)
    app, ui = kiosk_app(content=tree(tmp_path / "src"), clock=FakeClock(at(3, 10)))
    alerts = app.catalog.alerts(app.now())
    assert [a.severity for a in alerts] == ["warning", "info"]  # most severe first
    assert app.alert_text.endswith(("(1/2)", "(2/2)"))
    seen = set()
    for _ in range(6):
        ui.wait(0.15)
        seen.add(app.alert_severity)
    assert seen == {"warning", "info"}
    ui.choose_language("English")
    ui.tap(ui.button("Events"))
    banner = app.root_widget.ids.alert
    assert banner.height > 0 and "(" in banner.text
    english = {"Black ice on the roads", "The library is closed on Saturday"}
    assert app.alert_text.split("   ")[0] in english
    ui.screenshot("alerts-warning-events")
    # days later the danger alert's window opens while nobody touches: it takes the banner
    ui.clock.now = at(5, 13)
    ui.wait(0.5)
    assert app.alert_severity == "danger"
    assert app.alert_text == "Ostrzeżenie powodziowe"  # the idle reset: Polish again
    ui.screenshot("alerts-danger")
    ui.clock.now = at(6, 13)
    ui.wait(0.5)
    assert app.alert_severity in {"warning", "info"}
    ui.clock.now = at(11, 9)
    ui.wait(0.5)
    assert app.alert_text == "" and app.root_widget.ids.alert.height == 0
