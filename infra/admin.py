"""The office's admin command: partner facilities and their API keys, and the staff directory.

    python -m infra.admin [--sandbox] facility register <facility-id> <name> <hospital|clinic|midwife> <contact>
    python -m infra.admin [--sandbox] facility issue-key <facility-id>      # prints the key once
    python -m infra.admin [--sandbox] facility revoke-key <key-id>
    python -m infra.admin [--sandbox] facility list
    python -m infra.admin [--sandbox] staff add <staff-id> <operator|verifier|head|drive_thru|supervisor> <name> <email> [--nip NIP]
                                          # the directory entry and the sign-in account; prints a first password once
    python -m infra.admin [--sandbox] staff set-pin <staff-id>              # the head of office's signing PIN (asked, not echoed)
    python -m infra.admin [--sandbox] staff deactivate|activate <staff-id>  # both the directory and the sign-in account
    python -m infra.admin [--sandbox] staff list
    python -m infra.admin [--sandbox] certificate revoke <certificate-id> <data_salah|pembatalan_pengadilan|penggantian|lainnya> <note> --by <supervisor-id>
    python -m infra.admin [--sandbox] signer csr "<head of office's name>" > tte.csr   # for the office's CA to certify
    python -m infra.admin [--sandbox] signer install-certificate <chain.pem>          # the certificate first, then its CA(s)
    python -m infra.admin [--sandbox] task reassign <application-id> <EnterIntoSiak|VerifyApplication|SignCertificate> <staff-id> <cuti|sakit|dinas_luar|beban_kerja> --by <supervisor-id>

Against AWS it uses the usual AWS credentials and the tables named by APPLICATIONS_TABLE and TASKS_TABLE
(the stack's outputs); the staff commands also use STAFF_POOL_ISSUER (the staff's user pool), the signer
commands SIGNER_KEY_ID and SIGNER_CERTIFICATE_PARAMETER (also outputs). With --sandbox it talks to a running `make serve` (it reads .sandbox/env.json).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path

from akta.config import CATALOGUE, Config, SettingsError
from akta.domain.errors import Refused, ServiceError

SANDBOX_ENV = Path(".sandbox/env.json")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m infra.admin", description=__doc__.split("\n")[0])
    root.add_argument("--sandbox", action="store_true", help="use the running sandbox (make serve)")
    groups = root.add_subparsers(dest="group", required=True)

    facility = groups.add_parser("facility").add_subparsers(dest="command", required=True)
    register = facility.add_parser("register")
    for name in ("facility_id", "name", "kind", "contact"):
        register.add_argument(name)
    facility.add_parser("issue-key").add_argument("facility_id")
    facility.add_parser("revoke-key").add_argument("key_id")
    facility.add_parser("list")

    staff = groups.add_parser("staff").add_subparsers(dest="command", required=True)
    add = staff.add_parser("add")
    for name in ("staff_id", "role", "name", "email"):
        add.add_argument(name)
    add.add_argument("--nip", default="")
    set_pin = staff.add_parser("set-pin")
    set_pin.add_argument("staff_id")
    set_pin.add_argument("--pin-stdin", action="store_true", help="read the PIN from standard input (scripts)")
    for command in ("deactivate", "activate"):
        staff.add_parser(command).add_argument("staff_id")
    staff.add_parser("list")

    certificate = groups.add_parser("certificate").add_subparsers(dest="command", required=True)
    revoke = certificate.add_parser("revoke", help="revoke a certificate; verification then shows it revoked")
    for name in ("certificate_id", "reason", "note"):
        revoke.add_argument(name)
    revoke.add_argument("--by", required=True, help="the supervisor's staff id")

    signer = groups.add_parser("signer").add_subparsers(dest="command", required=True)
    signer.add_parser("csr", help="a CSR signed by the KMS signing key, for the office's CA").add_argument("head_name")
    signer.add_parser("install-certificate", help="check a certificate chain against the KMS key and install it").add_argument("chain_file")

    task = groups.add_parser("task").add_subparsers(dest="command", required=True)
    reassign = task.add_parser("reassign", help="hand a waiting staff task to another person of the same role")
    for name in ("application_id", "state", "staff_id", "reason"):
        reassign.add_argument(name)
    reassign.add_argument("--by", required=True, help="the supervisor's staff id")
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.sandbox:
        if not SANDBOX_ENV.exists():
            print("No running sandbox: start `make serve` first.", file=sys.stderr)
            return 2
        os.environ.update(json.loads(SANDBOX_ENV.read_text()))
    try:
        return {"facility": FACILITY, "staff": STAFF, "task": TASK, "certificate": CERTIFICATE,
                "signer": SIGNER}[args.group][args.command](args, _adapters(os.environ))
    except ServiceError as problem:  # not found, conflict, refused, invalid input: said, not a traceback
        print(f"refused: {'; '.join(e.message for e in problem.errors) or problem}", file=sys.stderr)
        return 2
    except SettingsError as missing:
        print(f"{missing} (set it from the stack's outputs, or use --sandbox with `make serve` running)", file=sys.stderr)
        return 2


def _adapters(environ):
    """The admin command works for the whole office: it takes every setting its environment has."""
    from akta.wiring import Wiring

    return Wiring(Config.of(**{name: environ[name] for name in CATALOGUE if name in environ}))


def _register(args, adapters) -> int:
    from akta.service import facilities

    facility = facilities.register(adapters, args.facility_id, args.name, args.kind, args.contact)
    print(f"registered {facility['facility_id']} ({facility['kind']})")
    return 0


def _issue_key(args, adapters) -> int:
    from akta.service import facilities

    key_id, key = facilities.issue_key(adapters, args.facility_id)
    print(f"key id: {key_id}\nkey (shown once, give it to the facility): {key}")
    return 0


def _revoke_key(args, adapters) -> int:
    from akta.service import facilities

    if not facilities.revoke_key(adapters, args.key_id):
        print(f"no open key {args.key_id}", file=sys.stderr)
        return 1
    print(f"revoked {args.key_id}")
    return 0


def _list_facilities(args, adapters) -> int:
    from akta.service import facilities

    for facility in facilities.listing(adapters):
        keys = ", ".join(f"{k['key_id']} ({k['status']})" for k in facility["keys"]) or "no keys"
        print(f"{facility['facility_id']:<24}{facility['kind']:<10}{facility['name']} — {keys}")
    return 0


def _accounts(adapters):
    from akta.adapters.identity import StaffAccounts

    return StaffAccounts(adapters.config["STAFF_POOL_ISSUER"].rsplit("/", 1)[-1])


def first_password() -> str:
    """A temporary password the pool's policy accepts (12+ characters, upper, lower, digit, symbol); the person
    replaces it at first sign-in, within three days."""
    import secrets
    import string

    alphabet = string.ascii_letters + string.digits
    core = "".join(secrets.choice(alphabet) for _ in range(14))
    return f"{core}-{secrets.choice(string.ascii_uppercase)}{secrets.choice(string.ascii_lowercase)}{secrets.choice(string.digits)}"


def _add_staff(args, adapters) -> int:
    from akta.service import directory

    accounts = _accounts(adapters)  # before anything is written: a missing pool setting stops here
    person = directory.add(adapters, args.staff_id, args.role, args.name, args.email, args.nip)
    password = first_password()
    accounts.create(person["staff_id"], person["email"], password, person["role"])
    print(f"added {person['staff_id']} ({person['role']})")
    print(f"first password (shown once; hand it over in person; it must be changed at first sign-in, with TOTP set up): {password}")
    return 0


def _set_pin(args, adapters) -> int:
    from akta.service import directory

    pin = sys.stdin.readline().strip() if args.pin_stdin else getpass.getpass("PIN (6-8 digits): ")
    directory.set_pin(adapters, args.staff_id, pin)
    print(f"PIN set for {args.staff_id}")
    return 0


def _set_active(args, adapters) -> int:
    from akta.service import directory

    active = args.command == "activate"
    if not directory.set_active(adapters, args.staff_id, active):
        print(f"no staff member {args.staff_id}", file=sys.stderr)
        return 1
    # The directory refuses the person's session at their next request; the pool refuses their next sign-in.
    _accounts(adapters).set_enabled(args.staff_id, active)
    print(f"{args.command}d {args.staff_id}")
    return 0


def _list_staff(args, adapters) -> int:
    from akta.service import directory

    for person in directory.listing(adapters):
        print(f"{person['staff_id']:<16}{person['role']:<12}{'active' if person['active'] else 'inactive':<10}"
              f"{person['name']} <{person['email']}>")
    return 0


def _supervisor(adapters, staff_id: str) -> str:
    from akta.service import directory

    if directory.person(adapters, staff_id)["role"] != "supervisor":
        raise Refused("not_supervisor", staff_id)
    return staff_id


def _reassign(args, adapters) -> int:
    from akta.service import staff

    moved = staff.reassign(adapters, args.application_id, args.state, args.staff_id, args.reason, by=_supervisor(adapters, args.by))
    print(f"{moved['application_id']} {moved['state']}: {moved['from']} -> {moved['to']} (a fresh link was emailed)")
    return 0


def _revoke(args, adapters) -> int:
    from akta.service import verification

    revocation = verification.revoke(adapters, args.certificate_id, args.reason, args.note, _supervisor(adapters, args.by))
    print(f"revoked {revocation['certificate_id']} ({revocation['reason']}); the archive keeps the PDF and this record")
    return 0


def _csr(args, adapters) -> int:
    from akta.adapters.aws import client
    from akta.adapters.kms_signer import certificate_request, subject_name

    sys.stdout.write(certificate_request(client("kms"), adapters.config["SIGNER_KEY_ID"],
                                         subject_name(args.head_name).public_bytes()).decode())
    return 0


def _install_certificate(args, adapters) -> int:
    from akta.adapters.aws import client
    from akta.adapters.kms_signer import check_chain

    chain_pem = Path(args.chain_file).read_bytes()
    chain = check_chain(client("kms"), adapters.config["SIGNER_KEY_ID"], chain_pem)
    client("ssm").put_parameter(Name=adapters.config["SIGNER_CERTIFICATE_PARAMETER"], Value=chain_pem.decode(),
                                Type="String", Tier="Advanced", Overwrite=True)  # a chain can pass 4 KB
    print(f"installed {len(chain)} certificate(s) for {chain[0].subject.human_friendly}; "
          "new issuing containers sign with it")
    return 0


FACILITY = {"register": _register, "issue-key": _issue_key, "revoke-key": _revoke_key, "list": _list_facilities}
TASK = {"reassign": _reassign}
SIGNER = {"csr": _csr, "install-certificate": _install_certificate}
CERTIFICATE = {"revoke": _revoke}
STAFF = {"add": _add_staff, "set-pin": _set_pin, "deactivate": _set_active, "activate": _set_active, "list": _list_staff}

if __name__ == "__main__":
    sys.exit(main())
