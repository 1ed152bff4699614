"""Powertools Logger and Metrics, shared by every function (service name and namespace from the environment).

Log ids, codes and masked values only: never the event, never a name or a NIK.
"""

import functools
import sys
import traceback
import warnings

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from akta.domain.errors import ServiceError

# Reads (a status, a page view) publish no metric; an empty flush is expected there, not a mistake.
warnings.filterwarnings("ignore", message="No application metrics to publish")

logger = Logger()
metrics = Metrics()


def _quotes_input(exc: Exception) -> bool:
    """pydantic's ValidationError quotes the values it was given (names, NIKs) in its message."""
    pydantic = sys.modules.get("pydantic")  # not imported here: a step that never loaded it cannot raise its errors
    return bool(pydantic) and isinstance(exc, pydantic.ValidationError)


def log_unexpected(exc: Exception) -> None:
    """A bug: its type and stack, never its message when that may echo input."""
    if _quotes_input(exc):
        detail = [{"loc": list(e["loc"]), "type": e["type"]} for e in exc.errors(include_input=False, include_url=False)]
    else:
        detail = str(exc)
    logger.error("unexpected error", extra={"error_type": type(exc).__name__, "detail": detail,
                                            "stack": traceback.format_tb(exc.__traceback__)})


def task_handler(correlation_id_path: str | None = "application_id"):
    """A step's Lambda handler, as the state machine (or a schedule, or an event) invokes it: metrics flushed,
    the correlation id logged, and the one mapping of this surface: an error leaves the handler with its own
    type, which the ASL's Retry (`TransientError`) and Catch read, after a log line with its code, or with
    its stack when it is a bug."""

    def decorate(handler):
        @metrics.log_metrics
        @logger.inject_lambda_context(correlation_id_path=correlation_id_path)
        @functools.wraps(handler)
        def run(event, context):
            try:
                return handler(event, context)
            except ServiceError as error:
                logger.warning("step stopped", extra={"error_type": type(error).__name__, "code": error.code,
                                                      "ids": [str(i) for i in error.ids]})
                raise
            except Exception as error:
                log_unexpected(error)
                if _quotes_input(error):  # its message would reach the execution's cause: keep the type only
                    raise type(type(error).__name__, (Exception,), {})("validation failed (logged without values)") from None
                raise

        return run

    return decorate


__all__ = ["logger", "metrics", "MetricUnit", "log_unexpected", "task_handler"]
