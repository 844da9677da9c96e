"""Content: the model staff author, its validation, the source tree and release builds.

(Reading a release for the kiosk's screens is the kiosk's own: kiosk/content/release.py.)"""
