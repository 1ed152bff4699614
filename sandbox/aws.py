"""The sandbox's AWS: moto's server in-process, resources created from the one declaration.

moto executes the real ASL file (`execute_state_machine`), and its interpreter calls back into this
process for Lambda through the router. Product code is unchanged: it finds moto through AWS_ENDPOINT_URL.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import requests

from infra.declaration import ASL_PATH, BUCKETS, SIGN_IN_CALLBACK, SIGNED_OUT, TABLES, Settings, StaffPool, placeholders, setting_values
from sandbox import moto_quirks
from sandbox.lambdas import LambdaRouter
from sandbox.login import ManagedLogin, ManagedLoginServer
from sandbox.outside import Mailbox, SimulatedSiak, WhatsAppOutbox
from sandbox.s3_post import PolicedMotoServer
from sandbox.stand_ins import SendStandIns

REGION = "ap-southeast-3"  # Jakarta
ACCOUNT = "123456789012"  # moto's default account
PREFIX = "akta-sandbox"

SANDBOX_STAFF = {
    "operator": {"staff_id": "rina", "name": "Rina Operator", "email": "operator@sandbox.disdukcapil.test"},
    "verifier": {"staff_id": "budi", "name": "Budi Verifikator", "email": "verifikator@sandbox.disdukcapil.test"},
    "head": {"staff_id": "kadis", "name": "Kepala Dinas Sandbox", "email": "kadis@sandbox.disdukcapil.test",
             "nip": "197001012000031001"},
    "supervisor": {"staff_id": "sari", "name": "Sari Supervisor", "email": "supervisor@sandbox.disdukcapil.test"},
    "drive_thru": {"staff_id": "dedi", "name": "Petugas Drive Thru", "email": "drivethru@sandbox.disdukcapil.test"},
}
SANDBOX_HEAD_PIN = "246810"  # the sandbox head of office's signing PIN (the scripted head types it)
SANDBOX_STAFF_PASSWORD = "Sandbox-Staf-2026!"  # every sandbox staff account's password (TOTP enrolled too)


DEMO_FACILITY = "rsud-raden-mattaher"


def office_adapters(values: dict[str, str]):
    """The adapters with every setting: what the sandbox itself, the admin command and the tests use."""
    from akta.config import Config
    from akta.wiring import Wiring

    return Wiring(Config.of(**values))


def totp_code(secret: str, at: float | None = None) -> str:
    """The current TOTP code of a secret, as an authenticator app shows it (moto's own check, RFC 6238)."""
    from moto.cognitoidp.utils import cognito_totp

    return cognito_totp(secret).generate(at if at is not None else time.time()).decode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Sandbox:
    workdir: Path = Path(".sandbox")
    timeouts: dict[str, int] = field(default_factory=dict)  # overrides of the waits' outer limits
    public_base_url: str = ""  # set by the gateway when it starts

    def start(self) -> "Sandbox":
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        os.environ.update({
            "AWS_ACCESS_KEY_ID": "sandbox", "AWS_SECRET_ACCESS_KEY": "sandbox", "AWS_SESSION_TOKEN": "sandbox",
            "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
            "AWS_ENDPOINT_URL": self.endpoint, "MOTO_PORT": str(self.port),
            # moto checks TOTP codes only when told to (it checks them at set-up and at each sign-in then).
            "MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP": "true",
        })
        # S3 refuses a browser upload that breaks its signed policy; moto would store it (sandbox/s3_post.py).
        self.server = PolicedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False,
                                        secrets={os.environ["AWS_ACCESS_KEY_ID"]: os.environ["AWS_SECRET_ACCESS_KEY"]})
        self.server.start()
        requests.post(f"{self.endpoint}/moto-api/config", json={"stepfunctions": {"execute_state_machine": True}}, timeout=10)

        # Hooks go on the default session before any client exists: every client inherits them.
        boto3.setup_default_session(region_name=REGION)
        from akta.adapters import aws as aws_adapter

        aws_adapter._client.cache_clear()
        aws_adapter._dynamodb.cache_clear()
        events = boto3.DEFAULT_SESSION.events
        self.router = LambdaRouter(region=REGION, account=ACCOUNT, log_dir=self.workdir / "logs")
        self.router.install(boto3.DEFAULT_SESSION)
        self.whatsapp = WhatsAppOutbox()
        self.mailbox = Mailbox(self.router, ACCOUNT, REGION)
        # What is sent from this process, and from every execution environment, reaches the outbox and the mailbox.
        self.router.rejecting = lambda: self.mailbox.rejecting
        self.router.on_whatsapp, self.router.on_email = self.whatsapp.received, self.mailbox.accepted
        SendStandIns(rejecting=self.router.rejecting, on_whatsapp=self.whatsapp.received,
                     on_email=self.mailbox.accepted).install(events)
        self.siak = SimulatedSiak()
        moto_quirks.install(events)
        self._create_resources()
        return self

    def _create_resources(self) -> None:
        self.tables = {t.key: f"{PREFIX}-{t.key.lower()}" for t in TABLES}
        self.buckets = {b.key: f"{PREFIX}-{b.key.lower()}" for b in BUCKETS}
        dynamodb = boto3.client("dynamodb")
        for t in TABLES:
            keys = [(t.partition_key, "HASH")] + ([(t.sort_key, "RANGE")] if t.sort_key else [])
            attributes = {n for n, _ in keys} | {a for i in t.indexes for a in (i.partition_key, i.sort_key)}
            indexes = [{"IndexName": i.name, "Projection": {"ProjectionType": "ALL"},
                        "KeySchema": [{"AttributeName": i.partition_key, "KeyType": "HASH"},
                                      {"AttributeName": i.sort_key, "KeyType": "RANGE"}]} for i in t.indexes]
            dynamodb.create_table(
                TableName=self.tables[t.key], BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": n, "KeyType": k} for n, k in keys],
                AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in sorted(attributes)],
                **({"GlobalSecondaryIndexes": indexes} if indexes else {}),
            )
            if t.ttl_attribute:
                dynamodb.update_time_to_live(TableName=self.tables[t.key],
                                             TimeToLiveSpecification={"Enabled": True, "AttributeName": t.ttl_attribute})
        s3 = boto3.client("s3")
        for b in BUCKETS:
            s3.create_bucket(Bucket=self.buckets[b.key], CreateBucketConfiguration={"LocationConstraint": REGION},
                             ObjectLockEnabledForBucket=b.object_lock)
            if b.versioned and not b.object_lock:
                s3.put_bucket_versioning(Bucket=self.buckets[b.key], VersioningConfiguration={"Status": "Enabled"})
            if b.object_lock:  # every version of a signed certificate is kept for the retention, as in AWS
                s3.put_object_lock_configuration(Bucket=self.buckets[b.key], ObjectLockConfiguration={
                    "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {
                        "Mode": Settings.archive_retention_mode, "Days": Settings.archive_retention_days}}})
            if b.expire_days:
                s3.put_bucket_lifecycle_configuration(Bucket=self.buckets[b.key], LifecycleConfiguration={"Rules": [
                    {"ID": "expire-unsubmitted", "Status": "Enabled", "Filter": {"Prefix": ""},
                     "Expiration": {"Days": b.expire_days}}]})

        settings = Settings(public_base_url=self.public_base_url or "http://127.0.0.1")
        sesv2 = boto3.client("sesv2")
        sesv2.create_email_identity(EmailIdentity=settings.mail_from.split("@", 1)[1])
        sesv2.create_configuration_set(ConfigurationSetName=settings.configuration_set)

        self._create_signing_key()
        self._create_staff_pool()

        definition = ASL_PATH.read_text()
        for placeholder, function in placeholders().items():
            definition = definition.replace("${%s}" % placeholder, self.router.arn(function))
        self.state_machine_arn = boto3.client("stepfunctions").create_state_machine(
            name="birth-certificate", definition=definition, roleArn=f"arn:aws:iam::{ACCOUNT}:role/sandbox-sfn",
        )["stateMachineArn"]

        # Every setting's value; each function is given only its own (the router), the office's tools all.
        self.settings = setting_values(tables=self.tables, buckets=self.buckets, state_machine_arn=self.state_machine_arn,
                                       settings=settings, signer_key_id=self.signing_key_id,
                                       signer_certificate_parameter=self.signer_certificate_parameter,
                                       trust_root_parameter=self.trust_root_parameter, staff_pool=self.staff_pool,
                                       wait_timeouts=self.timeouts)
        self.router.configure(self.settings)
        self.adapters = office_adapters(self.settings)

        from akta.adapters.records import now
        from akta.service import directory, facilities

        self.totp_secrets: dict[str, str] = {}
        self.counter_key = self.adapters.tasks.create_counter_key("loket-1", "Loket Drive Thru 1", now())
        for role, person in SANDBOX_STAFF.items():
            directory.add(self.adapters, person["staff_id"], role, person["name"], person["email"], person.get("nip", ""))
            self.totp_secrets[person["staff_id"]] = self.enrol_staff_account(person["staff_id"], person["email"], role)
        directory.set_pin(self.adapters, SANDBOX_STAFF["head"]["staff_id"], SANDBOX_HEAD_PIN)

        facilities.register(self.adapters, DEMO_FACILITY, "RSUD Raden Mattaher Jambi", "hospital", "admin@rsud-rm.sandbox.test")
        _, self.facility_key = facilities.issue_key(self.adapters, DEMO_FACILITY)

    def _create_signing_key(self) -> None:
        """The head of office's key in KMS, certified by the sandbox's local CA the way the office's CA would:
        a CSR signed by the KMS key itself (`infra.admin signer csr`), a certificate back, the chain installed."""
        from akta.adapters import kms_signer
        from akta.adapters.kms_signer import subject_name
        from sandbox.pki import create_local_pki

        kms, ssm = boto3.client("kms"), boto3.client("ssm")
        self.pki = create_local_pki(SANDBOX_STAFF["head"]["name"])
        self.signing_key_id = kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec="RSA_3072",
                                             Description="TTE Kepala Dinas (sandbox)")["KeyMetadata"]["KeyId"]
        request = kms_signer.certificate_request(kms, self.signing_key_id, subject_name(SANDBOX_STAFF["head"]["name"]).public_bytes())
        self.signer_certificate_parameter = f"/{PREFIX}/signer-certificate"
        ssm.put_parameter(Name=self.signer_certificate_parameter, Type="String",
                          Value=(self.pki.certify(request) + self.pki.ca_cert_pem).decode())
        self.trust_root_parameter = f"/{PREFIX}/trust-root"
        ssm.put_parameter(Name=self.trust_root_parameter, Value=self.pki.ca_cert_pem.decode(), Type="String")

    def _create_staff_pool(self) -> None:
        """The staff's user pool as the stack makes it (TOTP required, roles as groups, a public app client with
        the code flow), and the stand-in for its managed login (sandbox/login.py)."""
        from akta.adapters.identity import GROUPS

        cognito = boto3.client("cognito-idp")
        pool_id = cognito.create_user_pool(
            PoolName=f"{PREFIX}-staff", MfaConfiguration="ON", AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
            Policies={"PasswordPolicy": {"MinimumLength": 12, "RequireUppercase": True, "RequireLowercase": True,
                                         "RequireNumbers": True, "RequireSymbols": True}},
        )["UserPool"]["Id"]
        cognito.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="ON",
                                         SoftwareTokenMfaConfiguration={"Enabled": True})
        for group in GROUPS:
            cognito.create_group(UserPoolId=pool_id, GroupName=group)
        client_id = cognito.create_user_pool_client(
            UserPoolId=pool_id, ClientName="akta-staff-pages", GenerateSecret=False,
            # The stand-in signs people in with their password the way the managed login does with SRP.
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            AllowedOAuthFlows=["code"], AllowedOAuthScopes=["openid", "email", "aws.cognito.signin.user.admin"], AllowedOAuthFlowsUserPoolClient=True,
            SupportedIdentityProviders=["COGNITO"],
        )["UserPoolClient"]["ClientId"]
        self.login = ManagedLoginServer(ManagedLogin(pool_id, client_id)).start()
        self.staff_pool = StaffPool(issuer=f"https://cognito-idp.{REGION}.amazonaws.com/{pool_id}", client_id=client_id,
                                    jwks_url=f"{self.endpoint}/{pool_id}/.well-known/jwks.json", sign_in_url=self.login.url)
        self._allow_return_to(self.public_base_url or "http://127.0.0.1")

    def _allow_return_to(self, base_url: str) -> None:
        """The app client's callback and sign-out URLs, under where links point."""
        login = self.login.login
        login.callback_urls, login.logout_urls = [base_url + SIGN_IN_CALLBACK], [base_url + SIGNED_OUT]
        boto3.client("cognito-idp").update_user_pool_client(
            UserPoolId=self.staff_pool.pool_id, ClientId=self.staff_pool.client_id, ClientName="akta-staff-pages",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"], AllowedOAuthFlows=["code"],
            AllowedOAuthScopes=["openid", "email", "aws.cognito.signin.user.admin"], AllowedOAuthFlowsUserPoolClient=True,
            SupportedIdentityProviders=["COGNITO"], CallbackURLs=login.callback_urls, LogoutURLs=login.logout_urls)

    def enrol_staff_account(self, staff_id: str, email: str, role: str, *, totp: bool = True, existing: bool = False) -> str:
        """A sandbox staff account that has signed in before: its password set, TOTP enrolled (unless told not
        to). `existing`: the account was made already (the admin command). Returns the TOTP secret (moto gives
        every account the same one)."""
        from akta.adapters.identity import StaffAccounts

        if not existing:
            StaffAccounts(self.staff_pool.pool_id).create(staff_id, email, "Sementara-" + secrets.token_urlsafe(9) + "1!", role)
        cognito = boto3.client("cognito-idp")
        cognito.admin_set_user_password(UserPoolId=self.staff_pool.pool_id, Username=staff_id,
                                        Password=SANDBOX_STAFF_PASSWORD, Permanent=True)
        if not totp:
            return ""
        # A person with a permanent password and no TOTP signs in to moto without MFA: enrol with that access token.
        tokens = cognito.initiate_auth(ClientId=self.staff_pool.client_id, AuthFlow="USER_PASSWORD_AUTH",
                                       AuthParameters={"USERNAME": staff_id, "PASSWORD": SANDBOX_STAFF_PASSWORD})["AuthenticationResult"]
        secret = cognito.associate_software_token(AccessToken=tokens["AccessToken"])["SecretCode"]
        cognito.verify_software_token(AccessToken=tokens["AccessToken"], UserCode=totp_code(secret))
        cognito.set_user_mfa_preference(AccessToken=tokens["AccessToken"],
                                        SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
        return secret

    def staff_id_token(self, staff_id: str) -> str:
        """The ID token a sandbox staff member's sign-in (password, then TOTP) gets from the pool."""
        cognito = boto3.client("cognito-idp")
        challenge = cognito.initiate_auth(ClientId=self.staff_pool.client_id, AuthFlow="USER_PASSWORD_AUTH",
                                          AuthParameters={"USERNAME": staff_id, "PASSWORD": SANDBOX_STAFF_PASSWORD})
        return cognito.respond_to_auth_challenge(
            ClientId=self.staff_pool.client_id, ChallengeName="SOFTWARE_TOKEN_MFA", Session=challenge["Session"],
            ChallengeResponses={"USERNAME": staff_id, "SOFTWARE_TOKEN_MFA_CODE": totp_code(self.totp_secrets[staff_id])},
        )["AuthenticationResult"]["IdToken"]

    def run_schedules(self, every_seconds: float) -> None:
        """The sandbox's EventBridge schedule: each scheduled function runs every `every_seconds`."""
        from datetime import datetime, timezone

        from infra.declaration import FUNCTIONS

        self._stop_schedules = threading.Event()

        def tick():
            while not self._stop_schedules.wait(every_seconds):
                for f in FUNCTIONS:
                    if f.schedule_minutes:
                        event = {"source": "aws.events", "detail-type": "Scheduled Event",
                                 "time": datetime.now(timezone.utc).isoformat()}
                        try:
                            self.router.invoke(f.name, event)
                        except Exception as error:  # noqa: BLE001 - the next tick tries again
                            print(f"scheduled {f.name} failed: {type(error).__name__}", file=sys.__stderr__)

        threading.Thread(target=tick, daemon=True, name="sandbox-schedules").start()

    def set_public_base_url(self, url: str) -> None:
        """Where links point, and the one origin (the hospital page's) allowed to POST uploads to S3."""
        self.public_base_url = url
        self.settings["PUBLIC_BASE_URL"] = url
        self.router.configure(self.settings)  # functions started before this start again with the new URL
        self.adapters = office_adapters(self.settings)
        self._allow_return_to(url)
        boto3.client("s3").put_bucket_cors(Bucket=self.buckets["UPLOADS"], CORSConfiguration={"CORSRules": [
            {"AllowedOrigins": [url], "AllowedMethods": ["POST"], "AllowedHeaders": ["*"], "MaxAgeSeconds": 600}]})

    def execution(self, application_id: str, attempt: int = 1) -> str:
        return f"arn:aws:states:{REGION}:{ACCOUNT}:execution:birth-certificate:{application_id}-{attempt}"

    def stop(self) -> None:
        if getattr(self, "_stop_schedules", None):
            self._stop_schedules.set()
        self.mailbox.close()
        self.login.stop()
        self.router.close()
        self.server.stop()
