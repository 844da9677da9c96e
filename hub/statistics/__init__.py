"""Statistics: the kiosks' hourly touch counts, their totals by period, kiosk and group, the
charts of the statistics page and the CSV/XLSX exports."""
