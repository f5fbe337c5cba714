"""Concurrent edits are detected, never silently overwritten."""

import pytest

from motcua.core.concurrency import save_versioned
from motcua.core.errors import Conflict
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db


def test_second_writer_with_stale_version_gets_conflict():
    # given two officials who opened the same agency at version 1
    agency = AgencyFactory(name="Sở A")
    first, second = type(agency).objects.get(pk=agency.pk), type(agency).objects.get(pk=agency.pk)
    # when the first saves, then the second saves what they read
    first.name = "Sở B"
    save_versioned(first, expected_version=1)
    second.address = "Số 1 đường Lê Lợi"
    # then the second is refused with 409 and the first's change stays
    with pytest.raises(Conflict) as caught:
        save_versioned(second, expected_version=1)
    assert caught.value.status == 409
    agency.refresh_from_db()
    assert (agency.name, agency.version) == ("Sở B", 2)
