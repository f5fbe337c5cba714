"""The adapter registry, what is sent to the tax authority, and the polling job's schedule."""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from motcua.core.errors import InvalidInput
from motcua.core.scheduler import registered_jobs
from motcua.integrations import tasks
from motcua.integrations.adapters import (
    MotcuaAgencyAdapter,
    TaxAuthorityAdapter,
    TemporaryTransferError,
    adapter_for,
    adapters,
)
from motcua.integrations.models import InterAgencyTransfer
from motcua.integrations.tax_standin import Config, Store, compute_notice
from tests.integrations.conftest import LAND_FORM, act, at_first_step, transfer_office


def test_the_registry_follows_the_setting(settings):
    assert isinstance(adapter_for("tax"), TaxAuthorityAdapter)
    assert isinstance(adapter_for("motcua"), MotcuaAgencyAdapter)
    settings.INTEGRATION_ADAPTERS = ["motcua.integrations.adapters.MotcuaAgencyAdapter"]
    assert list(adapters()) == ["motcua"]
    with pytest.raises(InvalidInput) as unknown:
        adapter_for("tax")
    assert unknown.value.field == "transfer_adapter"


def test_the_poll_job_runs_every_minute_on_the_integrations_queue():
    job = next(job for job in registered_jobs() if job.task is tasks.transfers_poll)
    assert job.every == timedelta(minutes=1)
    assert tasks.transfers_poll.queue_name == tasks.transfer_send.queue_name == "integrations"


@pytest.mark.django_db
def test_the_tax_authority_gets_the_land_data_not_the_contacts(administrative_units):
    # Given a land dossier with a parcel, a value and a remark the tax office does not need
    place = transfer_office("tax")
    dossier = at_first_step(place, form={**LAND_FORM, "remarks": "Gọi trước khi đến"})
    # When it is transferred
    act(place.specialist, dossier, "transfer")
    # Then the payload carries the dossier, the applicant's identity and the parcel
    payload = InterAgencyTransfer.objects.get(dossier=dossier).payload
    assert payload["dossier_code"] == dossier.code
    assert payload["procedure"]["code"] == place.version.procedure.code
    assert payload["applicant"]["id_number"] == dossier.applicant_id_number
    assert payload["land"] == {
        key: value for key, value in LAND_FORM.items() if key != "declaration"
    }
    assert "phone" not in str(payload) and "remarks" not in str(payload)


@hypothesis_settings(max_examples=50, suppress_health_check=[HealthCheck.too_slow])
@given(
    land_value=st.one_of(st.none(), st.integers(min_value=1, max_value=10**13)),
    transfer_price=st.one_of(st.none(), st.integers(min_value=1, max_value=10**13)),
)
def test_every_notice_of_the_stand_in_reads_back_whole(land_value, transfer_price):
    # Given any declared value and price, the stand-in's notice
    store = Store(":memory:")
    land = {"land_value": land_value, "transfer_price": transfer_price}
    row, _created = store.add(
        key=None,
        payload={"dossier_code": "X", "procedure": {"code": "1.012783"}, "land": land},
    )
    notice = compute_notice(Config(), row)
    # When Motcua's adapter reads it
    read = TaxAuthorityAdapter._notice(notice)
    # Then the total is the sum of the items, the fee 0.5 % of the value (or the demo amount)
    assert read.amount == sum(item["amount"] for item in read.items) >= 0
    fee = read.items[0]["amount"]
    assert fee == (round(land_value * 0.005) if land_value else 500_000)
    assert len(read.items) == (2 if transfer_price else 1)


@pytest.mark.parametrize("amount", [-1, 1.5, "1000", None])
def test_a_notice_with_a_bad_amount_is_not_applied(amount):
    notice = {"number": "1/TB", "amount": amount, "items": []}
    with pytest.raises(TemporaryTransferError):
        TaxAuthorityAdapter._notice(notice)
