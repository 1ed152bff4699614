"""Answers to waiting Step Functions tasks. Outputs carry decisions and codes, never personal data."""

from __future__ import annotations

import json

from akta.adapters.aws import client
from akta.domain.errors import Refused


class TaskGone(Refused):
    """The task no longer waits (answered, timed out, or its execution ended)."""

    code = "task_gone"


def send_success(task_token: str, output: dict) -> None:
    sfn = client("stepfunctions")
    try:
        sfn.send_task_success(taskToken=task_token, output=json.dumps(output))
    except (sfn.exceptions.TaskTimedOut, sfn.exceptions.InvalidToken, sfn.exceptions.TaskDoesNotExist):
        raise TaskGone() from None
