"""Where moto is stricter than AWS, the sandbox's clients bridge the difference (and only the sandbox's).

Standard library only: the benchmark's cold-start child installs it after the measured import.
"""


def copy_checksum(request, **_) -> None:
    """moto refuses a CopyObject into a bucket with default Object Lock retention unless it carries the header a
    PutObject with a body has (x-amz-sdk-checksum-algorithm); the copy asks S3 for a checksum with
    x-amz-checksum-algorithm, which is what S3 takes. Mirror it for moto."""
    algorithm = request.headers.get("x-amz-checksum-algorithm")
    if algorithm and "x-amz-sdk-checksum-algorithm" not in request.headers:
        request.headers["x-amz-sdk-checksum-algorithm"] = algorithm


def install(events) -> None:
    """On a botocore event emitter (a session's), before any client is made from it."""
    events.register("before-sign.s3.CopyObject", copy_checksum)
