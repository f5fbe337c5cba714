"""Procedure catalogue: fields, documents, fees, process definitions."""

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "motcua.catalog"
    label = "catalog"
