"""Reporting a problem in large steps: category, description, the category's questions (when
it asks some), place, contact, review.

The form lives in a ReportDraft (plain Python); this screen only shows the step, passes
keys to the draft and says what needs correcting. The answers are checked by
kiosk_core.reportanswers as the hub checks them. Sending goes through the app, which stores
the report durably before the thank-you screen appears.
"""

from __future__ import annotations

from kivy.core.image import Image as CoreImage
from kivy.factory import Factory
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.ui.markup import labelled, lines
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets.placemap import PlaceMap
from kiosk.visit.publicnotice import public_notice
from kiosk_core.content.model import LIST_DATATYPES, ReportCategory, tr
from kiosk_core.geo import OutsideMap, latlong_to_tap, nearest_street, tap_to_latlong
from kiosk_core.i18n import N_
from kiosk_core.reportanswers import (
    AnswerRefused,
    QuestionPage,
    check_answer,
    chosen,
    max_length,
    question_pages,
    typed,
)
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

STEPS = ("category", "description", "questions", "location", "contact", "review")
"""Every step; `questions` only for a category that asks some."""
STEP_LAYOUTS = {
    "description": "DescriptionStep",
    "questions": "QuestionsStep",
    "location": "LocationStep",
    "contact": "ContactStep",
    "review": "ReviewStep",
}
TYPED = ("description", "address", "name_text", "email", "phone", "answer_text")
"""The texts a visitor types into the form."""
KEYBOARDS = {
    "description_keys": "description",
    "question_keys": "answer_text",
    "address_keys": "address",
    "contact_keys": "",
}
"""Each step's keyboard and the field it types into ("": the contact field chosen)."""
SMALL_MAP_ZOOM = 3.0
"""The map confirming a place shows a third of the town's map around it."""

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
    "answer_required": N_("Please answer this question: the town hall needs the answer."),
    "answer_not_a_choice": N_("Please choose one of the answers."),
    "answer_one_value": N_("Please choose one answer only."),
    "answer_too_long": N_("The answer is too long."),
    "answer_line_break": N_("Please give the answer on one line."),
    "answer_control": N_("The answer has characters that cannot be sent."),
    "answer_not_a_number": N_("Please answer with a number, e.g. 3 or 2.5"),
    "answer_not_a_datetime": N_(
        "Please give a date, and a time if you know it, e.g. 20.11.2026 8:30"
    ),
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
ONE, SEVERAL = "◉  ", "☑  "
NOT_ONE, NOT_SEVERAL = "○  ", "☐  "
"""A choice's mark: one answer of a list (a round mark) or several (a box)."""


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
    step_total = NumericProperty(5)
    error = StringProperty("")
    category_name = StringProperty("")
    category_hint = StringProperty("")
    """The category's own description: what it covers, what to look for."""
    description = StringProperty("")
    question_title = StringProperty("")
    question_hint = StringProperty("")
    question_notes = StringProperty("")
    question_kind = StringProperty("")
    """How the question on screen is answered: line, text, choice, choices ("": notes only)."""
    question_max = NumericProperty(500)
    answer_text = StringProperty("")
    location_mode = StringProperty("")
    location_text = StringProperty("")
    place_near = StringProperty("")
    """"near ul. Rynek" for the chosen place, where the map names a street close to it."""
    place_point = ObjectProperty(None, allownone=True)
    """The chosen place on the map (fractions from the left and the top), for its pin."""
    map_texture = ObjectProperty(None, allownone=True)
    """The map, decoded while a map is on screen (the one to point at or the small one)."""
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
        self._pages: list[QuestionPage] = []
        self.page = 0
        self._choices: list = []
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
        return bool(
            self.draft.service_code
            or self.marker
            or self.draft.answers
            or any(getattr(self, t) for t in TYPED)
        )

    def _keyboards(self) -> list:
        return [self.ids[name] for name in KEYBOARDS if name in self.ids]

    # --- navigation between steps ----------------------------------------------------------

    def steps(self) -> tuple[str, ...]:
        """The steps of this report: the questions only where the category asks some."""
        return tuple(s for s in STEPS if s != "questions" or self._pages)

    def show(self, **_params) -> None:
        self.refresh()

    def refresh(self) -> None:
        app = self.app
        for keys in self._keyboards():
            keys.lang = app.lang
        area = app.catalog.settings.map
        self.has_map = area is not None
        path = app.catalog.release.media_path(area.image) if area else None
        if str(path or "") != self.map_source:
            self.map_texture = None  # a new release: its own map
        self.map_source = str(path) if path else ""
        self._fill_categories()
        if self.step == "questions" and self._pages:
            self._keep_answer()  # a new language: the question again, the answer typed kept
            self._show_page()
        self._update_texts()

    def go_step(self, step: str) -> None:
        self.error = ""
        self.step = step
        steps = self.steps()
        self.step_number = steps.index(step) + 1
        self.step_total = len(steps)
        self._build_step(step)
        self.ids.steps.current = step
        if step == "questions":
            self._show_page()
        if step in ("location", "review"):
            self._update_texts()
        self._map_wanted()

    def spoken_page(self) -> tuple:
        return (self.step, self.error)

    def spoken(self) -> list:
        """An error alone (it is what changed), else the step."""
        return [self.error] if self.error else super().spoken()

    def handle_back(self) -> bool:
        if self.step == "questions" and self.page > 0:
            self._keep_answer()
            self.page -= 1
            self.error = ""
            self._show_page()
            return True
        steps = self.steps()
        index = steps.index(self.step)
        if index == 0:
            return False
        if self.step == "questions":
            self._keep_answer()
        previous = steps[index - 1]
        if previous == "questions":
            self.page = len(self._pages) - 1
        self.go_step(previous)
        return True

    def next_step(self) -> None:
        try:
            self._check_step()
        except ReportError as exc:
            self.show_error(exc.code)
            return
        except AnswerRefused as exc:
            self.show_error(f"answer_{exc.problem.code}")
            return
        if self.step == "questions" and self.page < len(self._pages) - 1:
            self.page += 1
            self._show_page()
            return
        steps = self.steps()
        following = steps[steps.index(self.step) + 1]
        if following == "questions":
            self.page = 0
        self.go_step(following)

    def show_error(self, code: str) -> None:
        self.error = self.app._(ERRORS.get(code, ERRORS["save_failed"]))

    def _check_step(self) -> None:
        d = self.draft
        if self.step == "description":
            d.description = self.description
            check_description(self.description)
        elif self.step == "questions":
            self._check_answer()
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

    def _category(self) -> ReportCategory | None:
        app = self.app
        code = self.draft.service_code
        return next(
            (c for c in app.catalog.report_categories(app.now()) if c.service_code == code), None
        )

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
        if tile.service_code != self.draft.service_code:
            self.draft.answers = {}  # another category asks other questions
        self.draft.service_code = tile.service_code
        category = self._category()
        self._pages = question_pages(category) if category else []
        self.page = 0
        self._fill_categories()
        self._update_texts()
        self.go_step("description")

    # --- step 3: the category's questions ----------------------------------------------------

    def _question(self):
        return self._pages[self.page].question if self._pages else None

    def _show_page(self) -> None:
        """The page of the current question: its text, hint, the notes before it, and a
        field and keyboard to type the answer or a button for each choice."""
        app = self.app
        self.page = min(self.page, len(self._pages) - 1)
        page = self._pages[self.page]
        question = page.question
        self.question_notes = "\n".join(tr(note.description, app.lang) for note in page.notes)
        counter = ""
        if len(self._pages) > 1:
            counter = app._("Question {n} of {total}").format(
                n=self.page + 1, total=len(self._pages)
            )
        if question is None:
            self.question_title = app._("Please note")
            self.question_hint, self.question_kind = counter, ""
            return
        self.question_title = tr(question.description, app.lang)
        need = app._("(required)") if question.required else app._("(you may leave it out)")
        hint = tr(question.datatype_description, app.lang)
        self.question_hint = "   ".join(filter(None, (counter, need, hint)))
        if question.datatype in LIST_DATATYPES:
            self.question_kind = "choices" if question.datatype == "multivaluelist" else "choice"
            self._fill_choices(question)
            return
        self.question_kind = "text" if question.datatype == "text" else "line"
        self.question_max = max_length(question)
        answer = self.draft.answers.get(question.code, "")
        text = answer if isinstance(answer, str) else ""
        if "question_keys" in self.ids:
            self.ids.question_keys.max_length = self.question_max
            self.ids.question_keys.text = text
        self.answer_text = text

    def _fill_choices(self, question) -> None:
        app = self.app
        chosen = self.draft.answers.get(question.code, [])
        chosen = [chosen] if isinstance(chosen, str) else chosen
        several = question.datatype == "multivaluelist"
        box = self.ids.choices
        box.clear_widgets()
        self._choices = []
        for value in question.values:
            picked = value.key in chosen
            mark = (SEVERAL if picked else NOT_SEVERAL) if several else (ONE if picked else NOT_ONE)
            button = Factory.AnswerChoice(text=mark + tr(value.name, app.lang), selected=picked)
            button.key = value.key
            button.bind(on_release=self._choice_touched)
            box.add_widget(button)
            self._choices.append(button)

    def _choice_touched(self, button) -> None:
        question = self._question()
        if question is None:
            return
        self.error = ""
        answer = chosen(question, self.draft.answers.get(question.code), button.key)
        if answer is None:
            self.draft.answers.pop(question.code, None)
        else:
            self.draft.answers[question.code] = answer
        self._fill_choices(question)

    def _keep_answer(self) -> None:
        """What is typed for the question on screen, kept (even unchecked) for when the
        visitor comes back to it."""
        question = self._question()
        if question is None or question.datatype in LIST_DATATYPES:
            return
        if self.answer_text.strip():
            self.draft.answers[question.code] = self.answer_text
        else:
            self.draft.answers.pop(question.code, None)

    def _check_answer(self) -> None:
        question = self._question()
        if question is None:
            return
        if question.datatype in LIST_DATATYPES:
            raw = self.draft.answers.get(question.code, [])
            values = [raw] if isinstance(raw, str) else list(raw)
        else:
            values = [typed(question, self.answer_text)]
        answer = check_answer(question, values)
        if answer is None:
            self.draft.answers.pop(question.code, None)
        else:
            self.draft.answers[question.code] = answer

    # --- step 4: location ----------------------------------------------------------------------

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
        self._map_wanted()

    def map_touched(self, view: PlaceMap, touch) -> bool:
        """A tap on the map: the point becomes the report's lat/long."""
        if not view.collide_point(*touch.pos) or self.location_mode != "map":
            return False
        area = self.app.catalog.settings.map
        where = view.fraction_at(*touch.pos)
        try:
            if where is None:
                raise OutsideMap("beside the map")
            lat, long = tap_to_latlong(area, *where)
        except OutsideMap:
            self.show_error("outside_map")
            return True
        self.error = ""
        self.draft.lat, self.draft.long = lat, long
        self.marker = (lat, long)
        self._update_texts()
        return True

    def _map_wanted(self) -> None:
        """Decode the map while one is on screen: to point at, or the small one that shows
        the chosen place."""
        wanted = self.has_map and (
            (self.step == "location" and self.location_mode in ("map", "here"))
            or (self.step == "review" and self.place_point is not None)
        )
        if wanted and self.map_texture is None and self.map_source:
            try:
                self.map_texture = CoreImage(self.map_source, nocache=True).texture
            except Exception:  # an unreadable map: the place is still said in words
                self.map_texture = None

    # --- step 5: contact -----------------------------------------------------------------------

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

    # --- step 6: review and send ------------------------------------------------------------------

    def _place(self) -> None:
        """Where the chosen place is on the map, and the street it is near."""
        area = self.app.catalog.settings.map
        lat, long = self.draft.lat, self.draft.long
        self.place_point, self.place_near = None, ""
        if area is None or lat is None or long is None:
            return
        fx, fy = latlong_to_tap(area, lat, long)
        if 0.0 <= fx <= 1.0 and 0.0 <= fy <= 1.0:
            self.place_point = (fx, fy)
        near = nearest_street(area.streets, lat, long)
        if near is not None:
            self.place_near = self.app._("near {street}").format(street=near.name)

    def _answer_rows(self, category: ReportCategory | None) -> list[tuple[str, str]]:
        app = self.app
        rows = []
        for page in self._pages:
            question = page.question
            answer = self.draft.answers.get(question.code) if question else None
            if question is None or not answer:
                continue
            names = {v.key: tr(v.name, app.lang) for v in question.values}
            values = answer if isinstance(answer, list) else [answer]
            rows.append(
                (tr(question.description, app.lang), ", ".join(names.get(v, v) for v in values))
            )
        return rows

    def _update_texts(self) -> None:
        app = self.app
        category = self._category()
        self.category_name = tr(category.name, app.lang) if category else ""
        self.category_hint = tr(category.description, app.lang) if category else ""
        notice = public_notice(category.public) if category else []
        self.public_notice = " ".join(app._(sentence) for sentence in notice)
        self._place()
        if self.location_mode == "here":
            self.location_text = app._("Here, at this kiosk")
        elif self.location_mode == "map" and self.draft.lat is not None:
            self.location_text = app._("The point on the map")
        elif self.location_mode == "address":
            self.location_text = self.address
        else:
            self.location_text = ""
        place = self.location_text
        if self.place_near and self.location_mode != "address":
            place = f"{place} ({self.place_near})"
        contact = app._("Anonymous")
        if self.consent and not self.anonymous:
            contact = ", ".join(filter(None, (self.name_text, self.email, self.phone)))
        rows = [
            (app._("Category"), self.category_name),
            (app._("Description"), self.description),
            *self._answer_rows(category),
            (app._("Place"), place),
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
        self._pages = []
        self.page = 0
        for keys in self._keyboards():
            keys.text = ""
        for typed_text in TYPED:
            setattr(self, typed_text, "")
        self.location_mode = self.location_text = self.review_text = self.error = ""
        self.public_notice = ""
        self.category_name = self.category_hint = ""
        self.question_title = self.question_hint = self.question_notes = ""
        self.place_near = ""
        self.place_point = None
        self.map_texture = None
        self.marker = None
        self.consent = False
        self.anonymous = True
        self.active_field = "name"
        self.sending = False
        self.go_step(STEPS[0])
