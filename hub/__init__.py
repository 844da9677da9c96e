"""The hub: content publishing, report intake, touch statistics and fleet status."""

__version__ = "0.1.0"
