"""Signed electronic results and the personal data store."""
