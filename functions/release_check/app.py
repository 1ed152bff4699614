"""SOP 7: the release check. Nothing is sent unless the signature is valid and the content matches the record."""

from akta.observability import MetricUnit, logger, metrics, task_handler
from akta.service.certificate import release_check
from akta.wiring import Wiring

adapters = Wiring.from_environment()  # this function's declared settings, checked once at start


@task_handler()
def handler(event, context):
    metrics.add_metadata("application_id", event["application_id"])  # a property, never a dimension
    result = release_check(adapters, event["application_id"])
    metrics.add_metric("ReleasesRefused", MetricUnit.Count, 0 if result["released"] else 1)
    logger.info("release checked", extra=result)
    return result
