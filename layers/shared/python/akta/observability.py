"""Powertools Logger and Metrics, shared by every function (service name and namespace from the environment).

Log ids, codes and masked values only: never the event, never a name or a NIK.
"""

import warnings

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

# Reads (a status, a page view) publish no metric; an empty flush is expected there, not a mistake.
warnings.filterwarnings("ignore", message="No application metrics to publish")

logger = Logger()
metrics = Metrics()

__all__ = ["logger", "metrics", "MetricUnit"]
