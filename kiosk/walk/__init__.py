"""The virtual walk's plain-Python core: projection, looking around, hotspots, the walk graph
and texture preloading. No Kivy import here; the widget and the screen are thin shells."""
