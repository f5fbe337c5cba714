"""First-run set-up for `make run`: administrative units, demo accounts, the demo catalogue,
the demo dossiers and the demo monitoring stations, each loaded once."""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load administrative units and demo data if they are not there yet (idempotent)."

    def handle(self, *args, **options):
        call_command("load_administrative_units", verbosity=options["verbosity"])
        call_command("demo", verbosity=options["verbosity"])
        call_command("load_demo_catalog", verbosity=options["verbosity"])
        # Before the demo dossiers: those finished at a signing step get signed results.
        call_command("results_demo_ca", verbosity=options["verbosity"])
        call_command("load_demo_dossiers", verbosity=options["verbosity"])
        call_command("load_demo_monitoring", verbosity=options["verbosity"])
        call_command("load_demo_feedback", verbosity=options["verbosity"])
        # The loader's hours reach the AQI side as queued tasks; compute them now for the demo.
        call_command("recompute_aqi_all", verbosity=options["verbosity"])
