"""SPTJM and its witnesses (Permendagri 9/2016).

An SPTJM kebenaran data kelahiran may replace the birth letter, and an SPTJM kebenaran sebagai pasangan
suami istri the proof of marriage; either is signed before two witnesses, whose names and NIKs are captured.
"""

import copy
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from akta.domain.errors import InvalidInput, FieldError, known_label
from akta.domain.models import ApplicationData, BirthProof, MarriageProof, Witness, parse_application

TODAY = date(2024, 5, 10)
MOTHER_NIK = "1571024505950001"   # woman, born 05-05-95
FATHER_NIK = "1571020303900002"   # man, born 03-03-90
WITNESS_1 = {"name": "Hendra Gunawan", "nik": "1571031208850004"}   # man, born 12-08-85
WITNESS_2 = {"name": "Rahmawati", "nik": "1571035511880005"}        # woman, born 15-11-88
WITNESS_3 = {"name": "Joko Susilo", "nik": "1571040707800006"}

DELETE = object()


def payload(birth_proof="surat_keterangan_lahir", marriage_proof="buku_nikah", witnesses=DELETE, **extra) -> dict:
    data = {
        "facility_id": "rsud-raden-mattaher",
        "child": {
            "name": "Budi Santoso", "sex": "L", "birth_date": "2024-05-01", "birth_time": "10:30",
            "birth_place": "Kota Jambi", "birth_order": 1, "weight_grams": 3200, "length_cm": 49.5,
        },
        "mother": {"name": "Siti Aminah", "nik": MOTHER_NIK, "birth_date": "1995-05-05"},
        "father": {"name": "Ahmad Fauzi", "nik": FATHER_NIK, "birth_date": "1990-03-03"},
        "kk_number": "1571020101200003",
        "birth_proof": birth_proof,
        "marriage_proof": marriage_proof,
        "contact": {"whatsapp": "081234567890"},
        **extra,
    }
    if witnesses is not DELETE:
        data["witnesses"] = copy.deepcopy(witnesses)
    return data


def sptjm_kelahiran(witnesses=DELETE, **extra) -> dict:
    return payload(birth_proof="sptjm_kelahiran", witnesses=witnesses, **extra)


def sptjm_pasangan(witnesses=DELETE, **extra) -> dict:
    return payload(marriage_proof="sptjm_pasangan", witnesses=witnesses, **extra)


SPTJM_PAYLOADS = pytest.mark.parametrize("make", [sptjm_kelahiran, sptjm_pasangan], ids=["kelahiran", "pasangan"])


def witness(nik=None, name=None, base=WITNESS_1) -> dict:
    return {"name": name or base["name"], "nik": nik or base["nik"]}


def errors_of(data) -> list[FieldError]:
    with pytest.raises(InvalidInput) as exc:
        parse_application(data, today=TODAY)
    return exc.value.errors


def assert_rejected(data, field: str, code: str, *values) -> FieldError:
    """Exactly one error, on ``field`` with ``code``, naming the field; it repeats none of ``values``."""
    errors = errors_of(data)
    assert [(e.field, e.code) for e in errors] == [(field, code)]
    error = errors[0]
    assert known_label(field) and known_label(field) in error.message
    for value in values:
        assert not str(value).strip() or str(value) not in error.message
    return error


def witness_values(witnesses) -> list[str]:
    return [w[key] for w in witnesses for key in ("name", "nik")]


# --- accepted ----------------------------------------------------------------------

def test_sptjm_kelahiran_rule_two_valid_witnesses_are_accepted():
    app = parse_application(sptjm_kelahiran([WITNESS_1, WITNESS_2]), today=TODAY)
    assert app.birth_proof is BirthProof.SPTJM_KELAHIRAN
    assert app.witnesses == [Witness(**WITNESS_1), Witness(**WITNESS_2)]


def test_sptjm_pasangan_rule_two_valid_witnesses_are_accepted():
    app = parse_application(sptjm_pasangan([WITNESS_1, WITNESS_2]), today=TODAY)
    assert app.marriage_proof is MarriageProof.SPTJM_PASANGAN
    assert [(w.name, w.nik) for w in app.witnesses] == [(WITNESS_1["name"], WITNESS_1["nik"]), (WITNESS_2["name"], WITNESS_2["nik"])]


def test_sptjm_rule_both_sptjms_are_witnessed_by_the_same_two_people():
    data = payload("sptjm_kelahiran", "sptjm_pasangan", [WITNESS_1, WITNESS_2])
    assert len(parse_application(data, today=TODAY).witnesses) == 2


def test_witness_rule_name_and_nik_are_normalised_like_the_parents():
    app = parse_application(sptjm_kelahiran([witness(name="  Hendra   Gunawan ", nik=f" {WITNESS_1['nik']} "), WITNESS_2]), today=TODAY)
    assert (app.witnesses[0].name, app.witnesses[0].nik) == ("Hendra Gunawan", WITNESS_1["nik"])


@SPTJM_PAYLOADS
def test_witness_nik_rule_any_sex_and_any_region_of_indonesia(make):
    # A witness's sex and birth date are not captured: only the NIK's own structure is checked.
    women_from_papua = witness("9403024505950007")
    parsed = parse_application(make([women_from_papua, witness("3171020303900008", base=WITNESS_2)]), today=TODAY)
    assert [w.nik for w in parsed.witnesses] == ["9403024505950007", "3171020303900008"]


def test_witness_rule_no_sptjm_and_no_witnesses_is_the_ordinary_case():
    assert parse_application(payload(), today=TODAY).witnesses == []
    assert parse_application(payload(witnesses=[]), today=TODAY).witnesses == []


# --- how many witnesses --------------------------------------------------------------

@SPTJM_PAYLOADS
@pytest.mark.parametrize("witnesses", [DELETE, [], [WITNESS_1]], ids=["absent", "none", "one"])
def test_witness_count_rule_an_sptjm_needs_exactly_two_witnesses(make, witnesses):
    error = assert_rejected(make(witnesses), "witnesses", "witnesses_required",
                            *witness_values(witnesses if witnesses is not DELETE else []))
    assert "2 orang" in error.message and "SPTJM" in error.message


@pytest.mark.parametrize("marriage_proof", ["buku_nikah", "kutipan_akta_perkawinan"])
@pytest.mark.parametrize("witnesses", [[WITNESS_1], [WITNESS_1, WITNESS_2]], ids=["one", "two"])
def test_witness_rule_witnesses_without_an_sptjm_are_refused(marriage_proof, witnesses):
    error = assert_rejected(payload(marriage_proof=marriage_proof, witnesses=witnesses),
                            "witnesses", "witnesses_not_needed", *witness_values(witnesses))
    assert "SPTJM" in error.message


def test_witness_rule_unneeded_witnesses_are_refused_without_checking_their_data():
    # The fix is to leave them out, so their NIKs are not judged (nor echoed).
    bad = [witness("1571024505950000"), witness(MOTHER_NIK)]
    assert_rejected(payload(witnesses=bad), "witnesses", "witnesses_not_needed", *witness_values(bad))


@pytest.mark.parametrize("make", [
    lambda w: sptjm_kelahiran(w), lambda w: sptjm_pasangan(w), lambda w: payload(witnesses=w),
], ids=["kelahiran", "pasangan", "no-sptjm"])
def test_witness_count_rule_more_than_two_is_a_structural_error(make):
    witnesses = [WITNESS_1, WITNESS_2, WITNESS_3]
    error = assert_rejected(make(witnesses), "witnesses", "too_many_items", *witness_values(witnesses), "3")
    assert error.message == "Saksi tidak boleh lebih dari 2."


def test_witness_count_rule_unknown_proof_choice_is_not_guessed():
    # birth_proof unreadable and no SPTJM for the marriage: whether witnesses are needed is unknown.
    for witnesses in (DELETE, [WITNESS_1]):
        errors = errors_of(payload(birth_proof="surat_bidan", witnesses=witnesses))
        assert [(e.field, e.code) for e in errors] == [("birth_proof", "invalid_choice")]


def test_witness_count_rule_sptjm_pasangan_counts_even_when_birth_proof_is_unreadable():
    errors = errors_of(payload(birth_proof="surat_bidan", marriage_proof="sptjm_pasangan"))
    assert [(e.field, e.code) for e in errors] == [("birth_proof", "invalid_choice"), ("witnesses", "witnesses_required")]


# --- each witness's NIK ----------------------------------------------------------------

@SPTJM_PAYLOADS
@pytest.mark.parametrize("index", [0, 1])
@pytest.mark.parametrize("nik,code", [
    ("15710312088500", "nik_format"),
    ("1571031208850004X", "nik_format"),
    ("1571-0312-0885-0004", "nik_format"),
    ("9971031208850004", "nik_region"),
    ("1571001208850004", "nik_region"),
    ("1571033208850004", "nik_date"),
    ("1571031213850004", "nik_date"),
    ("1571037102850004", "nik_date"),   # 31 Feb (+40)
    ("1571031208850000", "nik_sequence"),
])
def test_witness_nik_rule_structure_is_checked(make, index, nik, code):
    witnesses = [WITNESS_1, WITNESS_2]
    witnesses[index] = witness(nik, base=witnesses[index])
    error = assert_rejected(make(witnesses), f"witnesses.{index}.nik", code, nik)
    assert error.message.startswith(f"NIK saksi ke-{index + 1} ")


@SPTJM_PAYLOADS
@pytest.mark.parametrize("parent_nik", [MOTHER_NIK, FATHER_NIK], ids=["mother", "father"])
@pytest.mark.parametrize("index", [0, 1])
def test_witness_rule_a_witness_is_not_the_mother_or_the_father(make, parent_nik, index):
    witnesses = [WITNESS_1, WITNESS_2]
    witnesses[index] = witness(parent_nik, base=witnesses[index])
    error = assert_rejected(make(witnesses), f"witnesses.{index}.nik", "witness_is_parent", parent_nik)
    assert "NIK ibu atau NIK ayah" in error.message


@SPTJM_PAYLOADS
def test_witness_rule_the_two_witnesses_are_different_people(make):
    twins = [WITNESS_1, witness(WITNESS_1["nik"], base=WITNESS_2)]
    error = assert_rejected(make(twins), "witnesses.1.nik", "witness_duplicate", WITNESS_1["nik"])
    assert error.message.startswith("NIK saksi ke-2 ")


def test_witness_rule_identity_is_the_nik_after_trimming_spaces():
    twins = [WITNESS_1, witness(f"  {WITNESS_1['nik']} ", base=WITNESS_2)]
    assert_rejected(sptjm_kelahiran(twins), "witnesses.1.nik", "witness_duplicate", WITNESS_1["nik"])


def test_witness_rule_same_name_different_nik_is_two_people():
    parsed = parse_application(sptjm_kelahiran([WITNESS_1, witness(WITNESS_2["nik"], name=WITNESS_1["name"])]), today=TODAY)
    assert [w.nik for w in parsed.witnesses] == [WITNESS_1["nik"], WITNESS_2["nik"]]


def test_witness_rule_both_witnesses_being_the_parents_is_reported_for_each():
    errors = errors_of(sptjm_pasangan([witness(MOTHER_NIK), witness(FATHER_NIK, base=WITNESS_2)]))
    assert [(e.field, e.code) for e in errors] == [("witnesses.0.nik", "witness_is_parent"), ("witnesses.1.nik", "witness_is_parent")]


def test_witness_rule_parent_comparison_uses_the_parent_nik_even_if_it_disagrees_with_the_parent():
    # The mother's NIK fails its own sex check; a witness with that same NIK is still that person.
    male_nik = "1571020505950001"
    errors = errors_of(sptjm_kelahiran([witness(male_nik), WITNESS_2], mother={"name": "Siti Aminah", "nik": male_nik, "birth_date": "1995-05-05"}))
    assert [(e.field, e.code) for e in errors] == [("mother.nik", "nik_sex_mismatch"), ("witnesses.0.nik", "witness_is_parent")]
    assert all(male_nik not in e.message for e in errors)


# --- the witness's own fields ---------------------------------------------------------------

@pytest.mark.parametrize("index", [0, 1])
@pytest.mark.parametrize("field,value,code", [
    ("name", "", "required"),
    ("name", "   ", "required"),
    ("name", "Hendra_99", "name_chars"),
    ("name", "Hendra" * 14, "too_long"),
    ("name", 12345, "string_type"),
    ("nik", "", "required"),
    ("nik", 1571031208850004, "string_type"),
])
def test_witness_field_rule_name_and_nik_follow_the_person_rules(index, field, value, code):
    witnesses = [copy.deepcopy(WITNESS_1), copy.deepcopy(WITNESS_2)]
    witnesses[index][field] = value
    error = assert_rejected(sptjm_kelahiran(witnesses), f"witnesses.{index}.{field}", code, value)
    label = ("Nama" if field == "name" else "NIK") + f" saksi ke-{index + 1}"
    assert error.message.startswith(label + " ")


@pytest.mark.parametrize("missing", ["name", "nik"])
def test_witness_field_rule_name_and_nik_are_required(missing):
    incomplete = {k: v for k, v in WITNESS_1.items() if k != missing}
    error = assert_rejected(sptjm_kelahiran([incomplete, WITNESS_2]), f"witnesses.0.{missing}", "required", *incomplete.values())
    assert "wajib diisi" in error.message


def test_witness_field_rule_unknown_keys_are_refused():
    witnesses = [dict(WITNESS_1, alamat="Jl. Gatot Subroto 12"), WITNESS_2]
    errors = errors_of(sptjm_kelahiran(witnesses))
    assert [(e.field, e.code) for e in errors] == [("witnesses.0.alamat", "unknown_field")]
    assert "Gatot Subroto" not in errors[0].message


@pytest.mark.parametrize("value", ["Hendra Gunawan", {"0": WITNESS_1, "1": WITNESS_2}, None, 2])
def test_witness_list_rule_witnesses_must_be_a_list(value):
    error = assert_rejected(sptjm_kelahiran(value), "witnesses", "invalid_list", WITNESS_1["nik"], "Hendra")
    assert error.message == "Saksi harus berupa daftar."


def test_witness_list_rule_each_witness_must_be_an_object():
    assert_rejected(sptjm_kelahiran([WITNESS_1["nik"], WITNESS_2]), "witnesses.0", "invalid_type", WITNESS_1["nik"])


# --- together with everything else ------------------------------------------------------------

def test_witness_rules_report_all_problems_together():
    data = sptjm_pasangan([witness("9971031208850004")], kk_number="1271020101200003")
    data["child"]["name"] = ""
    errors = errors_of(data)
    assert [(e.field, e.code) for e in errors] == [
        ("child.name", "required"),
        ("kk_number", "outside_jurisdiction"),
        ("witnesses", "witnesses_required"),
        ("witnesses.0.nik", "nik_region"),
    ]


def test_witness_nik_is_not_in_the_exception_text():
    nik = "1571031208850000"
    with pytest.raises(InvalidInput) as exc:
        parse_application(sptjm_kelahiran([witness(nik), WITNESS_2]), today=TODAY)
    assert str(exc.value) == "invalid_input: witnesses.0.nik: nik_sequence"


def test_stored_application_with_witnesses_round_trips_through_json():
    app = parse_application(payload("sptjm_kelahiran", "sptjm_pasangan", [WITNESS_1, WITNESS_2]), today=TODAY)
    stored = app.model_dump(mode="json")
    assert stored["witnesses"] == [WITNESS_1, WITNESS_2]
    assert ApplicationData.model_validate(stored) == app
    assert parse_application(stored, today=TODAY) == app


def test_stored_application_without_witnesses_round_trips_through_json():
    app = parse_application(payload(), today=TODAY)
    assert app.model_dump(mode="json")["witnesses"] == []
    assert parse_application(app.model_dump(mode="json"), today=TODAY) == app


def test_parse_application_does_not_modify_a_payload_with_witnesses():
    data = sptjm_kelahiran([dict(WITNESS_1, name="  Hendra  Gunawan "), WITNESS_2])
    before = copy.deepcopy(data)
    parse_application(data, today=TODAY)
    assert data == before


@settings(max_examples=200, deadline=None)
@given(st.lists(st.fixed_dictionaries({"name": st.sampled_from(["Hendra", "Rahmawati", "Joko"]),
                                       "nik": st.text(alphabet="0123456789", min_size=14, max_size=17)}), max_size=3))
def test_witness_messages_never_repeat_a_witness_nik(witnesses):
    try:
        parse_application(sptjm_kelahiran(witnesses), today=TODAY)
    except InvalidInput as exc:
        for error in exc.errors:
            assert error.field.startswith("witnesses")
            assert known_label(error.field) in error.message
            assert all(w["nik"] not in error.message and w["nik"] not in str(exc) for w in witnesses)
    else:
        assert len(witnesses) == 2 and witnesses[0]["nik"] != witnesses[1]["nik"]
