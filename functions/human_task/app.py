"""SOP 4-6: a human task starts (waitForTaskToken): its link is stored and emailed to the named person."""

from akta.observability import MetricUnit, logger, metrics, task_handler
from akta.service.staff import start_task


@task_handler()
def handler(event, context):
    metrics.add_metadata("application_id", event["application_id"])  # a property, never a dimension
    step = start_task(application_id=event["application_id"], task_token=event["task_token"], state=event["state"])
    metrics.add_dimension("sop_step", str(step.sop_step))
    metrics.add_metric("HumanTasksStarted", MetricUnit.Count, 1)
    logger.info("human task started", extra={"state": step.state, "role": step.role})
    return {"waiting": step.role}
