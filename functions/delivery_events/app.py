"""SES configuration-set events (via EventBridge) answer the waiting notification task."""

from akta.observability import MetricUnit, logger, metrics, task_handler
from akta.service.delivery import on_ses_event
from akta.wiring import Wiring

adapters = Wiring.from_environment()  # this function's declared settings, checked once at start


@task_handler(correlation_id_path=None)
def handler(event, context):
    detail = event["detail"]
    tags = detail["mail"]["tags"]
    application_id = tags["application_id"][0]
    logger.append_keys(correlation_id=application_id)
    answered = on_ses_event(adapters, detail["eventType"], application_id, (tags.get("delivery_id") or [None])[0])
    metrics.add_dimension("event_type", detail["eventType"])
    metrics.add_metric("DeliveryEvents", MetricUnit.Count, 1)
    logger.info("delivery event", extra={"event_type": detail["eventType"], "answered": answered})
    return {"answered": answered}
