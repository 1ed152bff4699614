"""The SOP catalogue, the timeline, and the state machine as the single description of the SOP."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

from akta.domain import sop
from akta.domain.timeline import TimelineEvent, summarise
from infra.declaration import ASL_PATH, FUNCTIONS, FUNCTIONS_DIR, placeholders

ASL = json.loads(ASL_PATH.read_text())
STATES = ASL["States"]
T0 = datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)


def tasks():
    return {name: s for name, s in STATES.items() if s["Type"] == "Task"}


def test_sop_catalogue_has_the_nine_steps_with_their_mutu_baku():
    assert [s.number for s in sop.SOP_STEPS] == list(range(1, 10))
    minutes = {s.number: (s.target.total_seconds() / 60 if s.target else None) for s in sop.SOP_STEPS}
    assert minutes == {1: 5, 2: None, 3: 5, 4: 3, 5: 3, 6: 2, 7: 2, 8: 2, 9: 2}
    assert sop.step(6).actor == "Kepala Dinas"


def test_every_state_named_in_the_sop_catalogue_exists_and_every_task_belongs_to_a_step_or_escalates():
    catalogued = {state for s in sop.SOP_STEPS for state in s.states}
    assert catalogued <= set(STATES)
    for name in tasks():
        assert name in catalogued or name.startswith("Escalate") or name == "RecordFailure", name


def test_every_functions_folder_is_declared_and_every_declared_function_has_a_handler():
    folders = {p.parent.name for p in FUNCTIONS_DIR.glob("*/app.py")}
    assert folders == {f.name for f in FUNCTIONS}


def test_every_asl_placeholder_is_bound_and_every_bound_placeholder_is_used():
    used = set(re.findall(r"\$\{(\w+)\}", ASL_PATH.read_text()))
    assert used == set(placeholders())


def test_every_task_keeps_its_input_retries_and_catches():
    for name, state in tasks().items():
        assert state.get("ResultPath", "").startswith("$."), name
        assert state["Retry"] and state["Retry"][0]["MaxAttempts"] <= 3, name
        if name != "RecordFailure":
            assert any(c["ErrorEquals"] == ["States.ALL"] and c["Next"] == "RecordFailure" for c in state["Catch"]), name


def test_human_and_outside_waits_use_task_tokens_with_timeouts_from_the_input_and_a_timeout_catch():
    waits = {n: s for n, s in tasks().items() if s["Resource"].endswith(".waitForTaskToken")}
    assert set(waits) == {"ReturnToHospital", "EnterIntoSiak", "VerifyApplication", "SignCertificate",
                          "NotifyApplicant", "CollectAtDriveThru"}
    for name, state in waits.items():
        assert state["TimeoutSecondsPath"].startswith("$.timeouts."), name
        assert "TimeoutSeconds" not in state
        assert state["Parameters"]["Payload"]["task_token.$"] == "$$.Task.Token"
        timeout_catch = state["Catch"][0]
        assert timeout_catch["ErrorEquals"] == ["States.Timeout"], name
        if name != "NotifyApplicant":  # escalation waits again on the same state
            assert STATES[timeout_catch["Next"]]["Next"] == name
    # no confirmation of the email within its timeout -> Drive-Thru
    assert STATES[waits["NotifyApplicant"]["Catch"][0]["Next"]]["Next"] == "CollectAtDriveThru"


def test_decisions_route_as_the_sop_says_verifier_reject_to_hospital_head_reject_to_verifier():
    assert STATES["VerifierDecision"]["Choices"][0]["Next"] == "SignCertificate"
    assert STATES["VerifierDecision"]["Default"] == "ReturnToHospital"
    assert STATES["HeadDecision"]["Choices"][0]["Next"] == "IssueCertificate"
    assert STATES["HeadDecision"]["Default"] == "VerifyApplication"
    assert STATES["Releasable"]["Default"] == "ReleaseRefused"


def test_execution_input_carries_ids_only():
    # Every Payload passes ids, routing facts and the task token, never application data.
    allowed = {"application_id.$", "attempt.$", "task_token.$", "state", "error.$", "delivery_outcome.$"}
    for name, state in tasks().items():
        assert set(state["Parameters"]["Payload"]) <= allowed, name


def _event(step, phase, minutes, actor="sistem", outcome=""):
    return TimelineEvent(step, phase, T0 + timedelta(minutes=minutes), actor, outcome)


def test_timeline_rows_measure_each_visit_of_a_step_against_its_target():
    rows = summarise([
        _event(2, "started", 0, "hospital"), _event(2, "finished", 4, "hospital", "submitted"),
        _event(3, "started", 4), _event(3, "finished", 4.1, outcome="incomplete"),
        _event(3, "started", 4.1, "hospital"), _event(3, "finished", 30, "hospital", "resubmitted"),
        _event(3, "started", 30), _event(3, "finished", 30.1, outcome="complete"),
        _event(4, "started", 31, "operator"),
    ])
    assert [(r.label, r.outcome, r.within_target) for r in rows] == [
        ("1-2", "submitted", True), ("3", "incomplete", True), ("3", "resubmitted", False),
        ("3", "complete", True), ("4", "", None),
    ]
    assert rows[0].target == timedelta(minutes=5)  # steps 1-2 are one line, with step 1's target
    assert rows[-1].finished is None  # still waiting for the operator


def test_timeline_a_recorded_failure_is_a_point_in_time_outside_the_sop_steps():
    (row,) = summarise([_event(0, "finished", 1, outcome="failed:X")])
    assert row.label == "-" and row.target is None and row.within_target is None


def test_timeline_rows_name_the_sop_actor_of_their_step():
    rows = [r.as_dict() for r in summarise([_event(2, "started", 0, "hospital"), _event(6, "finished", 1, "head", "signed")])]
    assert [r["sop_actor"] for r in rows] == ["Pemohon / Operator Bidan/RS", "Kepala Dinas"]


def test_timeline_an_sla_reminder_is_a_note_on_the_running_step_not_its_end():
    (row,) = summarise([_event(4, "started", 0, "operator"), _event(4, "note", 4, outcome="sla_reminder")])
    assert row.finished is None and row.notes == ("sla_reminder",)


def test_timeline_a_file_submitted_friday_night_is_judged_in_office_time_not_wall_time():
    from akta.domain.calendar import load_calendar

    friday_night = datetime(2026, 11, 27, 15, 0, tzinfo=timezone.utc)  # 22:00 WIB
    monday_morning = datetime(2026, 11, 30, 1, 4, tzinfo=timezone.utc)  # 08:04 WIB
    (row,) = summarise([TimelineEvent(3, "started", friday_night, "sistem"),
                        TimelineEvent(3, "finished", monday_morning, "sistem", "complete")], load_calendar())
    assert row.office_time == timedelta(minutes=4) and row.wall_time > timedelta(days=2)
    assert row.within_target is True
