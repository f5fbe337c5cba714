"""Admin for the audit part of the shared kernel."""
