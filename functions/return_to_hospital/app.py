"""SOP 3: the incomplete file goes back to the hospital (waitForTaskToken); resubmission answers the task."""

from akta.observability import MetricUnit, metrics, task_handler
from akta.service.returns import return_to_hospital
from akta.wiring import Wiring

adapters = Wiring.from_environment()  # this function's declared settings, checked once at start


@task_handler()
def handler(event, context):
    metrics.add_metadata("application_id", event["application_id"])  # a property, never a dimension
    return_to_hospital(adapters, event["application_id"], event["task_token"])
    metrics.add_metric("FilesReturned", MetricUnit.Count, 1)
    return {"waiting": "hospital"}
