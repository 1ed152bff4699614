"""The SOP's state machine: executions started by name, waiting tasks answered. Outputs carry decisions
and codes, never personal data."""

from __future__ import annotations

import json

from akta.adapters.aws import client
from akta.domain.errors import Refused


class TaskGone(Refused):
    """The task no longer waits (answered, timed out, or its execution ended)."""

    code = "task_gone"


class Executions:
    """The state machine's executions, started by a fixed name per application attempt."""

    def __init__(self, state_machine_arn: str):
        self._sfn = client("stepfunctions")
        self.state_machine_arn = state_machine_arn

    def start(self, name: str, input: dict) -> None:
        # Same name, same input: a second start returns the running execution instead of a new one.
        self._sfn.start_execution(stateMachineArn=self.state_machine_arn, name=name, input=json.dumps(input))

    def started(self, name: str) -> bool:
        arn = self.state_machine_arn.replace(":stateMachine:", ":execution:") + f":{name}"
        try:
            self._sfn.describe_execution(executionArn=arn)
        except self._sfn.exceptions.ExecutionDoesNotExist:
            return False
        return True


class Callbacks:
    """Answers to waiting tasks: the token says which; no state machine setting is needed."""

    def __init__(self):
        self._sfn = client("stepfunctions")

    def answer(self, task_token: str, output: dict) -> None:
        try:
            self._sfn.send_task_success(taskToken=task_token, output=json.dumps(output))
        except (self._sfn.exceptions.TaskTimedOut, self._sfn.exceptions.InvalidToken,
                self._sfn.exceptions.TaskDoesNotExist):
            raise TaskGone() from None

    def fail(self, task_token: str, error: str) -> None:
        """End the waiting task with an error the state machine's Catch routes (an error name, no message)."""
        try:
            self._sfn.send_task_failure(taskToken=task_token, error=error)
        except (self._sfn.exceptions.TaskTimedOut, self._sfn.exceptions.InvalidToken,
                self._sfn.exceptions.TaskDoesNotExist):
            raise TaskGone() from None
