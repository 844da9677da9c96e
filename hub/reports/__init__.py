"""Reports and casework: residents' reports taken in (from kiosks and Open311 clients), where
each goes, the inbox staff answer them in, what of a report anyone may read, and the
public status page behind the receipt's QR code. The Open311 GeoReport v2 server is here
too (`open311/`): it is one more way reports come in and are read."""
