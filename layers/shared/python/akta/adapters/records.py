"""The applications table: one item per application, its timeline events, and tokens waiting on it.

Personal data lives only in the `data` attribute (the validated application as JSON); keys, statuses
and timeline events carry ids and codes.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timezone

from boto3.dynamodb.conditions import Attr, Key

from akta.adapters.aws import all_items, conditional, table
from akta.domain.errors import Conflict, NotFound
from akta.domain.timeline import TimelineEvent

NOT_FOUND = "application_not_found"
STATUS_CONFLICT = "status_conflict"  # the application is not in a status that allows this


def now() -> datetime:
    return datetime.now(timezone.utc)


def _pk(application_id: str) -> str:
    return f"APP#{application_id}"


class Records:
    def __init__(self, table_name: str):
        self._table = table(table_name)

    def create(self, application_id: str, *, facility_id: str, data: dict, at: datetime) -> None:
        self._table.put_item(
            Item={
                "pk": _pk(application_id),
                "sk": "META",
                "application_id": application_id,
                "facility_id": facility_id,
                "status": "DRAFT",
                "attempt": 0,
                "data": json.dumps(data, ensure_ascii=False),
                "created_at": at.isoformat(),
                "open_tasks": {},
                "version": 1,
            },
            ConditionExpression=Attr("pk").not_exists(),
        )

    # -- certificates, by the id in their QR code ---------------------------------------------------------
    def put_certificate(self, certificate: dict) -> None:
        self._table.put_item(Item={"pk": f"CERT#{certificate['certificate_id']}", "sk": "META", **certificate})

    def certificate(self, certificate_id: str) -> dict | None:
        return self._table.get_item(Key={"pk": f"CERT#{certificate_id}", "sk": "META"}).get("Item")

    def revoke_certificate(self, certificate_id: str, revocation: dict) -> bool:
        """Mark a valid certificate revoked, once; False if unknown or revoked already."""
        return conditional(
            self._table.update_item,
            Key={"pk": f"CERT#{certificate_id}", "sk": "META"},
            UpdateExpression="SET #status = :revoked, revocation = :revocation",
            ConditionExpression=Attr("status").eq("valid"),
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":revoked": "revoked", ":revocation": revocation},
        ) is not None

    # -- the staff directory: one partition, so finding a role's person is a Query, never a table scan ------
    def put_staff(self, person: dict) -> None:
        self._table.put_item(Item={"pk": "STAFF", "sk": person["staff_id"], **person})

    def staff_member(self, staff_id: str) -> dict | None:
        return self._table.get_item(Key={"pk": "STAFF", "sk": staff_id}, ConsistentRead=True).get("Item")

    def staff(self) -> list[dict]:
        return all_items(self._table.query, ConsistentRead=True, KeyConditionExpression=Key("pk").eq("STAFF"))

    def set_staff_fields(self, staff_id: str, **fields) -> bool:
        """Update a staff record; False when there is none."""
        names = {f"#{k}": k for k in fields}
        values = {f":{k}": v for k, v in fields.items()}
        return conditional(
            self._table.update_item,
            Key={"pk": "STAFF", "sk": staff_id},
            UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in fields),
            ExpressionAttributeNames=names, ExpressionAttributeValues=values,
            ConditionExpression=Attr("pk").exists(),
        ) is not None

    def reserve_pin_attempt(self, staff_id: str, *, at: int, limit: int, lockout_s: int) -> int | None:
        """Reserve one PIN attempt before the PIN is compared: its number (1..limit), or None while locked.

        Each attempt counts as a failure until a right PIN refunds it (`pin_failures` back to 0), so however many
        requests are in flight, at most `limit` comparisons are made per lockout. Locked: `limit` attempts, the
        last less than `lockout_s` ago. An expired lock is cleared by one conditional write, which only one of
        the requests racing for it wins; the others then reserve as usual.
        """
        key = {"pk": "STAFF", "sk": staff_id}
        for _ in range(3):  # a lost race to clear an expired lock: reserve again
            reserved = conditional(
                self._table.update_item, Key=key, ReturnValues="UPDATED_NEW",
                UpdateExpression="SET pin_failures = if_not_exists(pin_failures, :zero) + :one, pin_last_attempt = :at",
                ConditionExpression=Attr("pk").exists() & (Attr("pin_failures").not_exists() | Attr("pin_failures").lt(limit)),
                ExpressionAttributeValues={":zero": 0, ":one": 1, ":at": at},
            )
            if reserved is not None:
                return int(reserved["Attributes"]["pin_failures"])
            found = self.staff_member(staff_id)
            if not found:
                return None
            last = int(found.get("pin_last_attempt") or 0)
            if last + lockout_s > at:
                return None  # locked
            cleared = conditional(
                self._table.update_item, Key=key,
                UpdateExpression="SET pin_failures = :one, pin_last_attempt = :at",
                ConditionExpression=Attr("pin_last_attempt").eq(last) | Attr("pin_last_attempt").not_exists(),
                ExpressionAttributeValues={":one": 1, ":at": at},
            )
            if cleared is not None:
                return 1
        return None

    # -- facilities --------------------------------------------------------------------------------------
    def put_facility(self, facility: dict) -> None:
        self._table.put_item(Item={"pk": f"FACILITY#{facility['facility_id']}", "sk": "META", **facility})

    def facility(self, facility_id: str) -> dict | None:
        return self._table.get_item(Key={"pk": f"FACILITY#{facility_id}", "sk": "META"}).get("Item")

    def facilities(self) -> list[dict]:
        return all_items(self._table.scan, FilterExpression=Attr("pk").begins_with("FACILITY#"))

    def list_for_facility(self, facility_id: str, *, status: str | None, limit: int, after: dict | None) -> tuple[list[dict], dict | None]:
        """A facility's applications, newest first, one page at a time (index by_facility)."""
        kwargs = {"IndexName": "by_facility", "KeyConditionExpression": Key("facility_id").eq(facility_id),
                  "ScanIndexForward": False, "Limit": limit}
        if status:
            kwargs["FilterExpression"] = Attr("status").eq(status)
        if after:
            kwargs["ExclusiveStartKey"] = after
        page = self._table.query(**kwargs)
        return page["Items"], page.get("LastEvaluatedKey")

    def get(self, application_id: str) -> dict:
        item = self._table.get_item(Key={"pk": _pk(application_id), "sk": "META"}, ConsistentRead=True).get("Item")
        if not item:
            raise NotFound(NOT_FOUND, application_id)
        item["data"] = json.loads(item["data"])
        item["attempt"] = int(item["attempt"])
        item["version"] = int(item["version"])
        return item

    def update(self, application_id: str, *, expect_status: tuple[str, ...] | None = None, **fields) -> None:
        """Set fields (status, reasons, registration number, ...); optionally only from given statuses."""
        if "data" in fields:
            fields["data"] = json.dumps(fields["data"], ensure_ascii=False)
        names = {f"#{k}": k for k in fields}
        values = {f":{k}": v for k, v in fields.items()} | {":one": 1}
        expression = "SET " + ", ".join(f"#{k} = :{k}" for k in fields) + ", #version = #version + :one"
        names["#version"] = "version"
        condition = Attr("pk").exists()
        if expect_status:
            condition &= Attr("status").is_in(list(expect_status))
        if conditional(self._table.update_item, Key={"pk": _pk(application_id), "sk": "META"},
                       UpdateExpression=expression, ExpressionAttributeNames=names,
                       ExpressionAttributeValues=values, ConditionExpression=condition) is None:
            raise Conflict(STATUS_CONFLICT, application_id)

    def append_event(self, application_id: str, event: TimelineEvent) -> None:
        sk = f"EVENT#{event.at.isoformat()}#{secrets.token_hex(4)}"
        self._table.put_item(Item={"pk": _pk(application_id), "sk": sk, **event.as_item()})

    def events(self, application_id: str) -> list[TimelineEvent]:
        items = self._query(application_id, "EVENT#")
        return [TimelineEvent.from_item(item) for item in items]

    def replace_open_task(self, application_id: str, state: str, task_key: str) -> str | None:
        """Remember the secret (link, pickup code) now open for a state; return the one it replaces."""
        result = self._table.update_item(
            Key={"pk": _pk(application_id), "sk": "META"},
            UpdateExpression="SET open_tasks.#state = :key",
            ExpressionAttributeNames={"#state": state},
            ExpressionAttributeValues={":key": task_key},
            ReturnValues="UPDATED_OLD",
        )
        return result.get("Attributes", {}).get("open_tasks", {}).get(state)

    def same_child(self, application_id: str, key: str, previous_key: str | None) -> list[str]:
        """Register this application under its one-child key; return the other applications under it.

        The key is a digest (see domain.duplicates), so no NIK or name ends up in a table key.
        """
        if previous_key and previous_key != key:  # the data changed on resubmission
            self._table.delete_item(Key={"pk": f"CHILD#{previous_key}", "sk": application_id})
        self._table.put_item(Item={"pk": f"CHILD#{key}", "sk": application_id})
        items = self._table.query(KeyConditionExpression=Key("pk").eq(f"CHILD#{key}"), ConsistentRead=True)["Items"]
        return sorted(item["sk"] for item in items if item["sk"] != application_id)

    def put_waiting(self, application_id: str, kind: str, task_token: str, at: datetime, delivery_id: str | None = None) -> None:
        """Store the task token that an outside answer (resubmission, delivery event) will complete; a delivery
        wait also stores the id its one message carries, the only message whose events may answer it."""
        item = {"pk": _pk(application_id), "sk": f"WAIT#{kind}", "task_token": task_token, "since": at.isoformat()}
        self._table.put_item(Item=item | ({"delivery_id": delivery_id} if delivery_id else {}))

    def take_waiting(self, application_id: str, kind: str, delivery_id: str | None = None) -> str | None:
        """Remove and return the waiting token, once: a second caller gets None. With `delivery_id`, only if the
        wait is for that message (an event of another message answers nothing)."""
        condition = Attr("pk").exists()
        if delivery_id is not None:
            condition &= Attr("delivery_id").eq(delivery_id)
        old = conditional(self._table.delete_item, Key={"pk": _pk(application_id), "sk": f"WAIT#{kind}"},
                          ConditionExpression=condition, ReturnValues="ALL_OLD")
        return old["Attributes"]["task_token"] if old else None

    def _query(self, application_id: str, prefix: str) -> list[dict]:
        return all_items(self._table.query, ConsistentRead=True,
                         KeyConditionExpression=Key("pk").eq(_pk(application_id)) & Key("sk").begins_with(prefix))
