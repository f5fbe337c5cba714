"""Fees and online payment."""
