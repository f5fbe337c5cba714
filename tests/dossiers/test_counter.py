"""Counter and post channels: a receiving officer records a dossier for someone at the desk,
linked to their account if they have one, with scanned documents; other staff cannot."""

import pytest

from motcua.accounts.models import Role
from motcua.core.models import Commune
from motcua.dossiers.models import Dossier, Status
from motcua.dossiers.selectors import applicant_account_find
from tests.dossiers.samples import VALID_FORM, citizen, submission_procedure, upload
from tests.factories import AgencyFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(administrative_units):
    return submission_procedure(agency=AgencyFactory(code="H56.14"))


@pytest.fixture
def officer(version):
    return StaffFactory(agency=version.agency, role=Role.RECEIVING_OFFICER, full_name="Lê Văn Tiếp")


@pytest.fixture
def desk(client, officer):
    client.force_login(officer)
    return client


def draft_post(draft, **extra):
    data = {
        "expected_version": draft.version,
        "applicant-name": "Phạm Văn Đến",
        "applicant-id_number": "001090654321",
        "applicant-phone": "0987654321",
        "applicant-address": "Thôn 3",
        "applicant-commune_province": "",
        "applicant-commune_commune": "",
        "f-project_name": VALID_FORM["project_name"],
        "f-copies": "1",
        "action": "save",
    }
    data.update(extra)
    return data


def test_the_officer_sees_the_procedures_of_their_agency(desk, version):
    other = submission_procedure(agency=AgencyFactory(code="H37.14"))
    html = desk.get("/can-bo/ho-so/moi/").content.decode()
    assert version.procedure.code in html
    assert other.procedure.code not in html


def test_an_officer_records_a_counter_dossier_end_to_end(
    desk, version, officer, administrative_units
):
    # given a citizen without an account at the desk
    start = desk.post(
        "/can-bo/ho-so/moi/",
        {
            "procedure": version.procedure.code,
            "channel": "counter",
            "kind": "citizen",
            "account": "",
        },
    )
    draft = Dossier.objects.get()
    assert start["Location"] == f"/ho-so/nhap/{draft.pk}/"
    assert (draft.channel, draft.owner, draft.created_by) == ("counter", None, officer)
    # when the officer types the details and uploads the scanned papers
    commune = Commune.objects.order_by("code").first()
    files = {
        f"doc-{document.pk}": upload(f"scan-{document.pk}.pdf")
        for document in version.documents.all()
    }
    response = desk.post(
        f"/ho-so/nhap/{draft.pk}/",
        draft_post(
            draft,
            **files,
            **{
                "applicant-commune_province": commune.province_id,
                "applicant-commune_commune": commune.code,
                "action": "review",
            },
        ),
    )
    assert response["Location"] == f"/ho-so/nhap/{draft.pk}/xem-lai/"
    assert all(attachment.is_digitized for attachment in draft.attachments.all())
    # and submits it
    submitted = desk.post(f"/ho-so/nhap/{draft.pk}/nop/")
    draft.refresh_from_db()
    assert draft.status == Status.NEW and draft.code.startswith("H56.14-")
    assert submitted["Location"] == f"/ho-so/{draft.code}/xac-nhan/"
    assert draft.applicant_name == "Phạm Văn Đến"
    assert desk.get(f"/ho-so/{draft.code}/giay-xac-nhan.pdf").status_code == 200


def test_the_officer_links_the_dossier_to_the_citizens_account(desk, version, administrative_units):
    person = citizen(full_name="Vũ Thị Có Tài Khoản")
    found = desk.post(
        "/can-bo/ho-so/moi/",
        {
            "procedure": version.procedure.code,
            "channel": "post",
            "kind": "citizen",
            "account": person.personal_id,
            "find": "1",
        },
    )
    assert found.status_code == 200
    assert "Vũ Thị Có Tài Khoản" in found.content.decode()
    desk.post(
        "/can-bo/ho-so/moi/",
        {
            "procedure": version.procedure.code,
            "channel": "post",
            "kind": "citizen",
            "account": person.phone,
            "shown": "1",
            "link_account": "on",
        },
    )
    draft = Dossier.objects.get()
    assert draft.owner == person and draft.channel == "post"
    assert draft.applicant_id_number == person.personal_id  # prefilled from the account


def test_an_unknown_account_is_said_so(desk, version):
    response = desk.post(
        "/can-bo/ho-so/moi/",
        {
            "procedure": version.procedure.code,
            "channel": "counter",
            "kind": "citizen",
            "account": "079200000000",
        },
    )
    assert response.status_code == 400
    assert "Không tìm thấy tài khoản" in response.content.decode()
    assert not Dossier.objects.exists()


def test_an_officer_of_another_agency_is_refused(client, version):
    # given an officer of another agency, which has procedures of its own
    elsewhere = StaffFactory(role=Role.RECEIVING_OFFICER)
    submission_procedure(agency=elsewhere.agency)
    client.force_login(elsewhere)
    response = client.post(
        "/can-bo/ho-so/moi/",
        {"procedure": version.procedure.code, "channel": "counter", "kind": "citizen"},
    )
    assert response.status_code == 400  # not one of their procedures
    assert not Dossier.objects.exists()


def test_staff_without_the_role_and_citizens_get_403(client, version, administrative_units):
    client.force_login(StaffFactory(agency=version.agency, role=Role.SPECIALIST))
    assert client.get("/can-bo/ho-so/moi/").status_code == 403
    client.force_login(citizen())
    assert client.get("/can-bo/ho-so/moi/").status_code == 403


def test_another_officers_counter_draft_is_404(client, desk, version):
    desk.post(
        "/can-bo/ho-so/moi/",
        {"procedure": version.procedure.code, "channel": "counter", "kind": "citizen"},
    )
    draft = Dossier.objects.get()
    client.force_login(StaffFactory(role=Role.RECEIVING_OFFICER))
    assert client.get(f"/ho-so/nhap/{draft.pk}/").status_code == 404


def test_only_receiving_officers_can_look_accounts_up(version, administrative_units):
    person = citizen()
    assert (
        applicant_account_find(
            user=StaffFactory(role=Role.SPECIALIST), identifier=person.personal_id
        )
        is None
    )
    officer = StaffFactory(role=Role.RECEIVING_OFFICER)
    assert applicant_account_find(user=officer, identifier=person.personal_id) == person
    assert applicant_account_find(user=officer, identifier="+84" + person.phone[1:]) == person
    assert applicant_account_find(user=officer, identifier="' OR 1=1") is None
