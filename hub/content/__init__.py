"""Content and releases: what editors publish for the kiosks (releases built from a content
source tree, urgent alerts, rollbacks), the blob store the files live in, the key releases
are signed with, and the client `kiosk-hub publish` uploads with."""
