"""A row in a long list (RecycleView): a title, a subtitle, and what it opens."""

from __future__ import annotations

from kivy.app import App
from kivy.properties import StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout


class ListRow(ButtonBehavior, BoxLayout):
    title = StringProperty("")
    subtitle = StringProperty("")
    kind = StringProperty("")
    item_id = StringProperty("")

    def on_release(self) -> None:
        App.get_running_app().open_item(self.kind, self.item_id)
