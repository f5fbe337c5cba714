"""Admin for the places part of the shared kernel."""
