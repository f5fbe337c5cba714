"""Admin for the calendar part of the shared kernel."""
