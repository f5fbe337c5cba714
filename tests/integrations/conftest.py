"""The stand-in tax authority as a real HTTP process (one per test session), and a land office
whose first step may transfer dossiers (to the tax authority or another agency)."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from motcua.accounts.models import Role
from motcua.catalog.models import StepKind
from motcua.dossiers.backoffice import dossier_act
from motcua.dossiers.models import Dossier
from motcua.integrations.tax_standin import DEFAULT_EXEMPT
from tests.dossiers.backoffice_samples import CHECK, Office, office, submitted

API_KEY = "integration-tests-key"
# Form data of a land dossier (catalog/demo_data.py's land forms), with a declared land value.
LAND_FORM = {
    "parcel_number": 125,
    "map_sheet": 14,
    "area_m2": 152.5,
    "parcel_address": "Tổ dân phố 3, phường Xuân Hương - Đà Lạt, tỉnh Lâm Đồng",
    "land_use_purpose": "Đất ở tại đô thị",
    "land_value": 2_000_000_000,
    "declaration": True,
}


@dataclass
class TaxAuthority:
    """A client of the stand-in for tests: its address, failure injection, payment."""

    url: str

    def _call(self, method: str, path: str, **options: Any) -> requests.Response:
        headers = {"X-API-Key": API_KEY, **options.pop("headers", {})}
        return requests.request(method, self.url + path, headers=headers, timeout=10, **options)

    def control(self, **changes: Any) -> dict:
        response = self._call("post", "/_control", json=changes)
        assert response.status_code == 200, response.text
        return response.json()

    def dossier(self, reference: str) -> dict:
        return self._call("get", f"/dossiers/{reference}").json()

    def pay(self, reference: str) -> dict:
        response = requests.post(f"{self.url}/dossiers/{reference}/pay", timeout=10)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="session")
def _tax_standin_url():
    command = [sys.executable, "-m", "motcua.integrations.tax_standin"]
    process = subprocess.Popen(
        [*command, "--port", "0", "--api-key", API_KEY],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()
    found = re.search(r"http://\S+", line)
    assert found, f"the stand-in did not start: {line!r}"
    yield found.group(0)
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def tax_authority(_tax_standin_url, settings):
    """The stand-in, with Motcua pointed at it; its failure switches reset after the test."""
    settings.TAX_AUTHORITY_URL = _tax_standin_url
    settings.TAX_AUTHORITY_API_KEY = API_KEY
    settings.TAX_AUTHORITY_TIMEOUT_SECONDS = 2
    authority = TaxAuthority(_tax_standin_url)
    yield authority
    authority.control(fail=False, fail_rate=0, delay=0, notice_delay=0, exempt=[DEFAULT_EXEMPT])


def transfer_office(adapter: str) -> Office:
    """An office whose first step (the specialist's appraisal) may transfer through `adapter`."""
    return office(
        steps=[
            (
                "Thẩm định hồ sơ, chuyển thông tin địa chính",
                "land",
                Role.SPECIALIST,
                "10",
                [*CHECK, "transfer"],
                StepKind.TRANSFER,
                adapter,
            ),
            ("Ký duyệt", "leaders", Role.DIRECTOR, "3", ["finish"], StepKind.SIGN),
        ]
    )


def act(user, dossier: Dossier, action: str, **payload) -> Dossier:
    return dossier_act(actor=user, dossier=dossier.code, action=action, payload=payload)


def at_first_step(place: Office, *, form: dict | None = None) -> Dossier:
    """A received land dossier, assigned to the specialist of the first step."""
    dossier = submitted(place)
    if form is not None:
        # What the applicant declared on the land procedure's form.
        Dossier.objects.filter(pk=dossier.pk).update(form_data=form)
    dossier = act(place.officer, dossier, "receive")
    return act(place.head, dossier, "assign", assignee=place.specialist.pk)
