"""Fees and online payment."""

from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "motcua.payments"
    label = "payments"

    def ready(self) -> None:
        from motcua.dossiers import backoffice
        from motcua.payments import hooks

        # Guarded against a second ready() (tests that reload apps): each hook once.
        for action, hook in (
            ("receive", hooks.require_paid_before_receive),
            ("return_result", hooks.require_paid_before_return),
        ):
            if hook not in backoffice.before_action[action]:
                backoffice.before_action[action].append(hook)
