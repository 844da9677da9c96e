"""Reporting a problem in five large steps: category, description, place, contact, review.

The form lives in a ReportDraft (plain Python); this screen only shows the step, passes
keys to the draft and says what needs correcting. Sending goes through the app, which stores
the report durably before the thank-you screen appears.
"""

from __future__ import annotations

from kivy.factory import Factory
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.ui.markup import labelled, lines
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.visit.publicnotice import public_notice
from kiosk_core.content.model import tr
from kiosk_core.geo import OutsideMap, latlong_to_tap, tap_to_latlong
from kiosk_core.i18n import N_
from kiosk_core.reports import (
    ReportDraft,
    ReportError,
    check_contact,
    check_description,
    check_location,
)


class ReportStep(BoxLayout):
    """One step's content after the first, built when the visitor first reaches it: most
    visitors never file a report, and the form opens at once."""

    report = ObjectProperty(None, rebind=True)


load_kv(__file__)

STEPS = ("category", "description", "location", "contact", "review")
STEP_LAYOUTS = {
    "description": "DescriptionStep",
    "location": "LocationStep",
    "contact": "ContactStep",
    "review": "ReviewStep",
}
TYPED = ("description", "address", "name_text", "email", "phone")
"""The texts a visitor types into the form."""
KEYBOARDS = {
    "description_keys": "description",
    "address_keys": "address",
    "contact_keys": "",
}
"""Each step's keyboard and the field it types into ("": the contact field chosen)."""

ERRORS = {
    "category_missing": N_("Please choose what you are reporting."),
    "description_empty": N_("Please describe the problem in a few words."),
    "description_too_long": N_("The description is too long (at most 4000 characters)."),
    "location_missing": N_("Please say where the problem is."),
    "address_empty": N_("Please type the address or place."),
    "address_too_long": N_("The address is too long."),
    "outside_map": N_("Please touch a point inside the map."),
    "email_invalid": N_("This e-mail address does not look right, e.g. jan@example.pl"),
    "phone_invalid": N_("This phone number does not look right, e.g. +48 600 100 200"),
    "name_too_long": N_("The name is too long."),
    "contact_empty": N_("Please give at least one way to reach you, or stay anonymous."),
    "consent_missing": N_("To leave your contact details, please tick the consent box."),
    "save_failed": N_("Sorry, the report could not be saved. Please try again."),
}

ICONS = {
    "pothole": "⚠",
    "road": "⚠",
    "lamp": "☼",
    "light": "☼",
    "dump": "♻",
    "bin": "♻",
    "waste": "♻",
    "tree": "♣",
    "green": "♣",
    "sign": "⚑",
    "playground": "☺",
    "animal": "♞",
    "snow": "❄",
    "idea": "✎",
    "water": "☂",
    "safety": "⚠",
}
"""Report category icons drawn with glyphs every kiosk font has (DejaVu Sans)."""

LOCATION_MODES = ("here", "map", "address")


def icon_for(name: str | None) -> str:
    if not name:
        return "•"
    for key, glyph in ICONS.items():
        if key in name:
            return glyph
    return "•"


class ReportScreen(KioskScreen):
    step = StringProperty(STEPS[0])
    step_number = NumericProperty(1)
    error = StringProperty("")
    category_name = StringProperty("")
    description = StringProperty("")
    location_mode = StringProperty("")
    location_text = StringProperty("")
    address = StringProperty("")
    marker = ObjectProperty(None, allownone=True)
    consent = BooleanProperty(False)
    anonymous = BooleanProperty(True)
    active_field = StringProperty("name")
    name_text = StringProperty("")
    email = StringProperty("")
    phone = StringProperty("")
    review_text = StringProperty("")
    public_notice = StringProperty("")
    """What of the report will be public, by its category's rules (plain text)."""
    sending = BooleanProperty(False)
    has_map = BooleanProperty(False)
    map_source = StringProperty("")

    def on_kv_post(self, _base) -> None:
        self.draft = ReportDraft()
        self._tiles: list = []
        self._tiles_show: list = []
        self.bind(**dict.fromkeys(TYPED, self._typed))

    def _build_step(self, step: str) -> None:
        """The step's layout, the first time it is reached; its ids join the screen's."""
        holder = self.ids.steps.get_screen(step)
        if step not in STEP_LAYOUTS or holder.children:
            return
        content = Factory.get(STEP_LAYOUTS[step])(report=self)
        holder.add_widget(content)
        self.ids.update(content.ids)
        for name, field in KEYBOARDS.items():
            if name in content.ids:
                content.ids[name].lang = self.app.lang
                content.ids[name].bind(text=self.setter(field) if field else self._contact_typed)

    def holds_input(self) -> bool:
        return bool(self.draft.service_code or self.marker or any(getattr(self, t) for t in TYPED))

    def _keyboards(self) -> list:
        return [self.ids[name] for name in KEYBOARDS if name in self.ids]

    # --- navigation between steps ----------------------------------------------------------

    def show(self, **_params) -> None:
        self.refresh()

    def refresh(self) -> None:
        app = self.app
        for keys in self._keyboards():
            keys.lang = app.lang
        area = app.catalog.settings.map
        self.has_map = area is not None
        path = app.catalog.release.media_path(area.image) if area else None
        self.map_source = str(path) if path else ""
        self._fill_categories()
        self._update_texts()

    def go_step(self, step: str) -> None:
        self.error = ""
        self.step = step
        self.step_number = STEPS.index(step) + 1
        self._build_step(step)
        self.ids.steps.current = step
        if step == "review":
            self._update_texts()

    def spoken_page(self) -> tuple:
        return (self.step, self.error)

    def spoken(self) -> list:
        """An error alone (it is what changed), else the step."""
        return [self.error] if self.error else super().spoken()

    def handle_back(self) -> bool:
        index = STEPS.index(self.step)
        if index == 0:
            return False
        self.go_step(STEPS[index - 1])
        return True

    def next_step(self) -> None:
        try:
            self._check_step()
        except ReportError as exc:
            self.show_error(exc.code)
            return
        self.go_step(STEPS[STEPS.index(self.step) + 1])

    def show_error(self, code: str) -> None:
        self.error = self.app._(ERRORS.get(code, ERRORS["save_failed"]))

    def _check_step(self) -> None:
        d = self.draft
        if self.step == "description":
            d.description = self.description
            check_description(self.description)
        elif self.step == "location":
            if self.location_mode == "address":
                d.address_string = self.address
            check_location(d.lat, d.long, d.address_string)
        elif self.step == "contact":
            self._store_contact()
            if not self.anonymous and not self.consent:
                raise ReportError("consent_missing", "contact")
            if d.consent:
                check_contact(d.first_name, d.last_name, d.email, d.phone)

    def _typed(self, *_args) -> None:
        self.error = ""  # the visitor is correcting it

    # --- step 1: category --------------------------------------------------------------------

    def _fill_categories(self) -> None:
        """Tiles by group; built again only when what they say changed (a new language or
        release), the chosen one only marked."""
        app = self.app
        groups: dict[str, list] = {}
        for category in app.catalog.report_categories(app.now()):
            groups.setdefault(tr(category.group, app.lang), []).append(category)
        shown = [
            (group, [(c.service_code, c.icon, tr(c.name, app.lang)) for c in categories])
            for group, categories in groups.items()
        ]
        if shown == self._tiles_show:
            for tile in self._tiles:
                tile.selected = tile.service_code == self.draft.service_code
            return
        self._tiles_show, self._tiles = shown, []
        box = self.ids.categories
        box.clear_widgets()
        for group, categories in groups.items():
            box.add_widget(Factory.SectionTitle(text=group))
            grid = Factory.CategoryGrid()
            for category in categories:
                tile = Factory.CategoryTile(
                    text=f"{icon_for(category.icon or category.service_code)}  "
                    f"{tr(category.name, app.lang)}",
                    selected=category.service_code == self.draft.service_code,
                )
                tile.service_code = category.service_code
                tile.bind(on_release=self._category_chosen)
                grid.add_widget(tile)
                self._tiles.append(tile)
            box.add_widget(grid)

    def _category_chosen(self, tile) -> None:
        self.draft.service_code = tile.service_code
        self._fill_categories()
        self._update_texts()
        self.go_step("description")

    # --- step 3: location ----------------------------------------------------------------------

    def choose_location(self, mode: str) -> None:
        self.error = ""
        self.location_mode = mode
        self.draft.address_string = None
        self.draft.lat = self.draft.long = None
        self.marker = None
        if mode == "here":
            here = self.app.kiosk.location or self.app.catalog.settings.location
            self.draft.lat, self.draft.long = here.lat, here.long
        self._update_texts()

    def map_touched(self, image, touch) -> bool:
        """A tap on the map image: the point becomes the report's lat/long."""
        if not image.collide_point(*touch.pos) or self.location_mode != "map":
            return False
        area = self.app.catalog.settings.map
        width, height = image.norm_image_size
        if not width or not height:
            return False
        left = image.center_x - width / 2
        top = image.center_y + height / 2
        try:
            lat, long = tap_to_latlong(area, (touch.x - left) / width, (top - touch.y) / height)
        except OutsideMap:
            self.show_error("outside_map")
            return True
        self.error = ""
        self.draft.lat, self.draft.long = lat, long
        self.marker = (lat, long)
        self._update_texts()
        return True

    def marker_pos(self, image, marker) -> tuple[float, float]:
        if not marker:
            return (-1000, -1000)
        area = self.app.catalog.settings.map
        fx, fy = latlong_to_tap(area, *marker)
        width, height = image.norm_image_size
        return (image.center_x - width / 2 + fx * width, image.center_y + height / 2 - fy * height)

    # --- step 4: contact -----------------------------------------------------------------------

    def set_anonymous(self, anonymous: bool) -> None:
        self.anonymous = anonymous
        self.error = ""
        if anonymous:
            self.consent = False

    def toggle_consent(self) -> None:
        self.consent = not self.consent
        self.anonymous = not self.consent

    def activate(self, field_name: str) -> None:
        self.active_field = field_name
        self.ids.contact_keys.text = getattr(
            self, {"name": "name_text"}.get(field_name, field_name)
        )

    def _contact_typed(self, _keys, text: str) -> None:
        setattr(self, {"name": "name_text"}.get(self.active_field, self.active_field), text)

    def _store_contact(self) -> None:
        d = self.draft
        d.consent = self.consent and not self.anonymous
        first, _, last = self.name_text.strip().partition(" ")
        d.first_name, d.last_name = (first or None), (last or None)
        d.email, d.phone = self.email or None, self.phone or None

    # --- step 5: review and send ------------------------------------------------------------------

    def _update_texts(self) -> None:
        app = self.app
        code = self.draft.service_code
        match = [c for c in app.catalog.report_categories(app.now()) if c.service_code == code]
        self.category_name = tr(match[0].name, app.lang) if match else ""
        notice = public_notice(match[0].public) if match else []
        self.public_notice = " ".join(app._(sentence) for sentence in notice)
        if self.location_mode == "here":
            self.location_text = app._("Here, at this kiosk")
        elif self.location_mode == "map" and self.draft.lat is not None:
            self.location_text = f"{self.draft.lat:.5f}, {self.draft.long:.5f}"
        elif self.location_mode == "address":
            self.location_text = self.address
        else:
            self.location_text = ""
        contact = app._("Anonymous")
        if self.consent and not self.anonymous:
            contact = ", ".join(filter(None, (self.name_text, self.email, self.phone)))
        rows = [
            (app._("Category"), self.category_name),
            (app._("Description"), self.description),
            (app._("Place"), self.location_text),
            (app._("Contact"), contact),
        ]
        self.review_text = lines(labelled(label, value) for label, value in rows)

    def send(self) -> None:
        if self.sending:
            return  # a double tap sends once
        self.sending = True
        self._store_contact()
        self.draft.description = self.description
        try:
            self.app.submit_report(self.draft)
        except ReportError as exc:
            self.sending = False
            self.show_error(exc.code)
            self.go_step(
                {
                    "description": "description",
                    "address": "location",
                    "location": "location",
                    "service_code": "category",
                }.get(exc.field, "contact")
            )
            self.show_error(exc.code)
        except Exception:
            self.sending = False
            self.show_error("save_failed")

    def reset(self) -> None:
        """A new visitor gets an empty form; nothing the last one typed survives."""
        self.draft = ReportDraft()
        for keys in self._keyboards():
            keys.text = ""
        for typed in TYPED:
            setattr(self, typed, "")
        self.location_mode = self.location_text = self.review_text = self.error = ""
        self.public_notice = ""
        self.category_name = ""
        self.marker = None
        self.consent = False
        self.anonymous = True
        self.active_field = "name"
        self.sending = False
        self.go_step(STEPS[0])
