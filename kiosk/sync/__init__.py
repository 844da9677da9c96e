"""The sync agent (`kiosk sync`): a separate process that talks to the hub for the kiosk.

It pulls signed content releases, pushes problem reports, touch statistics and heartbeats,
following docs/protocol.md. The UI never touches the network; the two meet only in the
database and the data directory:

    DATA/enrolment.json        hub address, this kiosk's token and the pinned hub key (0600)
    DATA/blobs/<sha256>        every content file, by hash; partial/<sha256> while downloading
    DATA/releases/<version>/   installed releases; DATA/current points at the active one
    DATA/sync-now              touch it (or send SIGUSR1) to wake the agent early
"""

WAKE_FILE = "sync-now"
"""DATA/sync-now: the staff screen touches it, the agent wakes for it."""
STATE_SKEW = "clock_skew"
"""The sync_state key written after each heartbeat the hub accepted (the staff screen's last
sync). Both here, light to import, because the UI must not import the HTTP client."""
