"""A task passed its outer time limit: the supervisor is told, then the task waits again."""

from akta.observability import MetricUnit, logger, metrics, task_handler
from akta.service.lifecycle import escalate
from akta.wiring import Wiring

adapters = Wiring.from_environment()  # this function's declared settings, checked once at start


@task_handler()
def handler(event, context):
    metrics.add_metadata("application_id", event["application_id"])  # a property, never a dimension
    step = escalate(adapters, event["application_id"], event["state"])
    metrics.add_dimension("sop_step", str(step.sop_step))
    metrics.add_metric("Escalations", MetricUnit.Count, 1)
    logger.warning("task escalated", extra={"state": step.state})
    return {"escalated": step.state}
