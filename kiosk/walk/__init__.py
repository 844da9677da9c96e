"""The virtual walk's plain-Python core: projection, looking around, hotspots and texture
preloading (the walk graph is kiosk_core.content.walkgraph: content check uses it). No Kivy
import here; the widget and the screen are thin shells."""
