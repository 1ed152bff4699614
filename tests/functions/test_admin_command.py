"""The admin command: facilities and their keys (shown once, stored hashed, revocable), and the staff directory."""

from __future__ import annotations

import re

import pytest
import requests

from infra import admin as command

pytestmark = pytest.mark.usefixtures("office_environment")


def test_the_admin_command_registers_a_facility_issues_a_key_lists_and_revokes_it(world, capsys):
    assert command.main(["facility", "register", "bidan-sari", "Praktik Bidan Sari", "midwife", "sari@bidan.test"]) == 0
    assert command.main(["facility", "issue-key", "bidan-sari"]) == 0
    out = capsys.readouterr().out
    key_id = out.split("key id: ")[1].split()[0]
    assert re.fullmatch(r"[0-9a-f]{12}", key_id)  # not part of the key, and no leading "-" for argparse to misread
    key = out.split("shown once, give it to the facility): ")[1].strip()
    api = world.gateway.url + "/v1/applications"
    assert requests.get(api, headers={"Authorization": f"Bearer {key}"}, timeout=30).status_code == 200

    assert command.main(["facility", "list"]) == 0
    listing = capsys.readouterr().out
    assert f"{key_id} (open)" in listing and key not in listing  # only the id is ever shown again

    assert command.main(["facility", "revoke-key", key_id]) == 0
    assert requests.get(api, headers={"Authorization": f"Bearer {key}"}, timeout=30).status_code == 401
    assert command.main(["facility", "revoke-key", key_id]) == 1  # already revoked


def test_the_admin_command_refuses_an_unknown_kind_of_facility_and_a_key_for_an_unknown_one(world, capsys):
    assert command.main(["facility", "register", "apotek-x", "Apotek X", "pharmacy", "x@apotek.test"]) == 2
    assert command.main(["facility", "issue-key", "tidak-terdaftar"]) == 2
    assert "refused" in capsys.readouterr().err


def test_the_admin_command_manages_the_staff_directory_and_a_pin(world, capsys, monkeypatch):
    import io

    from akta.service import directory

    import boto3

    assert command.main(["staff", "add", "wati", "verifier", "Wati Verifikator", "wati@disdukcapil.test"]) == 0
    added = capsys.readouterr().out
    first = added.split("first password")[1].rsplit(": ", 1)[1].strip()
    cognito, pool = boto3.client("cognito-idp"), world.sandbox.staff_pool.pool_id
    account = cognito.admin_get_user(UserPoolId=pool, Username="wati")
    assert account["UserStatus"] == "FORCE_CHANGE_PASSWORD" and account["Enabled"] and len(first) >= 12
    assert [g["GroupName"] for g in cognito.admin_list_groups_for_user(UserPoolId=pool, Username="wati")["Groups"]] == ["verifier"]
    monkeypatch.setattr("sys.stdin", io.StringIO("13579246\n"))
    assert command.main(["staff", "set-pin", "wati", "--pin-stdin"]) == 0
    directory.check_pin(world.sandbox.adapters, "wati", "13579246")  # the PIN works; it is stored only as a salted hash
    assert command.main(["staff", "deactivate", "wati"]) == 0
    assert cognito.admin_get_user(UserPoolId=pool, Username="wati")["Enabled"] is False  # no next sign-in either
    assert command.main(["staff", "list"]) == 0
    listing = capsys.readouterr().out
    assert "wati" in listing and "inactive" in listing and "13579246" not in listing
    assert command.main(["staff", "add", "x", "janitor", "X", "x@x.test"]) == 2


def test_the_signer_commands_make_a_csr_for_the_kms_key_and_install_only_a_chain_for_that_key(world, capsys, tmp_path):
    """What the office does once before going live: a CSR from the KMS key, the CA's certificate installed."""
    import boto3
    from cryptography import x509

    from sandbox.pki import create_local_pki

    assert command.main(["signer", "csr", "Kepala Dinas Sandbox"]) == 0
    csr_pem = capsys.readouterr().out.encode()
    assert x509.load_pem_x509_csr(csr_pem).is_signature_valid
    ssm, parameter = boto3.client("ssm"), world.sandbox.signer_certificate_parameter
    installed = ssm.get_parameter(Name=parameter)["Parameter"]["Value"]

    # A chain whose certificate is for another key is refused, and the installed chain stays.
    stranger = create_local_pki("Orang Lain")
    other_key = boto3.client("kms").create_key(KeyUsage="SIGN_VERIFY", KeySpec="RSA_2048")["KeyMetadata"]["KeyId"]
    from akta.adapters.kms_signer import certificate_request, subject_name

    wrong = tmp_path / "wrong.pem"
    wrong.write_bytes(stranger.certify(certificate_request(boto3.client("kms"), other_key, subject_name("Orang Lain").public_bytes()))
                      + stranger.ca_cert_pem)
    assert command.main(["signer", "install-certificate", str(wrong)]) == 2
    assert "not for this KMS key" in capsys.readouterr().err
    assert ssm.get_parameter(Name=parameter)["Parameter"]["Value"] == installed

    # The CA's answer to the CSR is installed.
    chain = tmp_path / "chain.pem"
    chain.write_bytes(world.sandbox.pki.certify(csr_pem) + world.sandbox.pki.ca_cert_pem)
    assert command.main(["signer", "install-certificate", str(chain)]) == 0
    assert "installed 2 certificate(s)" in capsys.readouterr().out
    assert ssm.get_parameter(Name=parameter)["Parameter"]["Value"] == chain.read_text()
