"""The dossier admin is read-only: it lists, searches (without diacritics) and shows a dossier
with its files and history, and offers no way to add, change or delete one."""

import pytest

from motcua.dossiers.services import dossier_submit
from tests.dossiers.samples import citizen, complete_draft, submission_procedure
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dossier(administrative_units):
    applicant = citizen(full_name="Đặng Thị Hằng")
    version = submission_procedure()
    return dossier_submit(dossier=complete_draft(version, applicant), actor=applicant)


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, kind="staff"))
    return client


def test_the_list_searches_names_without_diacritics(admin_client, dossier):
    response = admin_client.get("/admin/dossiers/dossier/", {"q": "dang thi hang"})
    assert response.status_code == 200
    assert dossier.code in response.content.decode()
    assert "Thêm hồ sơ" not in response.content.decode()


def test_a_dossier_shows_its_files_and_history_read_only(admin_client, dossier):
    response = admin_client.get(f"/admin/dossiers/dossier/{dossier.pk}/change/")
    html = response.content.decode()
    assert response.status_code == 200
    assert f"/ho-so/tep/{dossier.attachments.first().pk}/" in html
    assert "submit" in html
    assert 'name="applicant_name"' not in html  # nothing to edit
    assert admin_client.post(f"/admin/dossiers/dossier/{dossier.pk}/delete/").status_code == 403
