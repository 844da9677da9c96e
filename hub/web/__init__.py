"""What every web page of the hub shares: the template environment and the catalogs it
translates with (`templating`), the layouts each page extends (`templates/`: base, staff,
error), the style sheet (`static/`), and the pages' sub-application (`pages`). The pages
themselves live with their groups (`hub/<group>/*_pages.py`, `hub/<group>/templates/`)."""
