"""Dossiers: submission, lifecycle, attachments, receipts, tracking."""

from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "motcua.dossiers"
    label = "dossiers"
