"""The audit log in the admin: readable and filterable by staff, editable by nobody."""

import pytest
from django.contrib.admin.sites import site
from django.urls import reverse

from motcua.core.audit import audit_record
from motcua.core.middleware import RequestContext, _current
from motcua.core.models import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries():
    actor = UserFactory(username="chuyenvien", full_name="Trần Thị B")
    return [
        audit_record(
            actor=actor,
            action="dossier.receive",
            object_type="dossiers.dossier",
            object_id="H56.14-251123-0007",
            object_label="Hồ sơ H56.14-251123-0007",
            changes={"status": ["new", "received"], "ghi_chú": "đủ giấy tờ"},
        ),
        audit_record(
            actor=None,
            action="agency.update",
            object_type="accounts.agency",
            object_id="12",
            object_label="Sở Nông nghiệp và Môi trường",
            changes={"name": ["cũ", "mới"]},
        ),
    ]


def test_superuser_cannot_add_change_or_delete(admin_client, admin_user, entries, rf):
    # given a superuser, who holds every permission
    request = rf.get("/")
    request.user = admin_user
    model_admin = site.get_model_admin(AuditEntry)
    # then the admin still refuses every write
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entries[0])
    assert not model_admin.has_delete_permission(request, entries[0])
    assert "delete_selected" not in model_admin.get_actions(request)
    # and the URLs say so too
    entry = entries[0]
    assert admin_client.get(reverse("admin:core_auditentry_add")).status_code == 403
    assert (
        admin_client.post(reverse("admin:core_auditentry_delete", args=[entry.pk])).status_code
        == 403
    )
    response = admin_client.post(
        reverse("admin:core_auditentry_change", args=[entry.pk]), {"action": "sửa"}
    )
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.action == "dossier.receive"


def test_list_shows_entries_with_filters_and_date_hierarchy(admin_client, entries):
    response = admin_client.get(reverse("admin:core_auditentry_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hồ sơ H56.14-251123-0007" in html
    assert "chuyenvien (Trần Thị B)" in html
    for filter_param in ("?action=", "?object_type=", "?actor__id__exact="):
        assert filter_param in html
    assert "occurred_at__year" in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "H56.14-251123-0007"}, "dossier.receive"),
        ({"q": "Nông nghiệp"}, "agency.update"),
        ({"action": "agency.update"}, "agency.update"),
        ({"object_type": "dossiers.dossier"}, "dossier.receive"),
    ],
)
def test_search_and_filters_narrow_the_list(admin_client, entries, params, expected):
    response = admin_client.get(reverse("admin:core_auditentry_changelist"), params)
    shown = list(response.context["cl"].result_list)
    assert [entry.action for entry in shown] == [expected]


def test_search_by_request_id(admin_client, entries):
    # given an entry recorded during a request (the middleware sets the context)
    token = _current.set(RequestContext(request_id="abc123", ip="10.0.0.1"))
    try:
        audit_record(actor=None, action="x.request", object_type="t", object_id="1")
    finally:
        _current.reset(token)
    response = admin_client.get(reverse("admin:core_auditentry_changelist"), {"q": "abc123"})
    assert [entry.action for entry in response.context["cl"].result_list] == ["x.request"]


def test_detail_shows_changes_as_pretty_json(admin_client, entries):
    response = admin_client.get(reverse("admin:core_auditentry_change", args=[entries[0].pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<pre class="audit-changes">' in html
    assert "&quot;ghi_chú&quot;: &quot;đủ giấy tờ&quot;" in html
    assert "\n  &quot;status&quot;: [\n" in html
    # read-only: no form inputs for the entry's fields, no save button
    assert 'name="action"' not in html
    assert 'name="_save"' not in html
