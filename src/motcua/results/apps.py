"""Signed electronic results and the personal data store."""

from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "motcua.results"
    label = "results"
