"""SOP 6: the Akta Kelahiran is laid out, signed (PAdES) and archived."""

from akta.observability import MetricUnit, logger, metrics, task_handler
from akta.service.certificate import issue
from akta.wiring import Wiring

adapters = Wiring.from_environment()  # this function's declared settings, checked once at start


@task_handler()
def handler(event, context):
    metrics.add_metadata("application_id", event["application_id"])  # a property, never a dimension
    result = issue(adapters, event["application_id"])
    metrics.add_metric("CertificatesIssued", MetricUnit.Count, 1)
    logger.info("certificate issued")
    return result
