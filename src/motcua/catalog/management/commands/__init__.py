"""Management commands of the procedure catalogue."""
