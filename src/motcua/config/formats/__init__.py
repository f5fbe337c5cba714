"""Vietnamese date and number formats that Django's own vi locale lacks."""
