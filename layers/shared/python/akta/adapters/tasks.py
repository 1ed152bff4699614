"""Secrets that stand for a waiting task: staff links, pickup codes, counter keys, one-time form tokens.

Only a SHA-256 of each secret is stored (the table is keyed by it), so a leaked table does not hand out
working links. The task token itself never leaves the server.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from boto3.dynamodb.conditions import Attr

from akta.adapters.aws import all_items, conditional, table
from akta.domain.errors import Refused  # a link, code, key or form token that does not (or no longer) allow the action

# Crockford base32 without look-alikes: pickup codes are read aloud at a counter.
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_link_id() -> str:
    return secrets.token_urlsafe(24)  # 192 bits


def new_pickup_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def normalise_pickup_code(code: str) -> str:
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    return f"{cleaned[:4]}-{cleaned[4:]}" if len(cleaned) == 8 else cleaned


# What a form token may be used for: the staff decision on a link, a supervisor's console action, a counter handover.
FORM_PURPOSES = ("staff_decision", "supervisor_action", "counter_handover")


class TaskStore:
    def __init__(self, table_name: str):
        self._table = table(table_name)

    # -- staff links ---------------------------------------------------------------------------------
    def create_link(self, *, role: str, application_id: str, state: str, sop_step: int, task_token: str,
                    assignee: dict, at: datetime, ttl: timedelta) -> tuple[str, str]:
        """A new link id (for the email) and the key it is stored under (for the application)."""
        link_id = new_link_id()
        key = f"LINK#{digest(link_id)}"
        self._table.put_item(Item={
            "pk": key, "kind": "link", "role": role, "application_id": application_id,
            "state": state, "sop_step": sop_step, "task_token": task_token, "assignee": assignee,
            "status": "open", "created_at": at.isoformat(), "expires_at": int((at + ttl).timestamp()),
        })
        return link_id, key

    def link(self, link_id: str, at: datetime) -> dict:
        return self._live(f"LINK#{digest(link_id)}", at)

    def open_link_at(self, key: str, at: datetime) -> dict:
        """The still-open link stored under `key` (as the application records it)."""
        return self._live(key, at)

    def decide_link(self, link_id: str, decision: str, at: datetime) -> dict:
        """Mark the link used, once (conditional write); returns the link with its task token."""
        return self._use(f"LINK#{digest(link_id)}", at, decision=decision)

    # -- Drive-Thru pickup codes ---------------------------------------------------------------------
    def create_pickup(self, *, application_id: str, task_token: str, at: datetime, ttl: timedelta) -> tuple[str, str]:
        code = new_pickup_code()
        key = f"PICKUP#{digest(code)}"
        self._table.put_item(Item={
            "pk": key, "kind": "pickup", "application_id": application_id,
            "task_token": task_token, "status": "open", "created_at": at.isoformat(),
            "expires_at": int((at + ttl).timestamp()),
        })
        return code, key

    def pickup(self, code: str, at: datetime) -> dict:
        return self._live(f"PICKUP#{digest(normalise_pickup_code(code))}", at)

    def pickup_at(self, key: str, at: datetime) -> dict:
        """The still-open pickup stored under `key` (as its handover form names it)."""
        return self._live(key, at)

    def hand_over(self, pickup_hash: str, at: datetime) -> dict:
        return self._use(pickup_hash, at, decision="handed_over")

    # -- counter keys --------------------------------------------------------------------------------
    def create_counter_key(self, counter_id: str, name: str, at: datetime) -> str:
        key = secrets.token_urlsafe(24)
        self._table.put_item(Item={
            "pk": f"COUNTER#{digest(key)}", "kind": "counter", "counter_id": counter_id, "name": name,
            "status": "open", "created_at": at.isoformat(),
        })
        return key

    def counter(self, key: str) -> dict:
        item = self._table.get_item(Key={"pk": f"COUNTER#{digest(key)}"}, ConsistentRead=True).get("Item")
        if not item or item["status"] != "open":
            raise Refused("counter_key")
        return item

    # -- facility API keys: shown once, stored as a hash, revocable ------------------------------------------
    def create_api_key(self, facility_id: str, at: datetime) -> tuple[str, str]:
        """A new key for a facility: (key_id to list and revoke it by, the key itself, shown once)."""
        key = "akf_" + secrets.token_urlsafe(32)
        key_id = digest(key)[:12]  # hex: never part of the key, never read as a command-line option
        self._table.put_item(Item={
            "pk": f"APIKEY#{digest(key)}", "kind": "api_key", "key_id": key_id, "facility_id": facility_id,
            "status": "open", "created_at": at.isoformat(),
        })
        return key_id, key

    def api_key(self, key: str) -> dict | None:
        item = self._table.get_item(Key={"pk": f"APIKEY#{digest(key)}"}).get("Item")
        return item if item and item["status"] == "open" else None

    def api_keys(self) -> list[dict]:
        return self._scan(Attr("kind").eq("api_key"))

    def revoke_api_key(self, key_id: str, at: datetime) -> bool:
        found = [item for item in self.api_keys() if item["key_id"] == key_id and item["status"] == "open"]
        for item in found:
            self.supersede(item["pk"], at, status="revoked")
        return bool(found)

    # -- one-time form tokens: a page's POST must carry the token its GET rendered -----------------------
    def issue_form_token(self, purpose: str, subject: str, at: datetime, ttl: timedelta = timedelta(hours=2), **extra) -> str:
        """A token for one form of one `purpose` (FORM_PURPOSES) about one `subject` (a link, a pickup, a person)."""
        if purpose not in FORM_PURPOSES:
            raise ValueError(f"form purpose {purpose!r} is not one of {FORM_PURPOSES}")
        token = secrets.token_urlsafe(24)
        self._table.put_item(Item={
            "pk": f"FORM#{digest(token)}", "kind": "form", "purpose": purpose, "subject": subject, "status": "open",
            "expires_at": int((at + ttl).timestamp()), **extra,
        })
        return token

    def use_form_token(self, token: str, purpose: str, at: datetime, subject: str | None = None) -> dict:
        """Use the token once, only in the form it was made for (and about its subject, when given). A token of
        another form is refused without being used: it changes nothing, not even itself."""
        condition = (Attr("status").eq("open") & Attr("expires_at").gt(int(at.timestamp()))
                     & Attr("purpose").eq(purpose))
        if subject is not None:
            condition &= Attr("subject").eq(subject)
        result = conditional(
            self._table.update_item, Key={"pk": f"FORM#{digest(token)}"},
            UpdateExpression="SET #status = :used, decided_at = :at", ConditionExpression=condition,
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":used": "used", ":at": at.isoformat()}, ReturnValues="ALL_NEW",
        )
        if result is None:  # unknown, expired, used, or another form's: the page is stale
            raise Refused("form_token")
        return result["Attributes"]

    # -- shared ----------------------------------------------------------------------------------------
    def supersede(self, key: str, at: datetime, status: str = "superseded") -> bool:
        """A fresh link or code replaced this one (the task waits again): it no longer decides. False when it
        was no longer open (decided, or replaced already): nothing changed."""
        return conditional(
            self._table.update_item,
            Key={"pk": key},
            UpdateExpression="SET #status = :status, decided_at = :at",
            ConditionExpression=Attr("status").eq("open"),
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":status": status, ":at": at.isoformat()},
        ) is not None

    def open_links(self) -> list[dict]:
        """Staff links still waiting for a decision (for the SLA sweeper; the table stays small thanks to TTL)."""
        return self._scan(Attr("kind").eq("link") & Attr("status").eq("open"))

    def _scan(self, condition) -> list[dict]:
        return all_items(self._table.scan, ConsistentRead=True, FilterExpression=condition)

    def mark_reminded(self, key: str, at: datetime) -> bool:
        """True the first time only: one reminder per task."""
        return conditional(
            self._table.update_item,
            Key={"pk": key},
            UpdateExpression="SET reminded_at = :at",
            ConditionExpression=Attr("reminded_at").not_exists() & Attr("status").eq("open"),
            ExpressionAttributeValues={":at": at.isoformat()},
        ) is not None

    def _live(self, pk: str, at: datetime) -> dict:
        item = self._table.get_item(Key={"pk": pk}, ConsistentRead=True).get("Item")
        if not item:
            raise Refused("unknown")
        if item["status"] == "superseded":
            raise Refused("superseded")
        if int(item["expires_at"]) <= at.timestamp():
            raise Refused("expired")
        if item["status"] != "open":
            raise Refused("used")
        item["pk"] = pk
        return item

    def _use(self, pk: str, at: datetime, *, decision: str) -> dict:
        result = conditional(
            self._table.update_item,
            Key={"pk": pk},
            UpdateExpression="SET #status = :used, decided_at = :at, decision = :decision",
            ConditionExpression=Attr("status").eq("open") & Attr("expires_at").gt(int(at.timestamp())),
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":used": "used", ":at": at.isoformat(), ":decision": decision},
            ReturnValues="ALL_NEW",
        )
        if result is None:
            raise Refused("used")
        item = result["Attributes"]
        item["pk"] = pk
        return item
