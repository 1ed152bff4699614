"""SOP 7: email with the certificate and a WhatsApp notice, sent from inside the waiting task."""

from akta.observability import MetricUnit, metrics, task_handler
from akta.service.delivery import notify
from akta.wiring import Wiring

adapters = Wiring.from_environment()  # this function's declared settings, checked once at start


@task_handler()
def handler(event, context):
    metrics.add_metadata("application_id", event["application_id"])  # a property, never a dimension
    notify(adapters, event["application_id"], event["task_token"])
    metrics.add_metric("NoticesSent", MetricUnit.Count, 1)
    return {"waiting": "delivery"}
