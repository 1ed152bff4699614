import pytest
from hypothesis import given
from hypothesis import strategies as st

from akta.domain.errors import InvalidInput
from akta.domain.phone import normalise_mobile


@pytest.mark.parametrize("value", [
    "081234567890",
    "0812-3456-7890",
    "0812.3456.7890",
    "(0812) 3456 7890",
    "+62 812 3456 7890",
    "+62-812-3456-7890",
    "6281234567890",
    "81234567890",
    "  0812 3456 7890  ",
])
def test_phone_rule_indonesian_mobile_formats_normalise_to_e164(value):
    assert normalise_mobile(value) == "+6281234567890"


def test_phone_rule_national_number_is_9_to_12_digits():
    assert normalise_mobile("0812345678") == "+62812345678"        # 9 digits after 0
    assert normalise_mobile("0812345678901") == "+62812345678901"  # 12 digits after 0


@pytest.mark.parametrize("value", [
    "081234567",        # 8-digit national number: too short
    "08123456789012",   # 13-digit national number: too long
    "021-5551234",      # Jakarta landline: not a mobile
    "+62 21 5551234",
    "+1 812 3456 7890", # another country
    "+60 12 345 6789",
    "+0812 3456 7890",
    "0812/3456/7890",   # separator not allowed
    "0812_3456_7890",
    "0812 3456 789O",   # letter O
    "08١٢٣٤٥٦٧٨٩٠",     # non-ASCII digits
    "",
    "+62",
])
def test_phone_rule_anything_else_is_rejected_without_echoing_the_value(value):
    with pytest.raises(InvalidInput) as exc:
        normalise_mobile(value)
    assert str(exc.value) == "phone_format"


@pytest.mark.parametrize("value", [None, 81234567890])
def test_phone_rule_only_text_is_accepted(value):
    with pytest.raises(InvalidInput, match="^phone_format$"):
        normalise_mobile(value)


@given(
    nsn=st.from_regex(r"8[0-9]{8,11}", fullmatch=True),
    prefix=st.sampled_from(["0", "+62", "62", "", "+62 ", "(0", "+62-"]),
    separator=st.sampled_from(["", " ", "-", "."]),
)
def test_phone_rule_any_valid_mobile_in_any_accepted_format_normalises_to_e164(nsn, prefix, separator):
    formatted = prefix + separator.join([nsn[:3], nsn[3:7], nsn[7:]])
    if prefix == "(0":
        formatted = "(0" + nsn[:3] + ") " + separator.join([nsn[3:7], nsn[7:]])
    assert normalise_mobile(formatted) == "+62" + nsn
