"""Facilities and their keys: the admin command registers, issues (shown once, stored hashed), lists, revokes."""

from __future__ import annotations

import requests

from infra import facilities as command


def test_the_admin_command_registers_a_facility_issues_a_key_lists_and_revokes_it(world, capsys):
    assert command.main(["register", "bidan-sari", "Praktik Bidan Sari", "midwife", "sari@bidan.test"]) == 0
    assert command.main(["issue-key", "bidan-sari"]) == 0
    out = capsys.readouterr().out
    key_id = out.split("key id: ")[1].split()[0]
    key = out.split("shown once, give it to the facility): ")[1].strip()
    api = world.gateway.url + "/v1/applications"
    assert requests.get(api, headers={"Authorization": f"Bearer {key}"}, timeout=30).status_code == 200

    assert command.main(["list"]) == 0
    listing = capsys.readouterr().out
    assert f"{key_id} (open)" in listing and key not in listing  # only the id is ever shown again

    assert command.main(["revoke-key", key_id]) == 0
    assert requests.get(api, headers={"Authorization": f"Bearer {key}"}, timeout=30).status_code == 401
    assert command.main(["revoke-key", key_id]) == 1  # already revoked


def test_the_admin_command_refuses_an_unknown_kind_of_facility_and_a_key_for_an_unknown_one(world, capsys):
    assert command.main(["register", "apotek-x", "Apotek X", "pharmacy", "x@apotek.test"]) == 2
    assert command.main(["issue-key", "tidak-terdaftar"]) == 2
    assert "refused" in capsys.readouterr().err
