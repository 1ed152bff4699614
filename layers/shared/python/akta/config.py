"""A function's settings: read from its environment and checked once per container, at start.

The deployment declaration (infra/declaration.py) names the settings each function reads; the stack
and the sandbox write only those, plus DECLARED_SETTINGS listing their names. `load()` reads exactly
those, so a declared setting that is missing or malformed stops the function at start with the
setting's name, and asking for a setting the function did not declare is an error too, not a silent
read of whatever the environment happens to hold.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

DECLARED = "DECLARED_SETTINGS"  # the names of a function's settings, comma-separated


class SettingsError(RuntimeError):
    """A function's settings are not what its declaration promises (a deployment fault, not user input)."""


def _text(value: str) -> str:
    if not value.strip():
        raise ValueError("empty")
    return value


def _email(value: str) -> str:
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        raise ValueError("not an email address")
    return value


def _base_url(value: str) -> str:
    # https in AWS; the sandbox serves on http://127.0.0.1
    if not re.fullmatch(r"https://[^/\s]+|http://127\.0\.0\.1(:\d+)?", value):
        raise ValueError("not https://host (without a path or trailing slash)")
    return value


def _issuer(value: str) -> str:
    if not re.fullmatch(r"https://cognito-idp\.[a-z0-9-]+\.amazonaws\.com/[\w-]+_[0-9A-Za-z]+", value):
        raise ValueError("not a Cognito user pool issuer (https://cognito-idp.<region>.amazonaws.com/<pool id>)")
    return value


def _sign_in_url(value: str) -> str:
    # The managed login's domain in AWS; the sandbox's stand-in on http://localhost (another site than 127.0.0.1)
    if not re.fullmatch(r"https://[^/\s]+|http://localhost:\d+", value):
        raise ValueError("not https://host (without a path or trailing slash)")
    return value


def _url(value: str) -> str:
    if not re.fullmatch(r"(https://|http://127\.0\.0\.1:\d+/)\S+", value):
        raise ValueError("not an https:// URL")
    return value


def _task_access(value: str) -> str:
    if value not in ("assignee", "role"):
        raise ValueError("not assignee or role")
    return value


def _arn(value: str) -> str:
    if not value.startswith("arn:"):
        raise ValueError("not an ARN")
    return value


def _seconds_by_role(value: str) -> dict[str, int]:
    parsed = json.loads(value)
    if not isinstance(parsed, dict) or not all(isinstance(v, int) and v > 0 for v in parsed.values()):
        raise ValueError("not a JSON object of positive whole seconds")
    return parsed


@dataclass(frozen=True)
class Setting:
    name: str
    summary: str
    parse: Callable[[str], object] = _text
    default: str | None = None  # when absent from the environment (only for settings that may be left out)


# Every setting any function may read. A function's declaration picks from these.
CATALOGUE: dict[str, Setting] = {s.name: s for s in (
    Setting("APPLICATIONS_TABLE", "DynamoDB table: applications, their timelines, staff, facilities, certificates"),
    Setting("TASKS_TABLE", "DynamoDB table: hashed links, pickup codes, counter and facility keys, form tokens"),
    Setting("IDEMPOTENCY_TABLE", "DynamoDB table: Powertools idempotency records of submit and resubmit"),
    Setting("UPLOADS_BUCKET", "S3 bucket: the quarantine hospitals upload into"),
    Setting("ARCHIVE_BUCKET", "S3 bucket: the digital archive (accepted documents, signed certificates)"),
    Setting("STATE_MACHINE_ARN", "the SOP's state machine", _arn),
    Setting("WAIT_TIMEOUTS", "outer limits of the human waits by role, JSON seconds (defaults: the waits catalogue)",
            _seconds_by_role, default="{}"),
    Setting("MAIL_FROM", "sender address of every email", _email),
    Setting("SES_CONFIGURATION_SET", "SES configuration set that publishes delivery events"),
    Setting("PUBLIC_BASE_URL", "where staff links and verification URLs point", _base_url),
    Setting("WHATSAPP_PHONE_NUMBER_ID", "End User Messaging Social origination phone number id"),
    Setting("WHATSAPP_REGION", "region of End User Messaging Social"),
    Setting("OFFICE_NAME", "the office's name on the certificate"),
    Setting("OFFICE_CITY", "the office's city: place of issue and signing location"),
    Setting("SIGNER_KEY_ID", "KMS key of the head of office's signature"),
    Setting("SIGNER_CERTIFICATE_PARAMETER", "SSM parameter: the signer's certificate chain (PEM)"),
    Setting("TRUST_ROOT_PARAMETER", "SSM parameter: the root the release check trusts (PEM)"),
    Setting("STAFF_POOL_ISSUER", "the staff's Cognito user pool, as its ID tokens name it (iss)", _issuer),
    Setting("STAFF_POOL_CLIENT_ID", "the staff pages' app client of the pool (the ID token's aud)"),
    Setting("STAFF_POOL_JWKS_URL", "where the pool publishes its signing keys (JWKS)", _url),
    Setting("STAFF_SIGN_IN_URL", "the pool's managed login domain (authorize, token and logout endpoints)", _sign_in_url),
    Setting("TASK_ACCESS", "who may open an emailed task link: its assignee, or anyone signed in with its role",
            _task_access, default="assignee"),
)}


@dataclass(frozen=True)
class Config:
    """The settings of one function, parsed. `config["NAME"]` is only for declared names."""

    values: Mapping[str, object]

    def __getitem__(self, name: str):
        if name not in self.values:
            raise SettingsError(f"setting {name} is not among this function's settings")
        return self.values[name]

    def optional(self, name: str):
        """A setting an adapter can do without (one of two buckets): None when this function did not declare it."""
        if name not in CATALOGUE:
            raise SettingsError(f"{name} is not a known setting")
        return self.values.get(name)

    @classmethod
    def of(cls, **raw: str) -> Config:
        """Settings given directly (tests, the admin command): parsed as from an environment."""
        return cls(_parsed(raw, raw))


def load(environ: Mapping[str, str]) -> Config:
    """This function's declared settings from its environment, each checked; SettingsError names what is wrong."""
    names = [n for n in environ.get(DECLARED, "").split(",") if n]
    if not names:
        raise SettingsError(f"{DECLARED} is not set: the function's environment does not come from its declaration")
    return Config(_parsed(names, environ))


def _parsed(names, environ: Mapping[str, str]) -> dict[str, object]:
    values, problems = {}, []
    for name in names:
        setting = CATALOGUE.get(name)
        if setting is None:
            problems.append(f"{name}: not a known setting")
            continue
        raw = environ.get(name, setting.default)
        if raw is None:
            problems.append(f"{name}: missing")
            continue
        try:
            values[name] = setting.parse(raw)
        except ValueError as error:  # json.JSONDecodeError is one
            problems.append(f"{name}: {error}")
    if problems:
        raise SettingsError("settings: " + "; ".join(problems))
    return values
