"""SOP 6: the Akta Kelahiran is laid out, signed (PAdES) and archived."""

from akta.observability import MetricUnit, logger, metrics
from akta.service.certificate import issue


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path="application_id")
def handler(event, context):
    metrics.add_metadata("application_id", event["application_id"])  # a property, never a dimension
    result = issue(event["application_id"])
    metrics.add_metric("CertificatesIssued", MetricUnit.Count, 1)
    logger.info("certificate issued")
    return result
