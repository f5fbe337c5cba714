"""Shared kernel: working calendar, administrative units, audit log, errors."""
