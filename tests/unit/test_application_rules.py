import copy
import typing
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from pydantic import BaseModel, ValidationError

from akta.domain.errors import FIELD_LABELS, MESSAGES, InvalidInput, FieldError, from_pydantic, known_label, label_for
from akta.domain.models import (
    ApplicationData,
    BirthProof,
    Child,
    MarriageProof,
    Sex,
    is_late_registration,
    jakarta_today,
    parse_application,
)

TODAY = date(2024, 5, 10)
MOTHER_NIK = "1571024505950001"   # woman, born 05-05-95
FATHER_NIK = "1571020303900002"   # man, born 03-03-90
KK = "1571020101200003"


def payload(**overrides) -> dict:
    data = {
        "facility_id": "rsud-raden-mattaher",
        "child": {
            "name": "Budi Santoso",
            "sex": "L",
            "birth_date": "2024-05-01",
            "birth_time": "10:30",
            "birth_place": "RSUD Raden Mattaher, Kota Jambi",
            "birth_order": 1,
            "weight_grams": 3200,
            "length_cm": 49.5,
        },
        "mother": {"name": "Siti Aminah", "nik": MOTHER_NIK, "birth_date": "1995-05-05"},
        "father": {"name": "Ahmad Fauzi", "nik": FATHER_NIK, "birth_date": "1990-03-03"},
        "kk_number": KK,
        "marriage_proof": "buku_nikah",
        "contact": {"whatsapp": "0812-3456-7890", "email": "siti@example.co.id"},
    }
    for path, value in overrides.items():
        *parents, leaf = path.split("__")
        node = data
        for key in parents:
            node = node[key]
        if value is DELETE:
            del node[leaf]
        else:
            node[leaf] = value
    return data


DELETE = object()


def errors_of(data, today=TODAY) -> list[FieldError]:
    with pytest.raises(InvalidInput) as exc:
        parse_application(data, today=today)
    return exc.value.errors


def assert_rejected(data, field: str, code: str, value=None, today=TODAY) -> FieldError:
    """Exactly one error, on ``field`` with ``code``; its message never repeats the value."""
    errors = errors_of(data, today)
    assert [(e.field, e.code) for e in errors] == [(field, code)]
    error = errors[0]
    if value is not None:
        assert str(value) not in error.message
    assert (known_label(field) or "\0") in error.message or field == "" or code == "unknown_field"
    return error


# --- the happy path -----------------------------------------------------------

def test_valid_application_is_parsed_and_normalised():
    app = parse_application(payload(child__name="  Budi   Santoso ", contact__email=" Siti@Example.CO.ID "), today=TODAY)
    assert isinstance(app, ApplicationData)
    assert app.child.name == "Budi Santoso"
    assert app.child.sex is Sex.MALE
    assert app.child.birth_date == date(2024, 5, 1)
    assert app.contact.whatsapp == "+6281234567890"
    assert app.contact.email == "siti@example.co.id"
    assert app.birth_proof is BirthProof.SURAT_KETERANGAN_LAHIR
    assert app.marriage_proof is MarriageProof.BUKU_NIKAH


@pytest.mark.parametrize("email", [None, "", "   "])
def test_contact_rule_email_is_optional(email):
    assert parse_application(payload(contact__email=email), today=TODAY).contact.email is None
    assert parse_application(payload(contact__email=DELETE), today=TODAY).contact.email is None


@pytest.mark.parametrize("name", ["Nur'aini", "Abd. Rahman", "Siti-Nurhaliza", "Zoë Andrée", "Zoe\u0308"])
def test_name_rule_latin_letters_with_accents_apostrophe_dot_hyphen_are_allowed(name):
    assert parse_application(payload(child__name=name), today=TODAY).child.name


def test_name_rule_curly_apostrophes_from_phone_keyboards_become_straight_ones():
    assert parse_application(payload(child__name="Nur\u2019aini"), today=TODAY).child.name == "Nur'aini"


@pytest.mark.parametrize("place", ["RSUD \u201cRaden Mattaher\u201d", "Klinik Bidan Sri, Jl. Kapt. A. Bakaruddin No. 12"])
def test_birth_place_rule_printable_latin_text_is_accepted(place):
    assert parse_application(payload(child__birth_place=place), today=TODAY).child.birth_place


@pytest.mark.parametrize("place", ["Rumah Sakit \u2603", "Jambi\x00", "\u767e\u5408"])
def test_birth_place_rule_text_the_certificate_cannot_print_is_refused(place):
    assert_rejected(payload(child__birth_place=place), "child.birth_place", "text_chars", place)


def test_name_rule_80_characters_is_the_limit():
    assert parse_application(payload(mother__name="A" * 80), today=TODAY).mother.name == "A" * 80


# --- structural rules ---------------------------------------------------------

@pytest.mark.parametrize("path,field", [
    ("child__name", "child.name"),
    ("mother__nik", "mother.nik"),
    ("father__birth_date", "father.birth_date"),
    ("kk_number", "kk_number"),
    ("marriage_proof", "marriage_proof"),
    ("contact__whatsapp", "contact.whatsapp"),
    ("facility_id", "facility_id"),
])
def test_required_rule_missing_field_is_reported(path, field):
    error = assert_rejected(payload(**{path: DELETE}), field, "required")
    assert "wajib diisi" in error.message


@pytest.mark.parametrize("path,field", [("child__name", "child.name"), ("mother__nik", "mother.nik"), ("kk_number", "kk_number")])
def test_required_rule_blank_text_counts_as_missing(path, field):
    assert_rejected(payload(**{path: "   "}), field, "required")


def test_unknown_field_rule_extra_keys_are_refused_at_every_level():
    errors = errors_of(payload(nik_anak="3201010101200001", child__nickname="Ucok"))
    assert {(e.field, e.code) for e in errors} == {("nik_anak", "unknown_field"), ("child.nickname", "unknown_field")}
    assert all("3201010101200001" not in e.message and "Ucok" not in e.message for e in errors)


@pytest.mark.parametrize("path,field,value,limit", [
    ("child__name", "child.name", "Budiman" * 12, "80"),
    ("mother__name", "mother.name", "Aminah" * 14, "80"),
    ("child__birth_place", "child.birth_place", "Jambi " * 17 + "Kota", "100"),
    ("facility_id", "facility_id", "rs" * 33, "64"),
])
def test_length_rule_text_longer_than_the_limit_is_refused(path, field, value, limit):
    error = assert_rejected(payload(**{path: value}), field, "too_long", value)
    assert limit in error.message


@pytest.mark.parametrize("value", ["Budi2", "Budi_Santoso", "Budi@Santoso", "...", "'-'", "Łukasz", "Ṣāliḥ", "李明"])
def test_name_rule_only_latin_letters_spaces_apostrophe_dot_hyphen(value):
    # Latin script only: the certificate must be able to print every letter of the name.
    assert_rejected(payload(child__name=value), "child.name", "name_chars", value)


def test_name_rule_text_is_required_not_a_number():
    assert_rejected(payload(father__name=123456789), "father.name", "string_type", 123456789)


@pytest.mark.parametrize("value", ["rs 01", "rs/01", "rs.01", "rumah-sakit-ñ", "RSUD-01", "rs_01", "-rs", "9"])
def test_facility_id_rule_is_the_registered_one_lowercase_letters_digits_hyphen(value):
    assert_rejected(payload(facility_id=value), "facility_id", "facility_id_format", value)


@pytest.mark.parametrize("path,field,value", [
    ("child__sex", "child.sex", "Laki-laki"),
    ("marriage_proof", "marriage_proof", "nikah_siri"),
    ("birth_proof", "birth_proof", "surat_bidan"),
])
def test_choice_rule_value_must_be_one_of_the_listed_options(path, field, value):
    assert_rejected(payload(**{path: value}), field, "invalid_choice", value)


@pytest.mark.parametrize("value", ["01-05-2024", "2023-02-30", "kemarin", "2024-05-01T10:30:00"])
def test_date_rule_birth_date_must_be_a_real_calendar_date(value):
    assert_rejected(payload(child__birth_date=value), "child.birth_date", "invalid_date", value)


@pytest.mark.parametrize("value", ["25:00", "10.30 pagi", "10:61"])
def test_time_rule_birth_time_must_be_a_real_time(value):
    assert_rejected(payload(child__birth_time=value), "child.birth_time", "invalid_time", value)


@pytest.mark.parametrize("path,field,value,code", [
    ("child__birth_order", "child.birth_order", 0, "too_small"),
    ("child__birth_order", "child.birth_order", 16, "too_large"),
    ("child__weight_grams", "child.weight_grams", 299, "too_small"),
    ("child__weight_grams", "child.weight_grams", 7001, "too_large"),
    ("child__length_cm", "child.length_cm", 19.9, "too_small"),
    ("child__length_cm", "child.length_cm", 65.5, "too_large"),
])
def test_range_rule_numbers_outside_the_allowed_range_are_refused(path, field, value, code):
    assert_rejected(payload(**{path: value}), field, code, value)


@pytest.mark.parametrize("path,field,value", [
    ("child__birth_order", "child.birth_order", 1),
    ("child__birth_order", "child.birth_order", 15),
    ("child__weight_grams", "child.weight_grams", 300),
    ("child__weight_grams", "child.weight_grams", 7000),
    ("child__length_cm", "child.length_cm", 20),
    ("child__length_cm", "child.length_cm", 65),
])
def test_range_rule_bounds_are_inclusive(path, field, value):
    parsed = parse_application(payload(**{path: value}), today=TODAY)
    section, name = field.split(".")
    assert getattr(getattr(parsed, section), name) == value


@pytest.mark.parametrize("path,field,value,code", [
    ("child__weight_grams", "child.weight_grams", "tiga kilo", "invalid_integer"),
    ("child__weight_grams", "child.weight_grams", 3200.5, "invalid_integer"),
    ("child__length_cm", "child.length_cm", "empat sembilan", "invalid_number"),
    ("child__length_cm", "child.length_cm", float("nan"), "invalid_number"),
])
def test_number_rule_numeric_fields_need_numbers(path, field, value, code):
    assert_rejected(payload(**{path: value}), field, code, value)


def test_type_rule_sections_must_be_objects():
    assert_rejected(payload(child=["Budi Santoso"]), "child", "invalid_type", "Budi Santoso")


@pytest.mark.parametrize("data", [None, [], "Budi Santoso"])
def test_type_rule_application_must_be_an_object(data):
    assert_rejected(data, "", "invalid_type", data)


@pytest.mark.parametrize("value", ["021-5551234", "0812-34", "+1 202 555 0100"])
def test_contact_rule_whatsapp_must_be_an_indonesian_mobile(value):
    assert_rejected(payload(contact__whatsapp=value), "contact.whatsapp", "phone_format", value)


@pytest.mark.parametrize("value", ["siti.example.co.id", "siti@", "siti@localhost", "si ti@example.com", "a@b@c.id",
                                   # what SES refuses at send time (InvalidParameterValue): two addresses in one,
                                   # a domain without a dot, a non-ASCII local part, a literal IP, a dot at the end
                                   "budi,ani@gmail.com", "budi@gmail", "ñandú@example.id", "siti@[10.0.0.1]",
                                   "siti.@example.id", "siti@example..id"])
def test_contact_rule_email_must_be_one_address_a_mail_system_takes(value):
    assert_rejected(payload(contact__email=value), "contact.email", "email_format", value)


# --- NIK rules ------------------------------------------------------------------

@pytest.mark.parametrize("role", ["mother", "father"])
@pytest.mark.parametrize("nik,code", [
    ("15710245059500", "nik_format"),
    ("1571024505950001X", "nik_format"),
    ("9971024505950001", "nik_region"),
    ("1571004505950001", "nik_region"),
    ("1571027505950001", "nik_date"),
    ("1571024513950001", "nik_date"),
    ("1571024505950000", "nik_sequence"),
])
def test_nik_rule_structure_is_checked_for_both_parents(role, nik, code):
    assert_rejected(payload(**{f"{role}__nik": nik}), f"{role}.nik", code, nik)


def test_nik_rule_women_day_plus_40_must_match_mother_being_female():
    male_nik = "1571020505950001"  # the mother's date, but without the +40
    assert_rejected(payload(mother__nik=male_nik), "mother.nik", "nik_sex_mismatch", male_nik)


def test_nik_rule_women_day_plus_40_must_match_father_being_male():
    female_nik = "1571024303900002"  # the father's date, plus 40
    assert_rejected(payload(father__nik=female_nik), "father.nik", "nik_sex_mismatch", female_nik)


@pytest.mark.parametrize("role,birth_date", [("mother", "1995-05-06"), ("father", "1991-03-03")])
def test_nik_rule_ddmmyy_must_match_the_parents_birth_date(role, birth_date):
    nik = MOTHER_NIK if role == "mother" else FATHER_NIK
    assert_rejected(payload(**{f"{role}__birth_date": birth_date}), f"{role}.nik", "nik_birth_date_mismatch", nik)


def test_nik_rule_parents_may_come_from_anywhere_in_indonesia():
    app = parse_application(payload(mother__nik="9403024505950001", father__nik="3171020303900002"), today=TODAY)
    assert app.mother.nik.startswith("94")


def test_nik_rule_unparseable_birth_date_still_gets_nik_structure_checked():
    errors = errors_of(payload(mother__birth_date="05/05/1995", mother__nik="9971024505950001"))
    assert [(e.field, e.code) for e in errors] == [("mother.birth_date", "invalid_date"), ("mother.nik", "nik_region")]


# --- KK and jurisdiction ---------------------------------------------------------

@pytest.mark.parametrize("kk,code", [
    ("157102010120000", "kk_format"),
    ("1571-0201-0120-0003", "kk_format"),
    ("9971020101200003", "kk_region"),
    ("1571000101200003", "kk_region"),
])
def test_kk_rule_number_must_be_16_digits_with_a_real_region(kk, code):
    assert_rejected(payload(kk_number=kk), "kk_number", code, kk)


@pytest.mark.parametrize("kk", ["1572020101200003", "1505020101200003", "3171020101200003"])
def test_jurisdiction_rule_only_kk_registered_in_kota_jambi(kk):
    error = assert_rejected(payload(kk_number=kk), "kk_number", "outside_jurisdiction", kk)
    assert "Kota Jambi" in error.message
    assert kk[:4] not in error.message


# --- dates across fields -----------------------------------------------------------

def test_birth_date_rule_child_born_today_is_accepted():
    assert parse_application(payload(child__birth_date=TODAY.isoformat()), today=TODAY).child.birth_date == TODAY


def test_birth_date_rule_child_cannot_be_born_after_today():
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    assert_rejected(payload(child__birth_date=tomorrow), "child.birth_date", "birth_date_future", tomorrow)


@pytest.mark.parametrize("role,nik", [("mother", "1571024105240001"), ("father", "1571020105240002")])
def test_parent_rule_parent_must_be_born_before_the_child(role, nik):
    # Same day as the child, with a NIK that agrees so that only the order rule fails.
    errors = errors_of(payload(**{f"{role}__birth_date": "2024-05-01", f"{role}__nik": nik}))
    assert [(e.field, e.code) for e in errors] == [(f"{role}.birth_date", "parent_birth_date_order")]
    assert "2024-05-01" not in errors[0].message


# --- collecting everything at once -------------------------------------------------

def test_all_problems_are_reported_together():
    data = payload(child__name=DELETE, child__weight_grams=99999, mother__nik="1571020505950001", kk_number="1271020101200003")
    errors = errors_of(data)
    assert [(e.field, e.code) for e in errors] == [
        ("child.name", "required"),
        ("child.weight_grams", "too_large"),
        ("mother.nik", "nik_sex_mismatch"),
        ("kk_number", "outside_jurisdiction"),
    ]


def test_cross_field_rules_skip_fields_that_are_already_invalid():
    # Child's birth date unparseable: no "future" or "parent order" noise on top.
    errors = errors_of(payload(child__birth_date="besok", mother__birth_date="2030-01-01"))
    assert [(e.field, e.code) for e in errors] == [("child.birth_date", "invalid_date"), ("mother.nik", "nik_birth_date_mismatch")]


def test_application_invalid_text_holds_paths_and_codes_but_no_values():
    secret_nik = "1571020505950001"
    with pytest.raises(InvalidInput) as exc:
        parse_application(payload(mother__nik=secret_nik, contact__whatsapp="021-5551234"), today=TODAY)
    text = str(exc.value)
    assert "mother.nik: nik_sex_mismatch" in text and "contact.whatsapp: phone_format" in text
    assert secret_nik not in text and "5551234" not in text
    assert exc.value.code == "invalid_input" and not isinstance(exc.value, ValueError)


def test_field_error_as_dict():
    error = FieldError("kk_number", "kk_format", "Nomor Kartu Keluarga (KK) harus ...")
    assert error.as_dict() == {"field": "kk_number", "code": "kk_format", "message": "Nomor Kartu Keluarga (KK) harus ..."}


def test_from_pydantic_prefixes_paths_and_drops_input():
    with pytest.raises(ValidationError) as exc:
        Child.model_validate({"name": "Budi#1", "sex": "X", "weight_grams": "berat-rahasia"})
    errors = from_pydantic(exc.value, prefix="child")
    assert ("child.name", "name_chars") in [(e.field, e.code) for e in errors]
    assert ("child.birth_date", "required") in [(e.field, e.code) for e in errors]
    assert all("Budi#1" not in e.message and "berat-rahasia" not in e.message for e in errors)
    assert all(e.message and "Input" not in e.message and "error" not in e.message for e in errors)


def _is_model(annotation) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _leaf_paths(model: type[BaseModel], prefix: str = "") -> list[str]:
    paths = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        paths.append(path)
        if _is_model(field.annotation):
            paths += _leaf_paths(field.annotation, f"{path}.")
        elif typing.get_origin(field.annotation) is list and _is_model(item := typing.get_args(field.annotation)[0]):
            # List items: the first and the last allowed position stand for all of them.
            limit = next(m.max_length for m in field.metadata if getattr(m, "max_length", None))
            for index in sorted({0, limit - 1}):
                paths += [f"{path}.{index}"] + _leaf_paths(item, f"{path}.{index}.")
    return paths


def test_every_application_field_has_an_indonesian_label():
    assert "witnesses.1.nik" in _leaf_paths(ApplicationData)
    assert [p for p in _leaf_paths(ApplicationData) if known_label(p) is None] == []


@pytest.mark.parametrize("field,label", [
    ("witnesses", "Saksi"),
    ("witnesses.0", "Data saksi ke-1"),
    ("witnesses.0.name", "Nama saksi ke-1"),
    ("witnesses.0.nik", "NIK saksi ke-1"),
    ("witnesses.1.name", "Nama saksi ke-2"),
    ("witnesses.1.nik", "NIK saksi ke-2"),
])
def test_label_rule_list_items_are_numbered_from_one(field, label):
    assert label_for(field) == label


@pytest.mark.parametrize("field", ["witnesses.x.nik", "witnesses.0.alamat", "child.0.name", "witnesses.0.1.nik", "witnesses.١.nik"])
def test_label_rule_unknown_numbered_paths_have_no_label(field):
    assert known_label(field) is None
    assert label_for(field) == f"Kolom {field}"


def test_label_rule_static_labels_are_unchanged():
    assert all(label_for(field) == label for field, label in FIELD_LABELS.items())


@pytest.mark.parametrize("code", ["witnesses_required", "witnesses_not_needed", "witness_is_parent", "witness_duplicate",
                                  "too_many_items", "invalid_list"])
def test_message_rule_witness_codes_have_indonesian_messages_naming_the_field(code):
    assert MESSAGES[code].startswith("{label} ")


def test_parse_application_does_not_modify_the_payload():
    data = payload()
    before = copy.deepcopy(data)
    parse_application(data, today=TODAY)
    assert data == before


# --- late registration and the Jakarta date -----------------------------------------

def test_late_registration_rule_day_60_is_on_time_day_61_is_late():
    born = date(2024, 1, 1)
    assert not is_late_registration(born, born)
    assert not is_late_registration(born, born + timedelta(days=60))
    assert is_late_registration(born, born + timedelta(days=61))


def test_jakarta_today_rolls_over_at_midnight_wib():
    assert jakarta_today(datetime(2024, 5, 1, 16, 59, 59, tzinfo=UTC)) == date(2024, 5, 1)
    assert jakarta_today(datetime(2024, 5, 1, 17, 0, 0, tzinfo=UTC)) == date(2024, 5, 2)
    assert jakarta_today(datetime(2024, 5, 2, 0, 30, tzinfo=timezone(timedelta(hours=9)))) == date(2024, 5, 1)


def test_jakarta_today_defaults_to_now():
    assert jakarta_today() in {jakarta_today(datetime.now(UTC)), jakarta_today(datetime.now(UTC) - timedelta(seconds=1))}


def test_jakarta_today_refuses_naive_datetimes():
    with pytest.raises(ValueError):
        jakarta_today(datetime(2024, 5, 1, 12, 0))


def test_stored_application_round_trips_through_json():
    # Stored records hold model_dump(mode="json") and are validated again later.
    app = parse_application(payload(contact__email="Siti@Example.co.id"), today=TODAY)
    assert ApplicationData.model_validate(app.model_dump(mode="json")) == app
    assert parse_application(app.model_dump(mode="json"), today=TODAY) == app
