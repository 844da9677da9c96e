"""The appliance: what an unattended kiosk needs beyond showing content (the systemd
watchdog, the staff gesture, PIN and status, the attract loop and its video, the display's
hours and power, the ticket printer). The logic is plain Python, one module per concept;
appliance.py is its Kivy glue and printing.py prints tickets for the screens."""
