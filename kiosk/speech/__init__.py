"""The kiosk's voice: espeak-ng into the audio output (engine.py). What it says is made
speakable in kiosk_core.speech; the screen's side of read-aloud is kiosk.ui.speech."""
