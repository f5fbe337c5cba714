"""Liên thông with another agency of this installation: the request appears on the target
agency's page (/can-bo/lien-thong/), its staff answer there, and the dossier goes on."""

import pytest
from django.urls import reverse

from motcua.catalog.models import ProcessStep
from motcua.core.errors import Conflict, InvalidInput, PermissionDenied
from motcua.dossiers.models import Dossier, Status
from motcua.integrations.models import InterAgencyTransfer
from motcua.integrations.services import transfer_answer
from motcua.integrations.tasks import transfer_send
from tests.factories import AgencyFactory, Role, StaffFactory, UnitFactory
from tests.integrations.conftest import act, at_first_step, transfer_office

pytestmark = pytest.mark.django_db
T = InterAgencyTransfer.Status
PAGE = reverse("integrations:transfers")


@pytest.fixture
def place(administrative_units):
    return transfer_office("motcua")


@pytest.fixture
def forestry(place):
    """Another agency of the installation, target of the first step, with a specialist."""
    agency = AgencyFactory(code="H56.20", name="Chi cục Kiểm lâm tỉnh Lâm Đồng")
    ProcessStep.objects.filter(definition=place.definition, position=1).update(
        transfer_agency=agency
    )
    unit = UnitFactory(agency=agency, code="QLBVR", name="Phòng Quản lý bảo vệ rừng")
    return StaffFactory(
        agency=agency, full_name="Hoàng Văn Rừng", role=Role.SPECIALIST, role__unit=unit
    )


def _sent(place) -> InterAgencyTransfer:
    dossier = at_first_step(place)
    act(place.specialist, dossier, "transfer", note="Đề nghị xác nhận thửa đất ngoài đất rừng")
    transfer = InterAgencyTransfer.objects.get(dossier=dossier)
    assert transfer_send.call(transfer.pk) == T.SENT
    transfer.refresh_from_db()
    return transfer


def test_the_target_agency_answers_and_the_dossier_goes_on(place, forestry, client):
    # Given a dossier transferred to the forestry agency
    transfer = _sent(place)
    assert transfer.external_ref == f"LT-{transfer.pk:06d}"
    # When its specialist opens the page
    client.force_login(forestry)
    page = client.get(PAGE)
    # Then the request is there to answer, with the dossier's declaration
    assert page.status_code == 200
    incoming = page.context["incoming"]
    assert [row["transfer"] for row in incoming] == [transfer]
    assert incoming[0]["form"] is not None
    assert transfer.dossier.code in page.text and "project_name" in page.text

    # When they answer without text (with htmx)
    answer_url = reverse("integrations:answer", args=[transfer.pk])
    empty = client.post(answer_url, {"note": "  "}, headers={"HX-Request": "true"})
    # Then the row comes back with the error, linked to the field
    assert empty.status_code == 200
    assert "Vui lòng nhập nội dung trả lời." in empty.text
    assert f'aria-describedby="id_transfer_{transfer.pk}_note_helptext' in empty.text
    assert 'aria-invalid="true"' in empty.text

    # When they answer
    done = client.post(
        answer_url,
        {"note": "Thửa đất nằm ngoài quy hoạch đất rừng."},
        headers={"HX-Request": "true"},
    )
    # Then the row shows the answer, and the dossier's agency goes on with it
    assert done.status_code == 200 and "Đã trả lời" in done.text
    dossier = Dossier.objects.get(pk=transfer.dossier_id)
    assert (dossier.status, dossier.waiting_on) == (Status.PROCESSING, "")
    returned = dossier.events.get(action="transfer_returned")
    assert returned.note == "Thửa đất nằm ngoài quy hoạch đất rừng."
    assert returned.data["agency"] == "H56.20"
    transfer.refresh_from_db()
    assert (transfer.status, transfer.answered_by) == (T.COMPLETED, forestry)
    # And the sending agency sees the outcome in its outgoing list
    client.force_login(place.specialist)
    page = client.get(PAGE)
    assert page.context["outgoing"] == [transfer] and not page.context["incoming"]
    assert "Thửa đất nằm ngoài quy hoạch đất rừng." in page.text


def test_an_answer_without_javascript_redirects_or_shows_the_page_with_errors(
    place, forestry, client
):
    transfer = _sent(place)
    client.force_login(forestry)
    answer_url = reverse("integrations:answer", args=[transfer.pk])
    refused = client.post(answer_url, {"note": ""})
    assert refused.status_code == 400 and "Vui lòng nhập nội dung trả lời." in refused.text
    done = client.post(answer_url, {"note": "Đồng ý"})
    assert done.status_code == 302 and done["Location"] == PAGE


def test_only_the_target_agency_answers_and_only_once(place, forestry, client):
    transfer = _sent(place)
    # The sending agency's specialist sees it, but may not answer for the other agency
    with pytest.raises(PermissionDenied):
        transfer_answer(actor=place.specialist, transfer=transfer, note="Tự trả lời")
    client.force_login(place.specialist)
    answer_url = reverse("integrations:answer", args=[transfer.pk])
    assert client.post(answer_url, {"note": "Tự trả lời"}).status_code == 403
    # Staff of a third agency do not even see it
    stranger = StaffFactory(agency=AgencyFactory(code="H56.30"), role=Role.SPECIALIST)
    client.force_login(stranger)
    assert client.post(answer_url, {"note": "?"}).status_code == 404
    # A second answer is a conflict
    transfer_answer(actor=forestry, transfer=transfer, note="Đồng ý")
    with pytest.raises(Conflict):
        transfer_answer(actor=forestry, transfer=transfer, note="Đồng ý lần hai")
    client.force_login(forestry)
    assert client.post(answer_url, {"note": "Lần hai"}).status_code == 409
    # With htmx the row shows the answer already given instead of the form
    late = client.post(answer_url, {"note": "Lần hai"}, headers={"HX-Request": "true"})
    assert late.status_code == 200 and "Đồng ý" in late.text and "<textarea" not in late.text


def test_operators_read_transfers_in_the_admin(place, forestry, client):
    transfer = _sent(place)
    client.force_login(StaffFactory(is_staff=True, is_superuser=True))
    listing = client.get(reverse("admin:integrations_interagencytransfer_changelist"))
    assert listing.status_code == 200 and transfer.dossier.code in listing.text
    change = reverse("admin:integrations_interagencytransfer_change", args=[transfer.pk])
    assert client.get(change).status_code == 200
    assert client.post(change, {"status": "completed"}).status_code == 403


def test_applicants_and_visitors_do_not_get_the_page(place, client):
    assert client.get(PAGE).status_code == 302
    client.force_login(place.applicant)
    assert client.get(PAGE).status_code == 403


def test_a_step_without_target_agency_cannot_transfer(place):
    # Given the first step names the motcua adapter but no agency
    dossier = at_first_step(place)
    # When the specialist transfers
    with pytest.raises(InvalidInput) as refused:
        act(place.specialist, dossier, "transfer")
    # Then the field is named and nothing happened
    assert refused.value.field == "transfer_agency"
    dossier.refresh_from_db()
    assert dossier.waiting_on == "" and not InterAgencyTransfer.objects.exists()
    assert not dossier.events.filter(action="transfer").exists()
