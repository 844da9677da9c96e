"""What the kiosk and the hub share: the content model, reading and building content, the
release manifest and its signature, validation, a report's fields and reference codes, and
the plumbing of translations.

Both programs import it; it imports neither of them, and nothing of Kivy, FastAPI, SQLAlchemy,
sqlite-utils or requests (tests/test_install_sets.py), so it installs with the base
dependencies alone. It has no words of its own to translate (a report's field checks give
error codes, which the kiosk's screens say), so neither babel.cfg nor babel-hub.cfg reads it.
"""
