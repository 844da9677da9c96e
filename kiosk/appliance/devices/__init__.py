"""Devices attached to a kiosk (the ticket printer); plain Python, no Kivy."""
