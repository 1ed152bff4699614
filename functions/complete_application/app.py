"""SOP 9: the applicant has received the document; the file is closed."""

from akta.observability import MetricUnit, metrics, task_handler
from akta.service.delivery import complete
from akta.wiring import Wiring

adapters = Wiring.from_environment()  # this function's declared settings, checked once at start


@task_handler()
def handler(event, context):
    metrics.add_metadata("application_id", event["application_id"])  # a property, never a dimension
    complete(adapters, event["application_id"])
    metrics.add_metric("ApplicationsCompleted", MetricUnit.Count, 1)
    return {"completed": True}
