"""Sending: the outbox of everything the hub must send about a report, and its channels:
e-mail to departments and residents, and forwarding to the city's own Open311 system (the
forwarding rules here, the GeoReport v2 client calls in `open311client`)."""
