"""The waits catalogue (akta.domain.waits) against the ASL, both ways, and the registries derived from it."""

import dataclasses
import types
import json
from pathlib import Path

import pytest

from akta.domain import sop, waits
from akta.domain.waits import WAITS, Answer, Party, Wait

ASL = json.loads((Path(__file__).parents[2] / "statemachine" / "birth_certificate.asl.json").read_text())
STATES = ASL["States"]
WAIT_STATES = {name: s for name, s in STATES.items() if s.get("Resource", "").endswith(".waitForTaskToken")}


def test_every_wait_state_of_the_asl_is_catalogued_and_every_entry_is_in_the_asl():
    assert set(WAIT_STATES) == {w.state for w in WAITS}
    assert len({w.state for w in WAITS}) == len(WAITS)


@pytest.mark.parametrize("entry", WAITS, ids=lambda w: w.state)
def test_the_asl_state_has_the_catalogued_timeout_catch_and_result_path(entry: Wait):
    state = WAIT_STATES[entry.state]
    assert state["TimeoutSecondsPath"] == f"$.timeouts.{entry.timeout_key}"
    assert state["ResultPath"] == entry.result_path
    timeout = [c for c in state["Catch"] if c["ErrorEquals"] == ["States.Timeout"]]
    assert [c["Next"] for c in timeout] == [entry.on_timeout]
    assert state["Catch"][-1] == {"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure", "Next": "RecordFailure"}
    # Only ids and the state's name go to the function: role, step and labels come from the catalogue.
    assert state["Parameters"]["Payload"].get("state", entry.state) == entry.state


@pytest.mark.parametrize("entry", WAITS, ids=lambda w: w.state)
def test_each_answer_goes_where_the_catalogue_says(entry: Wait):
    state = WAIT_STATES[entry.state]
    if not entry.answer_field:  # one way on: the task's Next
        assert [a.next for a in entry.answers] == [state["Next"]]
        return
    choice = STATES[state["Next"]]
    assert choice["Type"] == "Choice"
    variable = f"{entry.result_path}.{entry.answer_field}"
    routes = {}
    for rule in choice["Choices"]:
        assert rule["Variable"] == variable
        routes[rule["StringEquals"]] = rule["Next"]
    catalogued = {a.value: a.next for a in entry.answers}
    assert set(routes) <= set(catalogued), "the Choice routes an answer the catalogue does not know"
    for value, target in catalogued.items():
        assert routes.get(value, choice["Default"]) == target, value


@pytest.mark.parametrize("entry", WAITS, ids=lambda w: w.state)
def test_the_timeout_target_waits_again_or_moves_on(entry: Wait):
    target = STATES[entry.on_timeout]
    if entry.on_timeout.startswith("Escalate"):
        assert target["Parameters"]["Payload"] == {"application_id.$": "$.application_id", "state": entry.state}
        assert target["Next"] == entry.state
    else:  # the delivery outcome's silence is a non-delivery
        assert target["Type"] == "Pass"


def test_every_escalation_in_the_asl_names_a_catalogued_wait():
    for name, state in STATES.items():
        if name.startswith("Escalate"):
            assert waits.wait(state["Parameters"]["Payload"]["state"]).on_timeout == name


@pytest.mark.parametrize("entry", WAITS, ids=lambda w: w.state)
def test_the_wait_belongs_to_a_measured_sop_step(entry: Wait):
    assert sop.target(entry.sop_step) is not None
    assert entry.role in sop.ACTOR_LABELS


def test_staff_answers_are_a_way_on_and_a_rejection_with_its_field():
    for entry in waits.staff_waits():
        assert [a.rejects for a in entry.answers] == [False, True]
        assert entry.rejection_field
    for entry in WAITS:
        if entry.party is not Party.STAFF:
            assert not any(a.rejects for a in entry.answers) and entry.rejection_field is None


@pytest.mark.parametrize("cls, sample", [(Wait, WAITS[1]), (Answer, WAITS[1].answers[0])], ids=["Wait", "Answer"])
def test_leaving_out_a_required_field_fails_at_declaration(cls, sample):
    fields = {f.name: getattr(sample, f.name) for f in dataclasses.fields(cls)}
    required = [f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING]
    assert required
    for name in required:
        with pytest.raises(TypeError):
            cls(**{k: v for k, v in fields.items() if k != name})


def test_registries_are_derived_from_the_catalogue():
    # Service modules are imported here, not at collection: some import the shared Metrics, which reads
    # its namespace from the environment once, and the sandbox sets that environment later.
    from akta.config import Config
    from akta.service import directory, intake

    assert intake.wait_timeouts(types.SimpleNamespace(config=Config.of(WAIT_TIMEOUTS="{}"))).keys() == {w.timeout_key for w in WAITS}
    assert waits.STAFF_ROLES == ("operator", "verifier", "head")
    assert directory.ROLES == ("operator", "verifier", "head", "drive_thru", "supervisor")
    assert {w.role: w.role_label for w in WAITS}.items() <= sop.ACTOR_LABELS.items()


def test_every_mail_event_outcome_is_an_answer_of_the_delivery_wait():
    from akta.service import delivery

    assert set(delivery.SES_OUTCOMES.values()) <= {a.value for a in waits.wait("NotifyApplicant").answers}
