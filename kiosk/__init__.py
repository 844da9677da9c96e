"""The kiosk appliance: a fullscreen touchscreen app and its sync agent."""

__version__ = "0.1.0"
