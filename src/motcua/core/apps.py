"""Shared kernel: working calendar, administrative units, audit log, errors."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "motcua.core"
    label = "core"
