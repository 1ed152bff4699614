"""Lambda's context object: the parts the handlers and Powertools read. Standard library only, so that an
execution environment and the benchmark's cold-start child can make one without importing anything else."""

from __future__ import annotations

import time


class LambdaContext:
    def __init__(self, name: str, memory_mb: int, arn: str, request_id: str, deadline: float):
        """`deadline`: time.monotonic() at which the invocation times out."""
        self.function_name, self.memory_limit_in_mb, self.invoked_function_arn = name, memory_mb, arn
        self.aws_request_id, self.function_version, self._deadline = request_id, "$LATEST", deadline
        self.log_group_name, self.log_stream_name = f"/aws/lambda/{name}", request_id

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))
