"""boto3 clients, built once per container (and per endpoint, so the sandbox can restart moto).

boto3 retries throttling and server errors itself (standard mode, three attempts). What still fails after
that is raised as `TransientError`, which the state machine's Retry tries again seconds later
with a fresh invocation; every other AWS error stays a ClientError and fails the step for good.
"""

from __future__ import annotations

import functools
import os

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionError, HTTPClientError
from botocore.retries.standard import (
    ModeledRetryableChecker,
    OrRetryChecker,
    RetryContext,
    ThrottledRetryableChecker,
    TransientRetryableChecker,
)

from akta.domain.errors import TransientError

RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 3})  # the first call and two retries
# botocore's own judgement of "worth retrying" (throttling codes, 5xx, modeled retryable errors).
_RETRYABLE = OrRetryChecker([ThrottledRetryableChecker(), TransientRetryableChecker(), ModeledRetryableChecker()])


def client(service: str, region: str | None = None):
    return _client(service, region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"), os.environ.get("AWS_ENDPOINT_URL"))


@functools.cache
def _client(service: str, region: str | None, _endpoint: str | None):
    # boto3 reads AWS_ENDPOINT_URL itself; the endpoint is only part of the cache key.
    return _transient_faults_raised(boto3.client(service, region_name=region, config=RETRIES))


def table(env_name: str):
    return _table(os.environ[env_name], os.environ.get("AWS_ENDPOINT_URL"))


@functools.cache
def _table(name: str, _endpoint: str | None):
    resource = boto3.resource("dynamodb", config=RETRIES)
    _transient_faults_raised(resource.meta.client)
    return resource.Table(name)


def _transient_faults_raised(aws_client):
    """After boto3's last attempt: a retryable answer or a lost connection becomes a TransientError."""
    service = aws_client.meta.service_model.service_id.hyphenize()  # as botocore names its events: "sfn", "sesv2"

    def after_call(http_response, parsed, model, **_):
        if http_response.status_code < 300:
            return
        context = RetryContext(attempt_number=1, operation_model=model, parsed_response=parsed, http_response=http_response)
        if _RETRYABLE.is_retryable(context):
            code = (parsed or {}).get("Error", {}).get("Code") or str(http_response.status_code)
            raise TransientError(None, f"{service}:{model.name}", code)

    def after_call_error(exception, event_name, **_):
        if isinstance(exception, (ConnectionError, HTTPClientError)):  # after-call-error.<service>.<Operation>
            raise TransientError(None, f"{service}:{event_name.rsplit('.', 1)[-1]}", type(exception).__name__) from exception

    aws_client.meta.events.register("after-call", after_call)
    aws_client.meta.events.register("after-call-error", after_call_error)
    return aws_client


def all_items(operation, **kwargs) -> list[dict]:
    """Every item of a DynamoDB query or scan, following LastEvaluatedKey."""
    items = []
    while True:
        page = operation(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def conditional(operation, **kwargs) -> dict | None:
    """A DynamoDB write with a ConditionExpression: its response, or None when the condition did not hold."""
    try:
        return operation(**kwargs)
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return None
        raise
