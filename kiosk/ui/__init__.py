"""The UI shell: the Kivy app (its wiring in app.py), its screens and widgets, and what they
stand on: the window and Kivy's settings, navigation and which screens stay built, memory
tuning, the warm-up before the first visitor, the colour themes, markup and the UI's words.
What the screens show and do is decided in the plain-Python parts (visit/, walk/, content/);
the shell lays it out and passes touches to it."""
