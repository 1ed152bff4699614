"""SOP 7-8: WhatsApp notices are UTILITY templates kept in the repo; every message is checked against them."""

import pytest

from akta.domain.notices import TemplateMismatch, render, template_message, templates


def test_every_template_is_utility_in_indonesian_with_one_placeholder_per_parameter():
    for template in templates().values():
        assert template.category == "UTILITY" and template.language == "id"
        assert template.body.count("{{") == len(template.parameters)


def test_sop7_notice_message_matches_the_meta_template_shape():
    message = template_message("+6281234567890", "akta_kelahiran_terbit",
                               {"application_id": "AK20261128-ABCDEFGH", "registration_number": "1571-LU-28112026-0001"})
    assert message["template"]["name"] == "akta_kelahiran_terbit"
    assert [p["text"] for p in message["template"]["components"][0]["parameters"]] == ["AK20261128-ABCDEFGH", "1571-LU-28112026-0001"]
    assert "1571-LU-28112026-0001" in render("akta_kelahiran_terbit", {"application_id": "A", "registration_number": "1571-LU-28112026-0001"})


@pytest.mark.parametrize("name, values", [
    ("tidak_ada", {"application_id": "A"}),
    ("akta_kelahiran_terbit", {"application_id": "A"}),  # a parameter missing
    ("akta_kelahiran_terbit", {"application_id": "A", "registration_number": "1", "child_name": "X"}),  # an extra one
    ("akta_kelahiran_drive_thru", {"application_id": "A", "pickup_code": ""}),
    ("akta_kelahiran_drive_thru", {"application_id": "A", "pickup_code": "AB\nCD"}),
])
def test_a_message_that_does_not_fit_its_template_is_never_sent(name, values):
    with pytest.raises(TemplateMismatch):
        template_message("+6281234567890", name, values)
