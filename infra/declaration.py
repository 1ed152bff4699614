"""The one declaration of the deployment.

Functions, tables, buckets, routes and the state machine's placeholders are declared here once, in
plain Python with no CDK import, so the CDK stack (`infra/stack.py`) and the sandbox (`sandbox/`)
are both built from the same facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASL_PATH = ROOT / "statemachine" / "birth_certificate.asl.json"
FUNCTIONS_DIR = ROOT / "functions"


@dataclass(frozen=True)
class Index:
    name: str
    partition_key: str
    sort_key: str


@dataclass(frozen=True)
class Table:
    key: str  # logical name, also the environment variable's stem
    partition_key: str = "pk"
    sort_key: str | None = "sk"
    ttl_attribute: str | None = None
    indexes: tuple[Index, ...] = ()


@dataclass(frozen=True)
class Bucket:
    key: str
    versioned: bool = False
    object_lock: bool = False
    expire_days: int | None = None


@dataclass(frozen=True)
class Function:
    name: str  # folder under functions/, handler is app.handler
    summary: str
    actions: tuple[str, ...]  # AWS actions the function may call (least privilege, issue 7)
    memory_mb: int = 256
    timeout_s: int = 15
    pdf_layer: bool = False  # needs the PDF/signing stack (fpdf2, segno, pyHanko)
    state_placeholder: str | None = None  # ${...} in the ASL that names this function
    schedule_minutes: int | None = None  # run on a schedule (EventBridge in AWS, a timer in the sandbox)
    tables: tuple[str, ...] = ()  # TABLES keys its DynamoDB actions apply to
    buckets: tuple[str, ...] = ()  # BUCKETS keys its S3 actions apply to
    # Actions granted although the sandbox never sees the call, each with why: (action, reason).
    implicit: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Route:
    method: str  # "ANY" for a proxy
    path: str  # API Gateway resource path, e.g. "/v1/{proxy+}"
    function: str
    authorizer: str | None = None  # a function that turns the caller's key into a facility id
    rate_limit: int | None = None  # requests per second for this route (API Gateway method throttling)


TABLES = (
    # Applications, their timeline events and the tokens waiting on them; facilities.
    Table("APPLICATIONS", indexes=(Index("by_facility", "facility_id", "created_at"),)),
    # Staff links, pickup codes, counter and facility keys, one-time form tokens, each stored under a hash.
    Table("TASKS", sort_key=None, ttl_attribute="expires_at"),
    # Powertools idempotency records for submit and resubmit.
    Table("IDEMPOTENCY", partition_key="id", sort_key=None, ttl_attribute="expiration"),
)

BUCKETS = (
    # Quarantine for hospital uploads: nothing here is trusted until the completeness check copies it.
    Bucket("UPLOADS", expire_days=7),
    # The digital archive: accepted documents and the signed certificates.
    Bucket("ARCHIVE", versioned=True, object_lock=True),
)

_DATA_RW = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query")

FUNCTIONS = (
    Function(
        "intake_api",
        "Hospital API and page: drafts, presigned uploads, submit, status (SOP 1-2)",
        actions=_DATA_RW + ("dynamodb:DeleteItem", "s3:PutObject", "s3:GetObject", "s3:ListBucket",
                            "states:StartExecution", "states:DescribeExecution", "states:SendTaskSuccess"),
        memory_mb=512,
    ),
    Function(
        "facility_authorizer",
        "Lambda authorizer: a facility's API key (stored hashed) becomes its facility id",
        actions=("dynamodb:GetItem",),
    ),
    Function(
        "completeness_check",
        "SOP 3: documents present, typed and sized, data valid; accepted files archived",
        actions=_DATA_RW + ("s3:GetObject", "s3:ListBucket", "s3:PutObject"),
        state_placeholder="CompletenessCheckArn",
    ),
    Function(
        "return_to_hospital",
        "SOP 3: hand an incomplete file back to the hospital and wait for its resubmission",
        actions=_DATA_RW,
        state_placeholder="ReturnToHospitalArn",
    ),
    Function(
        "human_task",
        "SOP 4-6: store the task token under a link and email it to the named person",
        actions=_DATA_RW + ("ses:SendEmail",),
        state_placeholder="HumanTaskArn",
    ),
    Function(
        "staff_pages",
        "SOP 4-6: the staff pages behind the emailed links (GET shows, POST decides)",
        actions=_DATA_RW + ("s3:GetObject", "states:SendTaskSuccess"),
        memory_mb=512,
    ),
    Function(
        "escalate",
        "A human task timed out: tell the supervisor, record it, wait again",
        actions=_DATA_RW + ("ses:SendEmail",),
        state_placeholder="EscalateArn",
    ),
    Function(
        "issue_certificate",
        "SOP 6: lay out and sign the Akta Kelahiran, archive it",
        actions=_DATA_RW + ("s3:PutObject", "kms:Sign", "ssm:GetParameter"),
        memory_mb=1024,
        timeout_s=30,
        pdf_layer=True,
        state_placeholder="IssueCertificateArn",
    ),
    Function(
        "release_check",
        "SOP 7: the signature is valid and the document says what the record says",
        actions=_DATA_RW + ("s3:GetObject", "ssm:GetParameter"),
        memory_mb=1024,
        timeout_s=30,
        pdf_layer=True,
        state_placeholder="ReleaseCheckArn",
    ),
    Function(
        "notify_applicant",
        "SOP 7: email the certificate and send the WhatsApp notice, then wait for the delivery outcome",
        actions=_DATA_RW + ("s3:GetObject", "ses:SendRawEmail", "social-messaging:SendWhatsAppMessage"),
        state_placeholder="NotifyApplicantArn",
    ),
    Function(
        "delivery_events",
        "SES delivery/bounce events answer the waiting notification task",
        actions=_DATA_RW + ("states:SendTaskSuccess",),
    ),
    Function(
        "drive_thru",
        "SOP 8: a pickup code for the Drive-Thru counter, sent by WhatsApp",
        actions=_DATA_RW + ("social-messaging:SendWhatsAppMessage",),
        state_placeholder="DriveThruArn",
    ),
    Function(
        "counter_pages",
        "SOP 8-9: the Drive-Thru counter page where staff confirm the handover",
        actions=_DATA_RW + ("states:SendTaskSuccess",),
        memory_mb=512,
    ),
    Function(
        "complete_application",
        "SOP 9: the applicant has the document; close the file",
        actions=_DATA_RW,
        state_placeholder="CompleteApplicationArn",
    ),
    Function(
        "supervisor_pages",
        "The supervisor's console: waiting staff tasks, reassignment (leave, illness), certificate revocation",
        actions=_DATA_RW + ("dynamodb:Scan", "s3:PutObject", "ses:SendEmail"),
        tables=("APPLICATIONS", "TASKS"),
        buckets=("ARCHIVE",),
        memory_mb=512,
    ),
    Function(
        "verify_pages",
        "Public verification behind the certificate's QR code: valid / revoked / unknown, nothing personal",
        actions=("dynamodb:GetItem",),
    ),
    Function(
        "sla_sweeper",
        "SLA clocks: one reminder for each staff task past its SOP target (mutu baku)",
        actions=("dynamodb:Scan", "dynamodb:UpdateItem", "dynamodb:PutItem", "ses:SendEmail"),
        schedule_minutes=5,
    ),
    Function(
        "record_failure",
        "A step failed for good: record it, keep the application and its documents",
        actions=_DATA_RW,
        state_placeholder="RecordFailureArn",
    ),
)

ROUTES = (
    Route("GET", "/v1/openapi.json", "intake_api"),
    Route("GET", "/hospital", "intake_api"),  # the hospital operator's web page; its key is entered in the page
    Route("ANY", "/v1/applications", "intake_api", authorizer="facility_authorizer"),
    Route("ANY", "/v1/applications/{proxy+}", "intake_api", authorizer="facility_authorizer"),
    Route("ANY", "/staff/{proxy+}", "staff_pages"),
    Route("ANY", "/counter", "counter_pages"),
    Route("ANY", "/counter/{proxy+}", "counter_pages"),
    Route("ANY", "/supervisor", "supervisor_pages"),
    Route("ANY", "/supervisor/{proxy+}", "supervisor_pages"),
    Route("ANY", "/verify/{proxy+}", "verify_pages", rate_limit=5),  # public: throttled per second
)


# API Gateway's own answers (no key, unknown route, throttling) in the same error shape as the handlers'.
GATEWAY_RESPONSES = {
    "UNAUTHORIZED": (401, "unauthenticated", "Kunci fasilitas kesehatan tidak dikenali. Kirim header Authorization: Bearer <kunci>."),
    "ACCESS_DENIED": (403, "forbidden", "Kunci ini tidak berhak mengakses alamat tersebut."),
    "DEFAULT_4XX": (404, "no_route", "Alamat tidak dikenal."),
}


def gateway_response_body(kind: str) -> str:
    import json

    _, code, message = GATEWAY_RESPONSES[kind]
    return json.dumps({"error": {"code": code, "message": message, "fields": []}}, ensure_ascii=False)


@dataclass(frozen=True)
class Settings:
    """Deployment settings that are not resources: who gets mail, where links point."""

    mail_from: str = "akta@disdukcapil.jambikota.go.id"
    configuration_set: str = "akta-delivery"
    public_base_url: str = "https://akta.disdukcapil.jambikota.go.id"
    whatsapp_phone_number_id: str = "phone-number-id-disdukcapil"
    whatsapp_region: str = "ap-southeast-1"
    office_name: str = "Dinas Kependudukan dan Pencatatan Sipil Kota Jambi"
    office_city: str = "Jambi"


def function(name: str) -> Function:
    return next(f for f in FUNCTIONS if f.name == name)


def placeholders() -> dict[str, str]:
    """ASL placeholder -> function name."""
    return {f.state_placeholder: f.name for f in FUNCTIONS if f.state_placeholder}


def environment(
    *,
    tables: dict[str, str],
    buckets: dict[str, str],
    state_machine_arn: str,
    settings: Settings,
    signer_key_id: str,
    signer_certificate_parameter: str,
    trust_root_parameter: str,
) -> dict[str, str]:
    """The environment every function gets; the same names in the sandbox and in AWS."""
    env = {f"{key}_TABLE": name for key, name in tables.items()}
    env |= {f"{key}_BUCKET": name for key, name in buckets.items()}
    env |= {
        "STATE_MACHINE_ARN": state_machine_arn,
        "MAIL_FROM": settings.mail_from,
        "SES_CONFIGURATION_SET": settings.configuration_set,
        "PUBLIC_BASE_URL": settings.public_base_url,
        "WHATSAPP_PHONE_NUMBER_ID": settings.whatsapp_phone_number_id,
        "WHATSAPP_REGION": settings.whatsapp_region,
        "OFFICE_NAME": settings.office_name,
        "OFFICE_CITY": settings.office_city,
        # The head of office's signing key (KMS, asymmetric) and its certificate chain (PEM, SSM parameter).
        "SIGNER_KEY_ID": signer_key_id,
        "SIGNER_CERTIFICATE_PARAMETER": signer_certificate_parameter,
        "TRUST_ROOT_PARAMETER": trust_root_parameter,
        "POWERTOOLS_SERVICE_NAME": "akta-kelahiran",
        "POWERTOOLS_METRICS_NAMESPACE": "AktaKelahiran",
        "TZ_OFFICE": "Asia/Jakarta",
    }
    return env
