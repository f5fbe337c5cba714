"""Dossiers: submission, lifecycle, attachments, receipts, tracking."""

from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "motcua.dossiers"
    label = "dossiers"

    def ready(self) -> None:
        from motcua.dossiers import backoffice, store

        # The personal data store fills itself from the back office (SPEC §6); ready() may run
        # twice (tests, autoreload): register each hook once.
        for action, hook in (
            ("receive", store.store_collect_uploads),
            ("return_result", store.store_collect_results),
        ):
            if hook not in backoffice.after_action[action]:
                backoffice.after_action[action].append(hook)
