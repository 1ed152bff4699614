"""Engine floors generated from the real ASL by program, never written by hand.

- The no-op machine: the same states, but every Lambda task calls a no-op handler through the sandbox's
  router (the same routing as the real functions, served in the sandbox's own process). A no-op behind a `.waitForTaskToken` task
  answers its token at once.
- The all-Pass machine: every Task state becomes a Pass state.

Both produce, at each task's ResultPath, what sends the SOP forward: the Choice after the task takes its
first rule (in this ASL, always the way forward), and every field a ResultSelector reads is there.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass

from akta.adapters.aws import client

WAIT_SUFFIX = ".waitForTaskToken"


def tasks(asl: dict) -> dict[str, dict]:
    return {name: state for name, state in asl["States"].items() if state["Type"] == "Task"}


def is_wait(state: dict) -> bool:
    return state.get("Type") == "Task" and state["Resource"].endswith(WAIT_SUFFIX)


def forward_result(states: dict, name: str) -> dict:
    """What task `name` leaves at its ResultPath when the SOP goes forward."""
    state = states[name]
    result = {key.removesuffix(".$"): "noop" for key in state.get("ResultSelector", {})}
    following = states.get(state.get("Next", ""), {})
    if following.get("Type") == "Choice":
        rule = following["Choices"][0]
        prefix = state["ResultPath"] + "."
        if not rule.get("Variable", "").startswith(prefix):
            raise ValueError(f"the Choice after {name} does not read {name}'s result")
        (comparison,) = [key for key in rule if key.endswith("Equals")]
        result[rule["Variable"][len(prefix):]] = rule[comparison]
    return result


def lambda_answer(state: dict, result: dict) -> dict:
    """What the Lambda must return so that the state's ResultSelector yields `result`."""
    selector = state.get("ResultSelector")
    if not selector:
        return result
    return {selector[f"{key}.$"].removeprefix("$.Payload."): value for key, value in result.items()}


def token_field(state: dict) -> str | None:
    """The payload field that carries the task token, for a `.waitForTaskToken` task."""
    if not is_wait(state):
        return None
    payload = state["Parameters"]["Payload"]
    return next(key.removesuffix(".$") for key, value in payload.items() if value == "$$.Task.Token")


@dataclass
class NoOp:
    """A handler that does nothing but what the flow needs to go on: answer its token, or return."""

    answer: dict
    token_field: str | None = None

    def __call__(self, event, context):
        if self.token_field:
            client("stepfunctions").send_task_success(taskToken=event[self.token_field], output=json.dumps(self.answer))
            return {}
        return self.answer


def noop_machine(asl: dict, arn) -> tuple[dict, dict[str, NoOp]]:
    """The real machine with every Lambda task pointed at its own no-op function (`arn(name)` names it)."""
    machine = copy.deepcopy(asl)
    handlers = {}
    for name, state in tasks(machine).items():
        function = f"noop_{name}"
        state["Parameters"]["FunctionName"] = arn(function)
        result = forward_result(machine["States"], name)
        field = token_field(state)
        handlers[function] = NoOp(result if field else lambda_answer(state, result), field)
    _check_no_placeholders(machine)
    return machine, handlers


def pass_machine(asl: dict) -> dict:
    """The real machine with every Task state replaced by a Pass state giving the same forward result."""
    machine = copy.deepcopy(asl)
    for name, state in tasks(asl).items():
        replacement = {"Type": "Pass", "Comment": f"was Task: {state.get('Comment', name)}",
                       "Result": forward_result(asl["States"], name), "ResultPath": state["ResultPath"]}
        replacement |= {"Next": state["Next"]} if "Next" in state else {"End": True}
        machine["States"][name] = replacement
    _check_no_placeholders(machine)
    return machine


def _check_no_placeholders(machine: dict) -> None:
    if "${" in json.dumps(machine):
        raise ValueError("a ${Placeholder} is left in the generated machine")
