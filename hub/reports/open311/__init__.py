"""Open311 GeoReport v2: the hub's public interface for other reporting apps and city systems.

A plain core without HTTP machinery: `services` (what can be reported), `requests` (filing
and finding service requests), `render` (the spec's XML and JSON documents) and `errors`
(the spec's error lists). The routes in `hub.reports.open311.routes` only call these.
"""
