"""What every part of the kiosk stands on (no Kivy): the local SQLite database shared by the
UI and the sync agent, and the configuration file."""
