""" "Hồ sơ của tôi" (/ho-so/cua-toi/): the applicant's own dossiers, filters, search, pages and
the detail page, which nobody else may open."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from motcua.dossiers.models import Attachment, AttachmentKind, Dossier, Status
from motcua.dossiers.selectors import attachment_list_reusable
from tests.catalog.factories import published_procedure
from tests.dossiers import test_tracking as cases
from tests.dossiers.test_tracking import submitted_dossier
from tests.factories import UserFactory

VN = ZoneInfo("Asia/Ho_Chi_Minh")

_fresh_cache = cases._fresh_cache
lam_dong = cases.lam_dong
permit = cases.permit


@pytest.fixture
def citizen():
    return UserFactory(full_name="Nguyễn Văn An")


@pytest.fixture
def land(lam_dong):
    return published_procedure(
        agency=lam_dong,
        name="Cấp đổi Giấy chứng nhận quyền sử dụng đất",
        name_en="Exchange of the land-use certificate",
    )


@pytest.fixture
def signed_in(client, citizen):
    client.force_login(citizen)
    return client


def codes_on(page: str) -> list[str]:
    return re.findall(r'<span class="code">([^<]+)</span></a>', page)


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/ho-so/cua-toi/")
    assert response.status_code == 302
    assert "/dang-nhap/" in response["Location"] or "login" in response["Location"]


@pytest.mark.django_db
def test_lists_only_my_submitted_dossiers_newest_first(signed_in, citizen, permit, land):
    # given two dossiers of mine, one of another citizen, and a draft of mine
    older = submitted_dossier(
        version=permit, owner=citizen, submitted_at=datetime(2026, 9, 1, 8, tzinfo=VN)
    )
    newer = submitted_dossier(
        version=land,
        owner=citizen,
        status=Status.RECEIVED,
        submitted_at=datetime(2026, 10, 1, 8, tzinfo=VN),
    )
    submitted_dossier(version=permit, owner=UserFactory())
    Dossier.objects.create(
        procedure_version=permit,
        agency=permit.agency,
        channel="online",
        owner=citizen,
        created_by=citizen,
        applicant_kind="citizen",
        applicant_name="Nguyễn Văn An",
    )
    # when I open "Hồ sơ của tôi"
    page = signed_in.get("/ho-so/cua-toi/").content.decode()
    # then I see my two submitted dossiers, newest first, with their status
    assert codes_on(page) == [newer.code, older.code]
    assert '<span class="badge badge-info">Được tiếp nhận</span>' in page
    assert '<span class="badge badge-info">Mới đăng ký</span>' in page
    assert "Cấp đổi Giấy chứng nhận quyền sử dụng đất" in page


@pytest.mark.django_db
def test_a_dossier_recorded_by_an_officer_for_someone_else_is_not_mine(client, permit):
    officer = UserFactory()
    applicant = UserFactory()
    recorded = submitted_dossier(version=permit, owner=applicant)
    Dossier.objects.filter(pk=recorded.pk).update(created_by=officer)
    client.force_login(officer)
    assert codes_on(client.get("/ho-so/cua-toi/").content.decode()) == []


@pytest.fixture
def several(citizen, permit, land):
    """One dossier of mine in each status group, in two years and two procedures."""
    return {
        "new": submitted_dossier(
            version=permit, owner=citizen, submitted_at=datetime(2026, 10, 2, 9, tzinfo=VN)
        ),
        "processing": submitted_dossier(
            version=land,
            owner=citizen,
            status=Status.PROCESSING,
            submitted_at=datetime(2026, 9, 15, 9, tzinfo=VN),
        ),
        "done": submitted_dossier(
            version=land,
            owner=citizen,
            status=Status.DONE,
            submitted_at=datetime(2025, 12, 1, 9, tzinfo=VN),
        ),
        "refused": submitted_dossier(
            version=permit,
            owner=citizen,
            status=Status.REFUSED,
            submitted_at=datetime(2025, 11, 20, 9, tzinfo=VN),
        ),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"group": "dang-xu-ly"}, ["new", "processing"]),
        ({"group": "co-ket-qua"}, ["done"]),
        ({"group": "da-ket-thuc"}, ["refused"]),
        ({"group": "can-bo-sung"}, []),
        ({"year": "2025"}, ["done", "refused"]),
        ({"group": "dang-xu-ly", "year": "2026"}, ["new", "processing"]),
        ({"q": "giay chung nhan"}, ["processing", "done"]),
        ({"q": "GIẤY PHÉP môi"}, ["new", "refused"]),
        ({"q": "land-use"}, ["processing", "done"]),
        ({"q": "h56.14-251201"}, ["done"]),
    ],
)
def test_filters_and_search(signed_in, several, land, params, expected):
    page = signed_in.get("/ho-so/cua-toi/", params).content.decode()
    assert codes_on(page) == [several[name].code for name in expected]


@pytest.mark.django_db
def test_filter_by_procedure(signed_in, several, land):
    page = signed_in.get("/ho-so/cua-toi/", {"procedure": land.procedure.code}).content.decode()
    assert codes_on(page) == [several["processing"].code, several["done"].code]
    # the choices are my procedures and my years only
    assert f'<option value="{land.procedure.code}"' in page
    assert '<option value="2025">' in page
    assert '<option value="2024">' not in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"group": "khong-co"},
        {"year": "1999"},
        {"year": "'; DROP TABLE x; --"},
        {"q": "x" * 500},
        {"page": "abc"},
        {"page": "99999"},
        {"page": "-1"},
    ],
)
def test_bad_filters_are_named_and_never_break_the_page(signed_in, several, params):
    response = signed_in.get("/ho-so/cua-toi/", params)
    assert response.status_code == 200
    page = response.content.decode()
    if "page" not in params:
        assert 'class="field-error"' in page
    assert len(codes_on(page)) >= 1


@pytest.mark.django_db
def test_a_nul_character_in_a_filter_is_refused_with_a_message(signed_in, several):
    response = signed_in.get("/ho-so/cua-toi/", {"procedure": "\x00"})
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


@pytest.mark.django_db
def test_twenty_a_page(signed_in, citizen, permit):
    start = datetime(2026, 1, 5, 9, tzinfo=VN)
    for day in range(25):
        submitted_dossier(
            version=permit, owner=citizen, submitted_at=start + timezone.timedelta(days=day)
        )
    first = signed_in.get("/ho-so/cua-toi/").content.decode()
    second = signed_in.get("/ho-so/cua-toi/", {"page": 2}).content.decode()
    assert len(codes_on(first)) == 20
    assert len(codes_on(second)) == 5
    assert "Trang 1/2" in first
    assert set(codes_on(first)).isdisjoint(codes_on(second))


@pytest.mark.django_db
@pytest.mark.parametrize("count", [2, 22])
def test_the_list_makes_the_same_queries_whatever_its_size(
    client, citizen, permit, land, django_assert_num_queries, count
):
    start = datetime(2026, 1, 5, 9, tzinfo=VN)
    for day in range(count):
        submitted_dossier(
            version=permit if day % 2 else land,
            owner=citizen,
            submitted_at=start + timezone.timedelta(days=day * 10),
        )
    client.force_login(citizen)
    # session, user, filter choices (procedures, years), count, page
    with django_assert_num_queries(6):
        response = client.get("/ho-so/cua-toi/", {"q": "giay", "year": "2026"})
    assert response.status_code == 200


# --- Detail ---------------------------------------------------------------------------------


@pytest.fixture
def mine(citizen, permit):
    dossier = submitted_dossier(
        version=permit,
        owner=citizen,
        status=Status.PROCESSING,
        submitted_at=datetime(2026, 10, 1, 9, 30, tzinfo=VN),
    )
    _file(dossier, "don-de-nghi.pdf", citizen)
    return dossier


def _file(dossier, name, by, kind=AttachmentKind.DOCUMENT) -> Attachment:
    attachment = Attachment(
        dossier=dossier,
        kind=kind,
        original_name=name,
        content_type="application/pdf",
        size=1234,
        sha256=hashlib.sha256(name.encode()).hexdigest(),
        uploaded_by=by,
        uploaded_at=timezone.now(),
    )
    attachment.file.save("x", ContentFile(b"%PDF-1.4\n"), save=False)
    attachment.save()
    return attachment


@pytest.mark.django_db
def test_my_dossier_shows_history_with_notes_files_and_appointment(signed_in, mine):
    response = signed_in.get(f"/ho-so/cua-toi/{mine.code}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Đang xử lý" in page
    assert "21/10/2026" in page  # appointment
    assert "Tiếp nhận hồ sơ" in page
    assert cases.STAFF_NOTE in page
    assert "don-de-nghi.pdf" in page
    assert "Nguyễn Văn An" in page
    assert "Bộ phận một cửa Sở" in page


@pytest.mark.django_db
def test_the_code_in_the_address_is_read_like_the_lookup_reads_it(signed_in, mine):
    assert signed_in.get(f"/ho-so/cua-toi/{mine.code.lower()}/").status_code == 200


@pytest.mark.django_db
def test_another_citizen_gets_404(client, mine):
    client.force_login(UserFactory())
    assert client.get(f"/ho-so/cua-toi/{mine.code}/").status_code == 404
    assert client.get("/ho-so/cua-toi/H56.14-261001-0999/").status_code == 404
    assert client.get("/ho-so/cua-toi/'%20OR%201=1/").status_code == 404


@pytest.mark.django_db
def test_result_files_reach_the_applicant_only_once_returned_and_minutes_never(signed_in, mine):
    # given the officers' inspection minutes and the result's map, attached by staff
    officer = UserFactory(is_staff=True)
    minutes = _file(mine, "bien-ban-kiem-tra.pdf", officer, AttachmentKind.INSPECTION)
    result = _file(mine, "ban-do-thua-dat.pdf", officer, AttachmentKind.RESULT)
    # then, while the dossier is processed, the applicant sees only what they submitted
    page = signed_in.get(f"/ho-so/cua-toi/{mine.code}/").content.decode()
    assert "don-de-nghi.pdf" in page
    assert "ban-do-thua-dat.pdf" not in page and "bien-ban-kiem-tra.pdf" not in page
    assert signed_in.get(f"/ho-so/tep/{result.pk}/").status_code == 404
    assert _reusable(mine.owner) == ["don-de-nghi.pdf"]
    # when the result is returned
    Dossier.objects.filter(pk=mine.pk).update(status=Status.RETURNED)
    page = signed_in.get(f"/ho-so/cua-toi/{mine.code}/").content.decode()
    # then its file is listed apart from the submitted ones, and opens; the minutes still not
    submitted, result_part = page.split("Tệp kèm theo kết quả")
    assert "ban-do-thua-dat.pdf" in result_part and "ban-do-thua-dat.pdf" not in submitted
    assert "bien-ban-kiem-tra.pdf" not in page
    assert signed_in.get(f"/ho-so/tep/{result.pk}/").status_code == 200
    assert signed_in.get(f"/ho-so/tep/{minutes.pk}/").status_code == 404
    # and the result's file joins what they may reuse in another dossier
    assert _reusable(mine.owner) == ["ban-do-thua-dat.pdf", "don-de-nghi.pdf"]


def _reusable(owner) -> list[str]:
    return sorted(a.original_name for a in attachment_list_reusable(owner=owner))
