"""Admin of the shared kernel, one module per concern."""

from motcua.core.admin import audit, calendar, places  # noqa: F401
