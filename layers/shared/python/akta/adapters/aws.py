"""boto3 clients, built once per container (and per endpoint, so the sandbox can restart moto)."""

from __future__ import annotations

import functools
import os

import boto3
from botocore.exceptions import ClientError


def client(service: str, region: str | None = None):
    return _client(service, region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"), os.environ.get("AWS_ENDPOINT_URL"))


@functools.cache
def _client(service: str, region: str | None, _endpoint: str | None):
    # boto3 reads AWS_ENDPOINT_URL itself; the endpoint is only part of the cache key.
    return boto3.client(service, region_name=region)


def table(env_name: str):
    return _table(os.environ[env_name], os.environ.get("AWS_ENDPOINT_URL"))


@functools.cache
def _table(name: str, _endpoint: str | None):
    return boto3.resource("dynamodb").Table(name)


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
