"""S3: the upload quarantine (presigned POSTs from hospitals) and the digital archive.

Keys carry application ids and document kinds only, never names or NIKs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from akta.adapters.aws import client
from akta.domain.documents import MAX_DOCUMENT_BYTES, UploadedDocument

UPLOAD_SLOT_SECONDS = 15 * 60
HEAD_BYTES = 16  # enough for every magic number we accept


def upload_key(application_id: str, kind: str) -> str:
    return f"applications/{application_id}/{kind}"


def archived_document_key(application_id: str, kind: str) -> str:
    return f"applications/{application_id}/documents/{kind}"


def certificate_key(application_id: str) -> str:
    return f"applications/{application_id}/akta-kelahiran.pdf"


@dataclass(frozen=True)
class UploadSlot:
    kind: str
    url: str
    fields: dict

    def as_dict(self) -> dict:
        return {"kind": self.kind, "url": self.url, "fields": self.fields, "expires_in": UPLOAD_SLOT_SECONDS}


class Archive:
    def __init__(self, uploads_bucket: str | None, archive_bucket: str | None):
        self._s3 = client("s3")
        self.uploads, self.archive = uploads_bucket, archive_bucket

    def upload_slot(self, application_id: str, kind: str, content_type: str) -> UploadSlot:
        """A presigned POST that S3 itself limits to one key, one content type and the size cap."""
        key = upload_key(application_id, kind)
        post = self._s3.generate_presigned_post(
            self.uploads,
            key,
            Fields={"Content-Type": content_type},
            Conditions=[
                {"Content-Type": content_type},
                ["content-length-range", 1, MAX_DOCUMENT_BYTES],
            ],
            ExpiresIn=UPLOAD_SLOT_SECONDS,
        )
        return UploadSlot(kind, post["url"], post["fields"])

    def uploaded(self, application_id: str) -> dict[str, UploadedDocument]:
        """What actually landed in the quarantine for this application: size, first bytes, declared type."""
        prefix = upload_key(application_id, "")
        found: dict[str, UploadedDocument] = {}
        listing = self._s3.list_objects_v2(Bucket=self.uploads, Prefix=prefix)
        for obj in listing.get("Contents", []):
            kind = obj["Key"][len(prefix):]
            if "/" in kind or not kind:
                continue
            head = b""
            if obj["Size"] > 0:
                response = self._s3.get_object(Bucket=self.uploads, Key=obj["Key"], Range=f"bytes=0-{HEAD_BYTES - 1}")
                head = response["Body"].read()
                declared = response.get("ContentType")
            else:
                declared = None
            found[kind] = UploadedDocument(kind=kind, size=obj["Size"], head=head, declared_content_type=declared)
        return found

    def archive_document(self, application_id: str, kind: str) -> str:
        key = archived_document_key(application_id, kind)
        self._s3.copy_object(
            Bucket=self.archive,
            Key=key,
            CopySource={"Bucket": self.uploads, "Key": upload_key(application_id, kind)},
            ChecksumAlgorithm="SHA256",  # Object Lock buckets need a checksum on writes
        )
        return key

    def put_certificate(self, application_id: str, pdf: bytes) -> str:
        key = certificate_key(application_id)
        self._s3.put_object(
            Bucket=self.archive, Key=key, Body=pdf, ContentType="application/pdf", ChecksumAlgorithm="SHA256"
        )
        return key

    def put_revocation(self, application_id: str, revocation: dict) -> str:
        """The revocation record beside the certificate; the signed PDF itself stays (Object Lock)."""
        key = certificate_key(application_id).replace(".pdf", ".revocation.json")
        self._s3.put_object(Bucket=self.archive, Key=key, Body=json.dumps(revocation).encode(),
                            ContentType="application/json", ChecksumAlgorithm="SHA256")
        return key

    def certificate(self, application_id: str) -> bytes:
        return self._s3.get_object(Bucket=self.archive, Key=certificate_key(application_id))["Body"].read()

    def archived_documents(self, application_id: str) -> list[str]:
        prefix = archived_document_key(application_id, "")
        listing = self._s3.list_objects_v2(Bucket=self.archive, Prefix=prefix)
        return [obj["Key"][len(prefix):] for obj in listing.get("Contents", [])]

    def preview_url(self, application_id: str, kind: str, seconds: int = 300) -> str:
        return self._s3.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.archive, "Key": archived_document_key(application_id, kind)},
            ExpiresIn=seconds,
        )

