"""One module per screen, each with its .kv layout beside it. Screens only lay out, react to
touches and call the core through the app; they never open a file or a socket."""
