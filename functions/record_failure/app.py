"""A step failed for good: the failure is recorded; the application and its documents stay intact."""

from akta.observability import MetricUnit, logger, metrics, task_handler
from akta.service.lifecycle import record_failure
from akta.wiring import Wiring

adapters = Wiring.from_environment()  # this function's declared settings, checked once at start


@task_handler()
def handler(event, context):
    metrics.add_metadata("application_id", event["application_id"])  # a property, never a dimension
    record_failure(adapters, event["application_id"], event["error"])
    metrics.add_dimension("error", event["error"])
    metrics.add_metric("ApplicationsFailed", MetricUnit.Count, 1)
    logger.error("application failed", extra={"error": event["error"]})
    return {"recorded": True}
