"""Reusable Kivy widgets: tiles, list rows, QR codes, the on-screen keyboard."""
