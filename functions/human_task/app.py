"""SOP 4-6: a human task starts (waitForTaskToken): its link is stored and emailed to the named person."""

from akta.observability import MetricUnit, logger, metrics, task_handler
from akta.service.staff import start_task
from akta.wiring import Wiring

adapters = Wiring.from_environment()  # this function's declared settings, checked once at start


@task_handler()
def handler(event, context):
    metrics.add_metadata("application_id", event["application_id"])  # a property, never a dimension
    step = start_task(adapters, application_id=event["application_id"], task_token=event["task_token"], state=event["state"])
    metrics.add_dimension("sop_step", str(step.sop_step))
    metrics.add_metric("HumanTasksStarted", MetricUnit.Count, 1)
    logger.info("human task started", extra={"state": step.state, "role": step.role})
    return {"waiting": step.role}
