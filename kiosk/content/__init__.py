"""Reading a release for the kiosk's screens (the content model and builds are in
kiosk_core.content)."""
