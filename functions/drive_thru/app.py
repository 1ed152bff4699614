"""SOP 8: the email did not arrive; a pickup code goes out by WhatsApp and the counter's handover ends the wait."""

from akta.observability import MetricUnit, metrics, task_handler
from akta.service.delivery import start_drive_thru
from akta.wiring import Wiring

adapters = Wiring.from_environment()  # this function's declared settings, checked once at start


@task_handler()
def handler(event, context):
    metrics.add_metadata("application_id", event["application_id"])  # a property, never a dimension
    start_drive_thru(adapters, event["application_id"], event["task_token"], event["delivery_outcome"])
    metrics.add_dimension("delivery_outcome", event["delivery_outcome"])
    metrics.add_metric("DriveThruPickups", MetricUnit.Count, 1)
    return {"waiting": "drive_thru"}
