"""The fleet: the kiosk registry, enrolment, heartbeats and which kiosks have gone quiet."""
