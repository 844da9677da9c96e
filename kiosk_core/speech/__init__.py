"""Read-aloud's text: what the kiosk's voice says for a screen, in each language.

Plain Python (the voice itself, espeak-ng, is run by kiosk.speech): `clean` rewrites written
text as it should be said, `spell` says a code letter by letter, `speakable` joins the pieces
of a screen into one utterance.
"""

from kiosk_core.speech.cleaning import clean
from kiosk_core.speech.spelling import character_name, spell
from kiosk_core.speech.utterance import Piece, Spell, speakable

__all__ = ["Piece", "Spell", "character_name", "clean", "speakable", "spell"]
