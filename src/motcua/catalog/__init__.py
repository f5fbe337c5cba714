"""Procedure catalogue: fields, documents, fees, process definitions."""
