"""Internal processes: drafts, step rules, publication rules, retirement, concurrency, the demo."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from motcua.accounts.models import Role, StaffRole, Unit
from motcua.catalog import process
from motcua.catalog.models import ProcessDefinition, ProcessStep
from motcua.core.errors import Conflict, InvalidInput, PermissionDenied
from motcua.core.models import AuditEntry
from tests.catalog.factories import published_procedure
from tests.factories import AgencyFactory, StaffFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def agency():
    return AgencyFactory(code="H56.14")


@pytest.fixture
def units(agency):
    return {
        "land": UnitFactory(agency=agency, code="VPDKDD", name="Văn phòng Đăng ký đất đai"),
        "office": UnitFactory(agency=agency, code="VP", name="Văn phòng Sở"),
    }


@pytest.fixture
def procedure(agency):
    return published_procedure(code="1.012756", agency=agency, processing_time="17").procedure


@pytest.fixture
def admin(agency, units):
    return StaffFactory(agency=agency, role=Role.ADMINISTRATOR, role__unit=units["office"])


def step_values(units, **overrides):
    values = {
        "name": "Thẩm tra hồ sơ",
        "kind": "handle",
        "unit": units["land"],
        "role": Role.SPECIALIST,
        "duration": "8",
        "actions": ["forward", "consult", "inspect", "request_supplement"],
    }
    return {**values, **overrides}


def add_three_steps(definition, units, durations=("8", "4", "3")):
    """Specialist checks, head approves, director signs: a process that publishes."""
    specs = [
        step_values(units, duration=durations[0]),
        step_values(
            units,
            name="Lãnh đạo phòng duyệt",
            kind="approve",
            role=Role.UNIT_HEAD,
            duration=durations[1],
            actions=["forward", "return_to_step"],
        ),
        step_values(
            units,
            name="Lãnh đạo Sở ký",
            kind="sign",
            unit=units["office"],
            role=Role.DIRECTOR,
            duration=durations[2],
            actions=["return_to_step", "finish"],
        ),
    ]
    return [
        process.process_step_save(actor=None, definition=definition, **values) for values in specs
    ]


def draft_of(procedure, agency):
    return process.process_definition_create(actor=None, procedure=procedure, agency=agency)


# --- Drafts ---------------------------------------------------------------------------------


def test_a_new_version_copies_the_steps_of_the_latest_one(procedure, agency, units, admin):
    # given a published version 1 with three steps
    first = draft_of(procedure, agency)
    add_three_steps(first, units)
    process.process_definition_publish(actor=admin, definition=first)

    # when an administrator starts a new version
    second = process.process_definition_create(actor=admin, procedure=procedure, agency=agency)

    # then it is draft number 2 with copies of the steps (new rows, same content)
    assert (second.number, second.status) == (2, ProcessDefinition.Status.DRAFT)
    copied = list(second.steps.order_by("position"))
    original = list(first.steps.order_by("position"))
    assert [(s.position, s.name, s.unit_id, s.role, s.duration, s.actions) for s in copied] == [
        (s.position, s.name, s.unit_id, s.role, s.duration, s.actions) for s in original
    ]
    assert {s.pk for s in copied}.isdisjoint(s.pk for s in original)
    assert AuditEntry.objects.filter(action="process_definition.create").count() == 2


def test_only_one_draft_at_a_time(procedure, agency):
    # given a draft
    draft_of(procedure, agency)

    # when another one is started, then it is refused and the first draft named
    with pytest.raises(Conflict) as error:
        draft_of(procedure, agency)
    assert error.value.code == "draft_exists" and "phiên bản 1" in error.value.message


def test_a_process_belongs_to_the_agency_that_implements_the_procedure(procedure, agency):
    # given an agency unrelated to the procedure, and a commune agency under its department
    # (codes spelled out: the factory gets or creates by code, and its sequence may reach the
    # fixture's own code)
    stranger = AgencyFactory(code="H99.01")
    commune = AgencyFactory(code="H56.99999", parent=agency, kind="commune")

    # then only the department and the agencies under it may have a process of it
    with pytest.raises(InvalidInput) as error:
        draft_of(procedure, stranger)
    assert error.value.field == "agency"
    assert draft_of(procedure, commune).agency == commune


def test_only_administrators_of_the_agency_manage_its_processes(procedure, agency, units, admin):
    # given a specialist of the agency and the administrator of another agency
    specialist = StaffFactory(agency=agency, role=Role.SPECIALIST, role__unit=units["land"])
    other_admin = StaffFactory(role=Role.ADMINISTRATOR)

    # then neither may start a process; the agency's administrator may
    for actor in (specialist, other_admin):
        with pytest.raises(PermissionDenied):
            process.process_definition_create(actor=actor, procedure=procedure, agency=agency)
    draft = process.process_definition_create(actor=admin, procedure=procedure, agency=agency)
    with pytest.raises(PermissionDenied):
        process.process_step_save(actor=specialist, definition=draft, **step_values(units))


# --- One step -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "  "}, "name"),
        ({"role": Role.ADMINISTRATOR}, "role"),
        ({"role": Role.RECEIVING_OFFICER}, "role"),
        ({"duration": "0"}, "duration"),
        ({"duration": "1.3"}, "duration"),
        ({"duration": "-1"}, "duration"),
        ({"duration": "ba ngày"}, "duration"),
        ({"duration": "NaN"}, "duration"),
        ({"duration": "400"}, "duration"),
        ({"actions": []}, "actions"),
        ({"actions": ["forward", "approve"]}, "actions"),
        ({"actions": "forward"}, "actions"),
        ({"kind": "review"}, "kind"),
        ({"actions": ["forward", "transfer"]}, "actions"),
        ({"transfer_adapter": "tax"}, "transfer_adapter"),
        ({"kind": "transfer", "actions": ["transfer", "forward"]}, "transfer_adapter"),
        ({"kind": "transfer", "actions": ["forward"], "transfer_adapter": "tax"}, "actions"),
        (
            {"kind": "transfer", "actions": ["transfer", "finish"], "transfer_adapter": "tax"},
            "actions",
        ),
        (
            {"kind": "transfer", "actions": ["transfer"], "transfer_adapter": "motcua"},
            "transfer_agency",
        ),
        (
            {"kind": "transfer", "actions": ["transfer"], "transfer_adapter": "thue"},
            "transfer_adapter",
        ),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_a_step_that_breaks_a_rule_is_refused_naming_the_field(
    procedure, agency, units, overrides, field
):
    draft = draft_of(procedure, agency)

    with pytest.raises(InvalidInput) as error:
        process.process_step_save(actor=None, definition=draft, **step_values(units, **overrides))

    assert error.value.field == field
    assert error.value.message  # Vietnamese, shown next to the field
    assert not draft.steps.exists()


def test_a_step_is_handled_by_a_unit_of_the_process_agency(procedure, agency, units):
    draft = draft_of(procedure, agency)
    foreign_unit = UnitFactory()
    closed_unit = UnitFactory(agency=agency, is_active=False)

    for unit in (foreign_unit, closed_unit):
        with pytest.raises(InvalidInput) as error:
            process.process_step_save(actor=None, definition=draft, **step_values(units, unit=unit))
        assert error.value.field == "unit"


def test_transfer_steps_name_their_adapter_and_target(procedure, agency, units):
    draft = draft_of(procedure, agency)
    tax_office = AgencyFactory()

    # a tax transfer has no Motcua target; a Motcua transfer needs one that is another agency
    tax = process.process_step_save(
        actor=None,
        definition=draft,
        **step_values(
            units, kind="transfer", actions=["transfer", "forward"], transfer_adapter="tax"
        ),
    )
    assert (tax.transfer_adapter, tax.transfer_agency) == ("tax", None)
    with pytest.raises(InvalidInput) as error:
        process.process_step_save(
            actor=None,
            definition=draft,
            **step_values(
                units,
                kind="transfer",
                actions=["transfer"],
                transfer_adapter="tax",
                transfer_agency=tax_office,
            ),
        )
    assert error.value.field == "transfer_agency"
    with pytest.raises(InvalidInput):
        process.process_step_save(
            actor=None,
            definition=draft,
            **step_values(
                units,
                kind="transfer",
                actions=["transfer"],
                transfer_adapter="motcua",
                transfer_agency=agency,
            ),
        )
    motcua = process.process_step_save(
        actor=None,
        definition=draft,
        **step_values(
            units,
            kind="transfer",
            actions=["transfer", "forward"],
            transfer_adapter="motcua",
            transfer_agency=tax_office,
        ),
    )
    assert motcua.transfer_agency == tax_office


def test_steps_are_appended_moved_and_deleted_keeping_positions_contiguous(
    procedure, agency, units
):
    # given a draft with three steps
    draft = draft_of(procedure, agency)
    check, approve, sign = add_three_steps(draft, units)
    assert [check.position, approve.position, sign.position] == [1, 2, 3]

    # when the last step moves up, then it swaps with the one before it
    process.process_step_move(actor=None, step=sign, offset=-1)
    assert list(draft.steps.values_list("name", flat=True)) == [
        "Thẩm tra hồ sơ",
        "Lãnh đạo Sở ký",
        "Lãnh đạo phòng duyệt",
    ]
    # when the first step is deleted, then the others move up one place
    process.process_step_delete(actor=None, step=check)
    assert list(draft.steps.values_list("position", "name")) == [
        (1, "Lãnh đạo Sở ký"),
        (2, "Lãnh đạo phòng duyệt"),
    ]
    # and a step cannot leave the list
    with pytest.raises(InvalidInput) as error:
        process.process_step_move(actor=None, step=ProcessStep.objects.get(pk=sign.pk), offset=-1)
    assert error.value.field == "direction"
    assert AuditEntry.objects.filter(action="process_step.move").count() == 1
    assert AuditEntry.objects.filter(action="process_step.delete").count() == 1


def test_an_edit_is_audited_with_what_changed(procedure, agency, units):
    draft = draft_of(procedure, agency)
    step = add_three_steps(draft, units)[0]

    process.process_step_save(
        actor=None, definition=draft, step=step, **step_values(units, duration="6,5")
    )

    step.refresh_from_db()
    assert step.duration == Decimal("6.5")
    entry = AuditEntry.objects.filter(action="process_step.update").get()
    assert entry.changes == {"definition": draft.pk, "duration": ["8.0", "6.5"]}


# --- Publication ----------------------------------------------------------------------------


def test_publishing_retires_the_previous_version(procedure, agency, units, admin):
    # given a published version 1 and a draft version 2
    first = draft_of(procedure, agency)
    add_three_steps(first, units)
    process.process_definition_publish(actor=admin, definition=first)
    second = draft_of(procedure, agency)

    # when version 2 is published
    process.process_definition_publish(actor=admin, definition=second)

    # then it is the one dossiers get, and version 1 is retired
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == ProcessDefinition.Status.RETIRED
    assert second.status == ProcessDefinition.Status.PUBLISHED and second.published_at
    found = process.process_published_for(procedure=procedure)
    assert found == second
    assert AuditEntry.objects.filter(
        action="process_definition.retire", object_id=str(first.pk)
    ).exists()


def test_a_published_version_cannot_be_edited(procedure, agency, units):
    # given a published version
    definition = draft_of(procedure, agency)
    steps = add_three_steps(definition, units)
    process.process_definition_publish(actor=None, definition=definition)

    # then no change reaches it: each answers 409 and asks for a new version
    changes = [
        lambda: process.process_step_save(actor=None, definition=definition, **step_values(units)),
        lambda: process.process_step_save(
            actor=None, definition=definition, step=steps[0], **step_values(units, name="Khác")
        ),
        lambda: process.process_step_delete(actor=None, step=steps[0]),
        lambda: process.process_step_move(actor=None, step=steps[1], offset=-1),
        lambda: process.process_definition_publish(actor=None, definition=definition),
    ]
    for change in changes:
        with pytest.raises(Conflict) as error:
            change()
        assert error.value.code == "process_published"
    assert list(definition.steps.values_list("name", flat=True)) == [s.name for s in steps]


def make_steps(draft, units, specs):
    for name, actions in specs:
        process.process_step_save(
            actor=None,
            definition=draft,
            **step_values(units, name=name, duration="1", actions=actions),
        )


@pytest.mark.parametrize(
    ("specs", "field", "words"),
    [
        ([], "steps", "ít nhất một bước"),
        ([("Một", ["forward"]), ("Hai", ["forward"])], "actions", "Bước cuối cùng"),
        ([("Một", ["forward", "finish"]), ("Hai", ["finish"])], "actions", "chỉ bước cuối"),
        ([("Một", ["consult"]), ("Hai", ["finish"])], "actions", "Chuyển bước tiếp theo"),
        ([("Một", ["forward", "return_to_step"]), ("Hai", ["finish"])], "actions", "bước đầu"),
        ([("Một", ["forward"]), ("Hai", ["forward", "finish"])], "actions", "bước cuối"),
    ],
)
def test_a_process_a_dossier_could_not_run_through_is_not_published(
    procedure, agency, units, specs, field, words
):
    draft = draft_of(procedure, agency)
    make_steps(draft, units, specs)

    with pytest.raises(InvalidInput) as error:
        process.process_definition_publish(actor=None, definition=draft)

    assert error.value.field == field and words in error.value.message
    draft.refresh_from_db()
    assert draft.status == ProcessDefinition.Status.DRAFT


def test_the_steps_must_fit_the_legal_time(procedure, agency, units):
    # given steps of 8 + 6 + 4 = 18 working days for a procedure of 17
    draft = draft_of(procedure, agency)
    approve = add_three_steps(draft, units, durations=("8", "6", "4"))[1]

    # then it is refused, naming the totals
    with pytest.raises(InvalidInput) as error:
        process.process_definition_publish(actor=None, definition=draft)
    assert error.value.field == "duration"
    assert "18 ngày làm việc" in error.value.message and "17" in error.value.message

    # when a step is half a day shorter (17.5 still too long) and then a whole day shorter
    process.process_step_save(
        actor=None,
        definition=draft,
        step=approve,
        **step_values(units, duration="5.5", actions=["forward"]),
    )
    with pytest.raises(InvalidInput):
        process.process_definition_publish(actor=None, definition=draft)
    process.process_step_save(
        actor=None,
        definition=draft,
        step=approve,
        **step_values(units, duration="5", actions=["forward"]),
    )
    assert process.process_definition_publish(actor=None, definition=draft).status == "published"


def test_calendar_days_allow_five_working_days_in_seven(agency, units):
    # given an environmental permit of 30 calendar days (at most 21 working days)
    procedure = published_procedure(
        agency=agency, processing_time="30", processing_time_unit="calendar_days"
    ).procedure
    draft = draft_of(procedure, agency)
    add_three_steps(draft, units, durations=("12", "5", "4.5"))

    # then 21.5 working days are too many, 21 fit
    with pytest.raises(InvalidInput) as error:
        process.process_definition_publish(actor=None, definition=draft)
    assert "30 ngày theo lịch" in error.value.message
    process.process_step_save(
        actor=None,
        definition=draft,
        step=draft.steps.get(position=3),
        **step_values(units, duration="4", actions=["return_to_step", "finish"]),
    )
    process.process_definition_publish(actor=None, definition=draft)


@settings(max_examples=200, deadline=None)
@given(
    days=st.integers(min_value=0, max_value=2000).map(lambda n: Decimal(n) / 2),
    unit=st.sampled_from(["working_days", "calendar_days"]),
)
def test_the_working_day_budget_is_a_half_day_multiple_never_above_the_legal_time(days, unit):
    budget = process.working_day_budget(days, unit)

    assert budget * 2 % 1 == 0 and 0 <= budget <= days
    if unit == "calendar_days":
        assert budget <= days * 5 / 7 < budget + Decimal("0.5")
    else:
        assert budget == days


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    halves=st.lists(st.integers(min_value=1, max_value=16), min_size=1, max_size=5),
    legal_halves=st.integers(min_value=1, max_value=40),
    unit=st.sampled_from(["working_days", "calendar_days"]),
)
def test_random_step_lists_never_publish_over_the_legal_time(
    agency, units, halves, legal_halves, unit
):
    # given a procedure with a random legal time and a draft with random step durations
    legal = Decimal(legal_halves) / 2
    procedure = published_procedure(
        agency=agency, processing_time=str(legal), processing_time_unit=unit
    ).procedure
    draft = draft_of(procedure, agency)
    for index, half_days in enumerate(halves):
        last = index == len(halves) - 1
        process.process_step_save(
            actor=None,
            definition=draft,
            **step_values(
                units,
                name=f"Bước {index + 1}",
                duration=str(Decimal(half_days) / 2),
                actions=["finish"] if last else ["forward"],
            ),
        )
    total = sum(Decimal(h) / 2 for h in halves)

    # when it is published, then it is published exactly when the total fits the legal time
    try:
        process.process_definition_publish(actor=None, definition=draft)
    except InvalidInput as error:
        assert error.field == "duration"
        assert total > process.working_day_budget(legal, unit)
    else:
        assert total <= process.working_day_budget(legal, unit)
        assert total <= legal


# --- Two administrators at once --------------------------------------------------------------


def test_a_change_based_on_a_stale_list_is_refused(procedure, agency, units):
    # given two administrators who opened the same draft
    draft = draft_of(procedure, agency)
    steps = add_three_steps(draft, units)
    seen = process.process_definition_revision(
        steps=process.process_steps_annotated(definition=draft)
    )

    # when the first moves a step
    process.process_step_move(actor=None, step=steps[2], offset=-1, expected_revision=seen)

    # then the second's change, made on the list they saw, answers 409 and changes nothing
    with pytest.raises(Conflict) as error:
        process.process_step_delete(actor=None, step=steps[0], expected_revision=seen)
    assert error.value.code == "stale_version"
    with pytest.raises(Conflict):
        process.process_definition_publish(actor=None, definition=draft, expected_revision=seen)
    assert draft.steps.count() == 3


def test_a_step_deleted_by_someone_else_is_a_conflict(procedure, agency, units):
    draft = draft_of(procedure, agency)
    step = add_three_steps(draft, units)[0]
    stale = ProcessStep.objects.get(pk=step.pk)
    process.process_step_delete(actor=None, step=step)

    with pytest.raises(Conflict):
        process.process_step_save(
            actor=None, definition=draft, step=stale, **step_values(units, name="Đổi tên")
        )


# --- Demo -------------------------------------------------------------------------------------


def test_every_demo_procedure_gets_a_published_process_that_staff_can_run():
    # given the demo accounts and the demo catalogue
    call_command("demo", verbosity=0)
    call_command("load_demo_catalog", verbosity=0)
    audit_entries = AuditEntry.objects.count()

    # then each of the 13 procedures has one published process within its legal time
    definitions = ProcessDefinition.objects.select_related("procedure__current_version")
    assert definitions.filter(status="published").count() == 13
    for definition in definitions:
        steps = process.process_steps_annotated(definition=definition, with_holders=True)
        assert process.process_definition_problem(definition=definition, steps=steps) is None
        # and someone holds every step's role in its unit
        assert all(step.has_holder for step in steps), definition
    # land registration and re-issue go through the tax authority before the head approves
    for code in ("1.012756", "1.012783"):
        steps = list(
            ProcessStep.objects.filter(definition__procedure__code=code).order_by("position")
        )
        assert [step.kind for step in steps] == ["handle", "transfer", "approve", "sign"]
        assert steps[1].transfer_adapter == "tax"
    # least-load assignment has a choice among the land specialists
    land = Unit.objects.get(agency__code="H56.14", code="VPDKDD")
    assert StaffRole.objects.filter(unit=land, role=Role.SPECIALIST).count() == 2

    # when the commands run again, nothing changes
    call_command("demo", verbosity=0)
    call_command("load_demo_catalog", verbosity=0)
    assert AuditEntry.objects.count() == audit_entries
