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
    actions: tuple[str, ...]  # AWS actions the function may call (least privilege)
    memory_mb: int = 256
    timeout_s: int = 15
    # Reserved concurrency, deployed only where set (a new account's whole limit can be 10); the sandbox gives a
    # function this many execution environments at most, 10 when unset.
    concurrency: int | None = None
    # Layers besides the shared one (infra/layers.py): "pdf" for the PDF/signing stack (fpdf2, segno, pyHanko),
    # "identity" for the staff sign-in's token check (PyJWT, cryptography).
    layers: tuple[str, ...] = ()
    state_placeholder: str | None = None  # ${...} in the ASL that names this function
    schedule_minutes: int | None = None  # run on a schedule (EventBridge in AWS, a timer in the sandbox)
    tables: tuple[str, ...] = ()  # TABLES keys its DynamoDB actions apply to
    buckets: tuple[str, ...] = ()  # BUCKETS keys its S3 actions apply to
    # Actions granted although the sandbox never sees the call, each with why: (action, reason).
    implicit: tuple[tuple[str, str], ...] = ()
    # Settings it reads besides its tables' and buckets' names (akta.config.CATALOGUE); its environment has only these.
    settings: tuple[str, ...] = ()

    @property
    def setting_names(self) -> tuple[str, ...]:
        """Every setting the function reads: <KEY>_TABLE and <KEY>_BUCKET of its resources, then `settings`."""
        return (*(f"{t}_TABLE" for t in self.tables), *(f"{b}_BUCKET" for b in self.buckets), *self.settings)


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

# Implicit grants: needed although the function itself never makes the call, so the sandbox's record
# of calls cannot show them. The tables and buckets are encrypted with the customer-managed data key, and
# DynamoDB and S3 call KMS on the caller's behalf, with the caller's permissions.
_DECRYPT_TABLES = ("kms:Decrypt", "DynamoDB decrypts the table key (customer-managed KMS key) on the caller's "
                   "behalf to read or write its tables")
_DECRYPT_DATA = ("kms:Decrypt", "DynamoDB decrypts the table key, and S3 the data key of each object read, on the "
                 "caller's behalf (customer-managed KMS key)")
_DATA_KEY = ("kms:GenerateDataKey", "S3 asks KMS for a data key on the caller's behalf for each object it writes "
             "(SSE-KMS with the customer-managed key)")
# Presigned URLs are signed locally, without a call; S3 authorizes their use as the signing function's own call.
_PRESIGNED_POST = ("s3:PutObject", "hospitals upload through the presigned POSTs this function signs; S3 "
                   "authorizes each upload as this function's PutObject")
_PRESIGNED_POST_KEY = ("kms:GenerateDataKey", "S3 asks KMS for each presigned-POST upload's data key on the "
                       "signer's behalf (SSE-KMS with the customer-managed key)")
_PRESIGNED_GET = ("s3:GetObject", "document previews are presigned GETs this function signs; S3 authorizes each "
                  "fetch as this function's GetObject")

# Settings that go together: the sender of emails, WhatsApp's sender, what a certificate prints.
_MAIL = ("MAIL_FROM", "SES_CONFIGURATION_SET")
_WHATSAPP = ("WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_REGION")
_CERTIFICATE = ("OFFICE_NAME", "OFFICE_CITY", "PUBLIC_BASE_URL")
# What a page behind staff sign-in checks each session's ID token against, and where it sends people to sign in.
_STAFF_POOL = ("STAFF_POOL_ISSUER", "STAFF_POOL_CLIENT_ID", "STAFF_POOL_JWKS_URL")

FUNCTIONS = (
    Function(
        "intake_api",
        "Hospital API and page: drafts, presigned uploads, submit, status (SOP 1-2)",
        actions=("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                 "dynamodb:Query", "s3:ListBucket", "s3:GetObject", "states:StartExecution",
                 "states:DescribeExecution", "states:SendTaskSuccess"),
        tables=("APPLICATIONS", "IDEMPOTENCY"),
        buckets=("UPLOADS",),
        implicit=(_PRESIGNED_POST, _PRESIGNED_POST_KEY, _DECRYPT_DATA),
        memory_mb=512,
        settings=("STATE_MACHINE_ARN", "WAIT_TIMEOUTS"),
    ),
    Function(
        "facility_authorizer",
        "Lambda authorizer: a facility's API key (stored hashed) becomes its facility id",
        actions=("dynamodb:GetItem",),
        tables=("APPLICATIONS", "TASKS"),
        implicit=(_DECRYPT_TABLES,),
    ),
    Function(
        "completeness_check",
        "SOP 3: documents present, typed and sized, data valid; accepted files archived",
        actions=("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query", "s3:ListBucket",
                 "s3:GetObject", "s3:PutObject"),
        tables=("APPLICATIONS",),
        buckets=("UPLOADS", "ARCHIVE"),
        implicit=(_DECRYPT_DATA, _DATA_KEY),
        state_placeholder="CompletenessCheckArn",
    ),
    Function(
        "return_to_hospital",
        "SOP 3: hand an incomplete file back to the hospital and wait for its resubmission",
        actions=("dynamodb:PutItem", "dynamodb:UpdateItem"),
        tables=("APPLICATIONS",),
        implicit=(_DECRYPT_TABLES,),
        state_placeholder="ReturnToHospitalArn",
    ),
    Function(
        "human_task",
        "SOP 4-6: store the task token under a link and email it to the named person",
        actions=("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query", "ses:SendEmail", "ses:SendRawEmail"),
        tables=("APPLICATIONS", "TASKS"),
        implicit=(_DECRYPT_TABLES,),
        state_placeholder="HumanTaskArn",
        settings=(*_MAIL, "PUBLIC_BASE_URL"),
    ),
    Function(
        "staff_pages",
        "SOP 4-6: the staff pages behind the emailed links, for the signed-in assignee (GET shows, POST decides)",
        actions=("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query", "s3:ListBucket",
                 "states:SendTaskSuccess"),
        tables=("APPLICATIONS", "TASKS"),
        buckets=("ARCHIVE",),
        implicit=(_PRESIGNED_GET, _DECRYPT_DATA),
        memory_mb=512,
        layers=("identity",),
        settings=(*_STAFF_POOL, "TASK_ACCESS"),
    ),
    Function(
        "staff_sign_in",
        "Staff sign-in: the managed login's start and callback (PKCE code -> session), TOTP enrolment, sign-out",
        # TOTP enrolment acts with the person's own access token (Cognito authorizes those calls by the token);
        # declared all the same, so the role states everything the function calls.
        actions=("dynamodb:GetItem", "cognito-idp:AdminGetUser", "cognito-idp:AssociateSoftwareToken",
                 "cognito-idp:VerifySoftwareToken", "cognito-idp:SetUserMFAPreference"),
        tables=("APPLICATIONS",),
        implicit=(_DECRYPT_TABLES,),
        layers=("identity",),
        settings=(*_STAFF_POOL, "STAFF_SIGN_IN_URL", "PUBLIC_BASE_URL"),
    ),
    Function(
        "escalate",
        "A human task timed out: tell the supervisor, record it, wait again",
        actions=("dynamodb:PutItem", "dynamodb:Query", "ses:SendEmail", "ses:SendRawEmail"),
        tables=("APPLICATIONS",),
        implicit=(_DECRYPT_TABLES,),
        state_placeholder="EscalateArn",
        settings=_MAIL,
    ),
    Function(
        "issue_certificate",
        "SOP 6: lay out and sign the Akta Kelahiran, archive it",
        actions=("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query", "s3:PutObject",
                 "kms:Sign", "ssm:GetParameter"),
        tables=("APPLICATIONS",),
        buckets=("ARCHIVE",),
        implicit=(_DECRYPT_TABLES, _DATA_KEY),
        memory_mb=1024,
        timeout_s=30,
        layers=("pdf",),
        state_placeholder="IssueCertificateArn",
        settings=(*_CERTIFICATE, "SIGNER_KEY_ID", "SIGNER_CERTIFICATE_PARAMETER"),
    ),
    Function(
        "release_check",
        "SOP 7: the signature is valid and the document says what the record says",
        actions=("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "s3:GetObject", "ssm:GetParameter"),
        tables=("APPLICATIONS",),
        buckets=("ARCHIVE",),
        implicit=(_DECRYPT_DATA,),
        memory_mb=1024,
        timeout_s=30,
        layers=("pdf",),
        state_placeholder="ReleaseCheckArn",
        settings=(*_CERTIFICATE, "TRUST_ROOT_PARAMETER"),
    ),
    Function(
        "notify_applicant",
        "SOP 7: email the certificate and send the WhatsApp notice, then wait for the delivery outcome",
        actions=("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                 "dynamodb:Query", "s3:GetObject", "ses:SendEmail", "ses:SendRawEmail",
                 "social-messaging:SendWhatsAppMessage", "states:SendTaskSuccess"),
        tables=("APPLICATIONS",),
        buckets=("ARCHIVE",),
        implicit=(_DECRYPT_DATA,),
        state_placeholder="NotifyApplicantArn",
        settings=(*_MAIL, *_WHATSAPP),
    ),
    Function(
        "delivery_events",
        "SES delivery/bounce events answer the waiting notification task",
        actions=("dynamodb:DeleteItem", "states:SendTaskSuccess"),
        tables=("APPLICATIONS",),
        implicit=(_DECRYPT_TABLES,),
    ),
    Function(
        "drive_thru",
        "SOP 8: a pickup code for the Drive-Thru counter, sent by WhatsApp",
        actions=("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
                 "social-messaging:SendWhatsAppMessage"),
        tables=("APPLICATIONS", "TASKS"),
        implicit=(_DECRYPT_TABLES,),
        state_placeholder="DriveThruArn",
        settings=_WHATSAPP,
    ),
    Function(
        "counter_pages",
        "SOP 8-9: the Drive-Thru counter page where signed-in counter staff confirm the handover",
        actions=("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query",
                 "states:SendTaskSuccess"),
        tables=("APPLICATIONS", "TASKS"),
        implicit=(_DECRYPT_TABLES,),
        memory_mb=512,
        layers=("identity",),
        settings=_STAFF_POOL,
    ),
    Function(
        "complete_application",
        "SOP 9: the applicant has the document; close the file",
        actions=("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"),
        tables=("APPLICATIONS",),
        implicit=(_DECRYPT_TABLES,),
        state_placeholder="CompleteApplicationArn",
    ),
    Function(
        "supervisor_pages",
        "The supervisor's console: waiting staff tasks, reassignment (leave, illness), certificate revocation",
        actions=("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query", "dynamodb:Scan",
                 "s3:PutObject", "ses:SendEmail", "ses:SendRawEmail", "states:SendTaskFailure"),
        tables=("APPLICATIONS", "TASKS"),
        buckets=("ARCHIVE",),
        implicit=(_DECRYPT_TABLES, _DATA_KEY),
        memory_mb=512,
        layers=("identity",),
        settings=(*_MAIL, "PUBLIC_BASE_URL", *_STAFF_POOL),
    ),
    Function(
        "verify_pages",
        "Public verification behind the certificate's QR code: valid / revoked / unknown, nothing personal",
        actions=("dynamodb:GetItem",),
        tables=("APPLICATIONS",),
        implicit=(_DECRYPT_TABLES,),
    ),
    Function(
        "sla_sweeper",
        "SLA clocks: one reminder for each staff task past its SOP target (mutu baku)",
        actions=("dynamodb:Scan", "dynamodb:UpdateItem", "dynamodb:PutItem", "ses:SendEmail", "ses:SendRawEmail"),
        tables=("APPLICATIONS", "TASKS"),
        implicit=(_DECRYPT_TABLES,),
        schedule_minutes=5,
        settings=_MAIL,
    ),
    Function(
        "record_failure",
        "A step failed for good: record it, keep the application and its documents",
        actions=("dynamodb:PutItem", "dynamodb:UpdateItem"),
        tables=("APPLICATIONS",),
        implicit=(_DECRYPT_TABLES,),
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
    Route("ANY", "/auth/{proxy+}", "staff_sign_in"),
    Route("ANY", "/verify/{proxy+}", "verify_pages", rate_limit=5),  # public: throttled per second
)


# API Gateway's own answers (no key, unknown route, throttling) in the same error shape as the handlers'.
GATEWAY_RESPONSES = {
    "UNAUTHORIZED": (401, "unauthenticated", "Kunci fasilitas kesehatan tidak dikenali. Kirim header Authorization: Bearer <kunci>."),
    "ACCESS_DENIED": (403, "forbidden", "Kunci ini tidak berhak mengakses alamat tersebut."),
    "DEFAULT_4XX": (404, "no_route", "Alamat tidak dikenal."),
    # What a REST API answers for an unknown route; named so DEFAULT_4XX's 404 does not reach the kinds below.
    "MISSING_AUTHENTICATION_TOKEN": (404, "no_route", "Alamat tidak dikenal."),
    "RESOURCE_NOT_FOUND": (404, "no_route", "Alamat tidak dikenal."),
    "THROTTLED": (429, "too_many_requests", "Terlalu banyak permintaan. Coba lagi sebentar lagi."),
    "QUOTA_EXCEEDED": (429, "too_many_requests", "Terlalu banyak permintaan. Coba lagi sebentar lagi."),
    "BAD_REQUEST_PARAMETERS": (400, "bad_request", "Permintaan tidak lengkap."),
    "BAD_REQUEST_BODY": (400, "bad_request", "Isi permintaan tidak dapat dibaca."),
    "REQUEST_TOO_LARGE": (413, "too_large", "Permintaan terlalu besar."),
    "UNSUPPORTED_MEDIA_TYPE": (415, "unsupported_media_type", "Jenis isi permintaan tidak didukung."),
    "WAF_FILTERED": (403, "forbidden", "Permintaan ditolak oleh penyaring keamanan."),
}


def gateway_response_body(kind: str) -> str:
    import json

    _, code, message = GATEWAY_RESPONSES[kind]
    return json.dumps({"error": {"code": code, "message": message, "fields": []}}, ensure_ascii=False)


@dataclass(frozen=True)
class Settings:
    """Deployment settings that are not resources: who gets mail, where links point, how long things are kept.

    In AWS each field is a CDK context key of the same name (cdk.json, or `-c key=value`), read by
    `from_context`; docs/deploy.md describes each one. The sandbox uses the defaults.
    """

    mail_from: str = "akta@disdukcapil.jambikota.go.id"
    configuration_set: str = "akta-delivery"
    public_base_url: str = "https://akta.disdukcapil.jambikota.go.id"
    whatsapp_phone_number_id: str = "phone-number-id-disdukcapil"
    whatsapp_region: str = "ap-southeast-1"
    office_name: str = "Dinas Kependudukan dan Pencatatan Sipil Kota Jambi"
    office_city: str = "Jambi"
    # Only the AWS stack reads the fields below.
    email_domain: str = ""  # the SES identity; empty: the domain of mail_from
    hospital_origins: tuple[str, ...] = ()  # web origins besides public_base_url allowed to POST uploads to S3
    wait_timeouts: tuple[tuple[str, int], ...] = ()  # outer limits of the human waits (seconds), by role
    # The archive's default Object Lock: COMPLIANCE, so no one (not even the account root) can delete or
    # overwrite a signed certificate or the documents it rests on before the period ends.
    archive_retention_mode: str = "COMPLIANCE"
    archive_retention_days: int = 3650
    log_retention_days: int = 365
    alarm_email: str = ""  # the office's on-call address for the SNS topic; empty: no subscription
    api_rate_limit: int = 50  # requests per second for the whole stage (bursts twice that)
    waf: bool = True  # AWS WAF in front of the API (managed rule groups and a per-IP rate limit)
    waf_requests_per_5_minutes: int = 2000  # per source IP
    api_certificate_arn: str = ""  # ACM certificate for public_base_url's host; empty: no custom domain
    signer_csr_principals: tuple[str, ...] = ()  # IAM ARNs allowed kms:Sign besides the issuing function (CSR only)
    # The staff's managed login at https://<prefix>.auth.<region>.amazoncognito.com (unique in the region).
    staff_login_domain_prefix: str = "akta-disdukcapil-jambi"
    task_access: str = "assignee"  # who may open an emailed task link: "assignee", or "role" (anyone in its role)

    @property
    def mail_domain(self) -> str:
        return self.email_domain or self.mail_from.rsplit("@", 1)[-1]

    @classmethod
    def from_context(cls, get) -> Settings:
        """Settings from CDK context (`get` is `node.try_get_context`); `-c` values arrive as strings."""
        import json
        from dataclasses import fields

        values = {}
        for field in fields(cls):
            raw = get(field.name)
            if raw is None:
                continue
            kind = type(field.default)
            if kind is bool:
                value = raw if isinstance(raw, bool) else str(raw).lower() in ("1", "true", "yes")
            elif kind is int:
                value = int(raw)
            elif kind is tuple:
                raw = json.loads(raw) if isinstance(raw, str) else raw
                value = tuple(sorted((k, int(v)) for k, v in raw.items())) if isinstance(raw, dict) else tuple(raw)
            else:
                value = str(raw)
            values[field.name] = value
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        import re

        problems = []
        if self.archive_retention_mode not in ("COMPLIANCE", "GOVERNANCE"):
            problems.append("archive_retention_mode must be COMPLIANCE or GOVERNANCE")
        if not 1 <= self.archive_retention_days <= 36500:
            problems.append("archive_retention_days must be 1..36500")
        if not self.public_base_url.startswith("https://"):
            problems.append("public_base_url must be https://")
        for origin in self.hospital_origins:
            if not origin.startswith("https://") or "/" in origin.removeprefix("https://"):
                problems.append(f"hospital origin {origin!r} must be https://host, without a path")
        if self.task_access not in ("assignee", "role"):
            problems.append("task_access must be assignee or role")
        if not re.fullmatch(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", self.staff_login_domain_prefix) \
                or "cognito" in self.staff_login_domain_prefix or "aws" in self.staff_login_domain_prefix:
            problems.append("staff_login_domain_prefix: lowercase letters, digits and hyphens, without 'aws' or 'cognito'")
        if "@" not in self.mail_from or not self.mail_from.endswith(self.mail_domain):
            problems.append("mail_from must be an address at email_domain")
        if problems:
            raise ValueError("CDK context: " + "; ".join(problems))


def function(name: str) -> Function:
    return next(f for f in FUNCTIONS if f.name == name)


def placeholders() -> dict[str, str]:
    """ASL placeholder -> function name."""
    return {f.state_placeholder: f.name for f in FUNCTIONS if f.state_placeholder}


@dataclass(frozen=True)
class StaffPool:
    """Where the staff's user pool is: its issuer (and so its id), app client, keys, and managed login."""

    issuer: str  # https://cognito-idp.<region>.amazonaws.com/<pool id>
    client_id: str
    jwks_url: str  # in AWS: <issuer>/.well-known/jwks.json
    sign_in_url: str  # the managed login's domain

    @property
    def pool_id(self) -> str:
        return self.issuer.rsplit("/", 1)[-1]


# Where the managed login sends people back to, and where it lands them after sign-out (under PUBLIC_BASE_URL).
SIGN_IN_CALLBACK = "/auth/callback"
SIGNED_OUT = "/auth/signed-out"


def setting_values(
    *,
    tables: dict[str, str],
    buckets: dict[str, str],
    state_machine_arn: str,
    settings: Settings,
    signer_key_id: str,
    signer_certificate_parameter: str,
    trust_root_parameter: str,
    staff_pool: StaffPool,
    wait_timeouts: dict[str, int] | None = None,
) -> dict[str, str]:
    """Every setting's value in this deployment, by name (the same names in the sandbox and in AWS)."""
    import json

    values = {f"{key}_TABLE": name for key, name in tables.items()}
    values |= {f"{key}_BUCKET": name for key, name in buckets.items()}
    values |= {
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
        # The staff's user pool and its managed login.
        "STAFF_POOL_ISSUER": staff_pool.issuer,
        "STAFF_POOL_CLIENT_ID": staff_pool.client_id,
        "STAFF_POOL_JWKS_URL": staff_pool.jwks_url,
        "STAFF_SIGN_IN_URL": staff_pool.sign_in_url,
        "TASK_ACCESS": settings.task_access,
    }
    values["WAIT_TIMEOUTS"] = json.dumps(wait_timeouts or {})  # empty: the waits catalogue's defaults
    return values


# What every function gets besides its own settings: Powertools' names for its logs and metrics.
POWERTOOLS = {"POWERTOOLS_SERVICE_NAME": "akta-kelahiran", "POWERTOOLS_METRICS_NAMESPACE": "AktaKelahiran"}


def function_environment(function: Function, values: dict[str, str]) -> dict[str, str]:
    """A function's environment: only the settings it declares (those with a default may be absent), their
    names in DECLARED_SETTINGS (which akta.config reads), and Powertools' names."""
    from akta.config import CATALOGUE, DECLARED

    names = function.setting_names
    unknown = [n for n in names if n not in CATALOGUE]
    missing = [n for n in names if n in CATALOGUE and n not in values and CATALOGUE[n].default is None]
    if unknown or missing:
        raise ValueError(f"{function.name}: settings unknown {unknown}, without a value {missing}")
    own = {name: values[name] for name in names if name in values}
    return {**own, DECLARED: ",".join(names), **POWERTOOLS}
