"""The visit's plain-Python core (no Kivy): what a visitor sees and does, from the kiosk's
clock and content: today's events, search, the touch counters, when a visitor has walked
away, what a report makes public and the outbox that keeps every report."""
