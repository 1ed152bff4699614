"""Manage partner facilities and their API keys (the office's admin command).

    python -m infra.facilities [--sandbox] register <facility-id> <name> <hospital|clinic|midwife> <contact>
    python -m infra.facilities [--sandbox] issue-key <facility-id>      # prints the key once
    python -m infra.facilities [--sandbox] revoke-key <key-id>
    python -m infra.facilities [--sandbox] list

Against AWS it uses the usual AWS credentials and the tables named by APPLICATIONS_TABLE and TASKS_TABLE
(the stack's outputs). With --sandbox it talks to a running `make serve` (it reads .sandbox/env.json).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

SANDBOX_ENV = Path(".sandbox/env.json")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.facilities", description=__doc__.split("\n")[0])
    parser.add_argument("--sandbox", action="store_true", help="use the running sandbox (make serve)")
    commands = parser.add_subparsers(dest="command", required=True)
    register = commands.add_parser("register")
    for name in ("facility_id", "name", "kind", "contact"):
        register.add_argument(name)
    commands.add_parser("issue-key").add_argument("facility_id")
    commands.add_parser("revoke-key").add_argument("key_id")
    commands.add_parser("list")
    args = parser.parse_args(argv)

    if args.sandbox:
        if not SANDBOX_ENV.exists():
            print("No running sandbox: start `make serve` first.", file=sys.stderr)
            return 2
        os.environ.update(json.loads(SANDBOX_ENV.read_text()))
    from akta.service import facilities

    try:
        return _run(args, facilities)
    except (ValueError, LookupError) as problem:
        print(f"refused: {problem}", file=sys.stderr)
        return 2


def _run(args, facilities) -> int:
    if args.command == "register":
        facility = facilities.register(args.facility_id, args.name, args.kind, args.contact)
        print(f"registered {facility['facility_id']} ({facility['kind']})")
    elif args.command == "issue-key":
        key_id, key = facilities.issue_key(args.facility_id)
        print(f"key id: {key_id}\nkey (shown once, give it to the facility): {key}")
    elif args.command == "revoke-key":
        if not facilities.revoke_key(args.key_id):
            print(f"no open key {args.key_id}", file=sys.stderr)
            return 1
        print(f"revoked {args.key_id}")
    else:
        for facility in facilities.listing():
            keys = ", ".join(f"{k['key_id']} ({k['status']})" for k in facility["keys"]) or "no keys"
            print(f"{facility['facility_id']:<24}{facility['kind']:<10}{facility['name']} — {keys}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
