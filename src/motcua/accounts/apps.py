"""People, agencies, units and roles."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "motcua.accounts"
    label = "accounts"

    def ready(self) -> None:
        from motcua.accounts import signals  # noqa: F401
