"""`motcua results_demo_ca`: make (once) the local DEMO certificate authority and the agency's
PKCS#12 that sign results outside production."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from motcua.core.errors import DomainError
from motcua.results.pki import DEMO_CA_NAME
from motcua.results.signing import demo_pki_from_settings


class Command(BaseCommand):
    help = (
        "Create the DEMO certificate authority and agency certificate under RESULT_PKI_DIR if "
        "they are missing (refused in production)."
    )

    def handle(self, *args, **options):
        try:
            pki, made = demo_pki_from_settings()
        except DomainError as error:
            raise CommandError(error.message) from None
        if options["verbosity"] >= 1:
            state = "created" if made else "already there"
            self.stdout.write(
                f"{DEMO_CA_NAME} ({state}): CA {pki.ca_certificate}, "
                f"agency PKCS#12 {pki.agency_pkcs12} (passphrase from RESULT_PKCS12_PASSPHRASE)"
            )
            if str(pki.ca_certificate) not in settings.RESULT_TRUST_ROOTS:
                self.stdout.write(
                    self.style.WARNING("RESULT_TRUST_ROOTS does not list the demo CA.")
                )
