"""A QR code drawn as a Kivy texture, so a visitor can take a page along on the phone."""

from __future__ import annotations

from kivy.graphics.texture import Texture
from kivy.properties import ObjectProperty, StringProperty
from kivy.uix.widget import Widget


def qr_matrix(data: str) -> list[list[bool]]:
    import qrcode  # not before a page with a link (the app loads it ahead, once started)

    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


def matrix_texture(matrix: list[list[bool]]) -> Texture:
    size = len(matrix)
    rows = []
    for row in reversed(matrix):  # textures start at the bottom
        rows.append(b"".join(b"\x00\x00\x00" if dark else b"\xff\xff\xff" for dark in row))
    texture = Texture.create(size=(size, size), colorfmt="rgb")
    texture.mag_filter = "nearest"
    texture.min_filter = "nearest"
    texture.blit_buffer(b"".join(rows), colorfmt="rgb", bufferfmt="ubyte")
    return texture


class QrCode(Widget):
    data = StringProperty("")
    texture = ObjectProperty(None, allownone=True)

    def on_data(self, _instance, value: str) -> None:
        self.texture = matrix_texture(qr_matrix(value)) if value else None
