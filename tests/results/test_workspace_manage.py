"""The director re-issues and revokes a result from the workspace dossier page (a reason is
required, a refusal is shown next to its field), and the applicant's messages about the result
carry its verification page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from motcua.dossiers.models import ReturnMethod
from motcua.notifications.models import Notification
from motcua.results.documents import verify_url
from motcua.results.models import Result, ResultStatus
from tests.dossiers.samples import citizen
from tests.results.conftest import act, signed

pytestmark = pytest.mark.django_db


@pytest.fixture
def result(place) -> Result:
    return signed(place).results.get()


def _page(client, result: Result) -> str:
    url = reverse("dossiers:workspace-dossier", kwargs={"code": result.dossier.code})
    return client.get(url).content.decode()


def test_the_director_sees_both_forms_with_labelled_reasons(client, result, place):
    client.force_login(place.director)
    page = _page(client, result)
    for action, label in (("replace", "Lý do cấp lại"), ("revoke", "Lý do thu hồi")):
        assert f'<label for="result-{result.pk}-{action}-reason">{label}' in page
        assert reverse(f"results:{action}", kwargs={"pk": result.pk}) in page
    # the head of unit sees the result but not the forms
    client.force_login(place.head)
    page = _page(client, result)
    assert result.number in page and "result-manage" not in page


def test_a_reissue_without_reason_is_shown_next_to_the_field(client, result, place):
    client.force_login(place.director)
    # when the director sends the form with a blank reason
    response = client.post(reverse("results:replace", kwargs={"pk": result.pk}), {"reason": "  "})
    # then they are back on the dossier page, at the form, which says why next to the field
    assert response.status_code == 302
    assert response["Location"].endswith(f"#result-{result.pk}-replace")
    page = client.get(response["Location"]).content.decode()
    described = f"result-{result.pk}-replace-help result-{result.pk}-replace-error"
    assert f'aria-describedby="{described}" aria-invalid="true"' in page
    assert f'id="result-{result.pk}-replace-error" role="alert">Vui lòng nhập lý do.' in page
    assert f'<details class="action-details" id="result-{result.pk}-replace" open>' in page
    # and shown once: a reload shows the form closed again
    assert "Vui lòng nhập lý do." not in _page(client, result)
    result.refresh_from_db()
    assert result.status == ResultStatus.VALID


def test_the_director_reissues_then_revokes_from_the_page(client, result, place):
    client.force_login(place.director)
    # when the director re-issues the result with a reason
    response = client.post(
        reverse("results:replace", kwargs={"pk": result.pk}),
        {"reason": "Sai diện tích thửa đất trên giấy chứng nhận"},
    )
    # then a new, newly numbered result replaces it, and the page lists both
    new = Result.objects.get(replaces=result)
    assert response["Location"].endswith(f"#result-{new.pk}")
    page = client.get(response["Location"]).content.decode()
    assert f"Đã cấp lại kết quả: số mới {new.number} thay thế số {result.number}." in page
    assert f"Cấp lại thay kết quả số {result.number}: Sai diện tích thửa đất" in page
    assert f'id="result-{result.pk}-replace"' not in page  # the old one has no forms any more
    result.refresh_from_db()
    assert result.status == ResultStatus.REPLACED and new.status == ResultStatus.VALID
    # when they revoke the new one
    client.post(
        reverse("results:revoke", kwargs={"pk": new.pk}),
        {"reason": "Quyết định hủy bỏ của Ủy ban nhân dân tỉnh"},
    )
    new.refresh_from_db()
    assert new.status == ResultStatus.REVOKED
    assert "Quyết định hủy bỏ của Ủy ban nhân dân tỉnh" in _page(client, result)
    # and revoking it again is refused next to the field, not with an error page
    again = client.post(reverse("results:revoke", kwargs={"pk": new.pk}), {"reason": "Lần nữa"})
    assert again.status_code == 302
    assert "result-manage" not in _page(client, result)


def test_others_cannot_reissue_or_revoke(client, result, place):
    url = reverse("results:revoke", kwargs={"pk": result.pk})
    # the head of unit sees the dossier but is no director: 403 with the reason
    client.force_login(place.head)
    refused = client.post(url, {"reason": "Không đúng thẩm quyền"})
    assert refused.status_code == 403
    assert "Chỉ lãnh đạo cơ quan ban hành" in refused.content.decode()
    # the applicant, or anyone else, gets a 404 as for a result that does not exist
    for user in (place.applicant, citizen()):
        client.force_login(user)
        assert client.post(url, {"reason": "x"}).status_code == 404
    assert client.get(url).status_code == 405
    result.refresh_from_db()
    assert result.status == ResultStatus.VALID


def test_messages_about_the_result_link_to_its_verification_page(place):
    # given a dossier the director finished at the signing step
    dossier = signed(place)
    result = dossier.results.get()
    link = verify_url(result.verify_token)
    # then "result ready" carries the verification page, by e-mail and in the app
    ready = Notification.objects.filter(event="result_ready", dossier_code=dossier.code)
    assert {n.channel for n in ready if link in n.body} >= {"email", "in_app"}
    # and so does "result returned", once it is returned electronically
    act(place.officer, dossier, "return_result", method=ReturnMethod.ELECTRONIC)
    returned = Notification.objects.get(
        event="result_returned", dossier_code=dossier.code, channel="email"
    )
    assert f"xác minh tại: {link}" in returned.body
