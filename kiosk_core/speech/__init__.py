"""Read-aloud's text: what the kiosk's voice says for a screen, in each language.

Plain Python (the voice itself, espeak-ng, is run by kiosk.speech): `cleaning.clean`
rewrites written text as it should be said, `spelling.spell` says a code letter by letter,
`utterance.speakable` joins the pieces of a screen into one utterance; `words` holds each
language's words for them.
"""
