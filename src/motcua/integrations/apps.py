"""National portal, identity provider and other agencies."""

from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "motcua.integrations"
    label = "integrations"

    def ready(self) -> None:
        # Every dossier event is told to the national portal (SPEC §9) when it is configured.
        from motcua.dossiers import lifecycle
        from motcua.integrations.national import national_sync_record

        if national_sync_record not in lifecycle.event_recorded:
            lifecycle.event_recorded.append(national_sync_record)
