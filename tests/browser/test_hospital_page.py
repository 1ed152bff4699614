"""SOP 1-3 through the hospital operator's web page (GET /hospital) in real Chromium: the key, the form with the
server's own Indonesian messages, presigned uploads with progress, submit, status and timeline, and a returned
application fixed and resubmitted. Assertions read the page's own text, never browser validation bubbles."""

from __future__ import annotations

import os
import re
import uuid
from datetime import date

import requests
from playwright.sync_api import Page, expect

from akta.domain.documents import MAX_DOCUMENT_BYTES
from akta.domain.errors import field_error, known_label
from sandbox import samples

KEY_STORAGE = "akta.facilityKey"
SELECTS = {"child.sex", "birth_proof", "marriage_proof"}
APPLICATION_ID = re.compile(r"^AK\d{8}-[0-9A-Z]{8}$")


def control(page: Page, label: str):
    """The input or select with this label (sections are labelled by their headings too)."""
    return page.locator("input, select").and_(page.get_by_label(label))


def login(page: Page, key: str) -> None:
    control(page, "Kunci fasilitas kesehatan").fill(key)
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_role("button", name="Keluar")).to_be_visible()
    expect(page.locator("#work")).to_be_visible()
    expect(page.locator("#key-section")).to_be_hidden()


def leaves(payload: dict, prefix: str = ""):
    for key, value in payload.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from leaves(value, path + ".")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                yield from leaves(item, f"{path}.{i}.")
        else:
            yield path, value


def fill_form(page: Page, payload: dict) -> None:
    """Every field found by its label, which is the server's own label for that field."""
    for path, value in leaves(payload):
        field = control(page, known_label(path))
        if path in SELECTS:
            field.select_option(value)
        else:
            field.fill("" if value is None else str(value))


def document_files(tmp_path, kinds: list[str]) -> dict:
    files = {}
    for kind in kinds:
        if kind.startswith("ktp"):
            files[kind] = tmp_path / f"{kind}.jpg"
            files[kind].write_bytes(samples.jpeg_document())
        else:
            files[kind] = tmp_path / f"{kind}.pdf"
            files[kind].write_bytes(samples.pdf_document(kind))
    return files


def choose(page: Page, files: dict) -> None:
    for kind, path in files.items():
        page.locator(f"#doc-{kind}-file").set_input_files(path)


def create_draft(page: Page, payload: dict) -> tuple[str, list[str]]:
    fill_form(page, payload)
    page.get_by_role("button", name="Buat draf permohonan").click()
    expect(page.locator("#app-id")).to_have_text(APPLICATION_ID)
    kinds = page.locator("li.doc").evaluate_all("rows => rows.map(row => row.dataset.kind)")
    return page.locator("#app-id").inner_text(), kinds


def upload(page: Page, files: dict) -> None:
    choose(page, files)
    page.get_by_role("button", name="Unggah dokumen").click()
    for kind in files:
        expect(page.locator(f"#doc-{kind}-pct")).to_have_text("100%")
        expect(page.locator(f"#doc-{kind}-progress")).to_have_js_property("value", 100)
        expect(page.locator(f"#doc-{kind}-status")).to_have_text("✓ Diterima")


def test_sop1_2_operator_creates_uploads_submits_and_sees_the_status_and_timeline(page, world, tmp_path):
    payload = samples.application()
    login(page, world.sandbox.facility_key)

    with page.expect_request(lambda r: r.url.endswith("/v1/applications") and r.method == "POST") as created:
        application_id, kinds = create_draft(page, payload)
    # The body is the API's model exactly: no facility (that comes from the key), numbers as numbers.
    assert created.value.post_data_json == {**payload, "witnesses": []}
    assert kinds == ["surat_keterangan_lahir", "kartu_keluarga", "buku_nikah", "ktp_ibu", "ktp_ayah"]

    upload(page, document_files(tmp_path, kinds))
    expect(page.locator("#docs-result")).to_have_text("Semua dokumen persyaratan sudah diterima.")
    expect(page.locator("#submit-warning")).to_be_hidden()

    with page.expect_request(lambda r: r.url.endswith(f"/{application_id}/submit")) as submitted:
        page.get_by_role("button", name="Kirim permohonan").click()
    uuid.UUID(submitted.value.headers["idempotency-key"])  # crypto.randomUUID()
    expect(page.locator("#st-status")).to_have_text(re.compile(r"^(SUBMITTED|SIAK_ENTRY)$"))

    # SOP 3 runs by itself; the reload button shows that it passed and the file waits for SIAK entry (SOP 4).
    world.hospital.wait_for_status(application_id, "SIAK_ENTRY")
    page.get_by_role("button", name="Muat ulang status").click()
    expect(page.locator("#st-status")).to_have_text("SIAK_ENTRY")
    expect(page.locator("#st-status-text")).to_contain_text("SIAK")
    timeline = page.locator("#timeline tbody tr")
    expect(timeline.first).to_contain_text("1-2")
    expect(timeline.first).to_contain_text("dikirim")
    expect(timeline.nth(1).locator("td").first).to_have_text("3")
    expect(timeline.nth(1)).to_contain_text("lengkap")
    expect(page.locator("#docs-section")).to_be_hidden()  # nothing to change once it is with the office
    expect(page.locator("#form-locked")).to_be_visible()
    if path := os.environ.get("HOSPITAL_PAGE_SCREENSHOT"):
        page.screenshot(path=path, full_page=True)


def test_sop1_2_a_file_too_large_for_storage_shows_the_size_limit_next_to_it_and_the_others_upload(page, world, tmp_path):
    login(page, world.sandbox.facility_key)
    _, kinds = create_draft(page, samples.application())
    files = document_files(tmp_path, kinds)
    files["kartu_keluarga"].write_bytes(b"%PDF-1.7\n" + b"0" * MAX_DOCUMENT_BYTES)  # S3's content-length-range refuses it
    choose(page, files)
    page.get_by_role("button", name="Unggah dokumen").click()
    expect(page.locator("#docs-section")).to_contain_text("Berkas melebihi batas ukuran 5 MB.")
    expect(page.locator("#doc-kartu_keluarga-status")).not_to_have_text("✓ Diterima")
    for kind in set(kinds) - {"kartu_keluarga"}:
        expect(page.locator(f"#doc-{kind}-status")).to_have_text("✓ Diterima")


def test_sop2_fields_the_server_rejects_show_its_own_messages_next_to_them_and_no_draft_is_made(page, world):
    payload = samples.application()
    wrong = {**payload, "kk_number": "327301" + payload["kk_number"][6:],  # a Bandung KK: not Kota Jambi's to register
             "mother": {**payload["mother"],  # a man's NIK (day without +40) for the mother
                        "nik": samples.nik("157101", date.fromisoformat(payload["mother"]["birth_date"]), female=False, sequence=77)}}
    login(page, world.sandbox.facility_key)
    fill_form(page, wrong)

    answers = []
    page.on("response", lambda r: answers.append(r.status) if r.url.endswith("/v1/applications") and r.request.method == "POST" else None)
    with page.expect_response(lambda r: r.url.endswith("/v1/applications") and r.request.method == "POST") as info:
        page.get_by_role("button", name="Buat draf permohonan").click()
    error = info.value.json()["error"]
    messages = {f["field"]: f["message"] for f in error["fields"]}
    assert messages == {"mother.nik": field_error("mother.nik", "nik_sex_mismatch").message,
                        "kk_number": field_error("kk_number", "outside_jurisdiction").message}

    summary = page.locator("#form-summary")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary.locator("p").first).to_have_text(error["message"])
    for field, message in messages.items():
        expect(page.locator(f'[data-field="{field}"] .field-error')).to_have_text(message)
        expect(control(page, known_label(field))).to_have_attribute("aria-invalid", "true")
        expect(summary.get_by_role("link", name=message)).to_be_visible()
    expect(page.locator('[data-field="child.name"] .field-error')).to_be_empty()
    expect(page.locator("#app-id-line")).to_be_hidden()
    expect(page.locator("#docs-section")).to_be_hidden()
    assert answers == [422]

    # Corrected on the page, the same form makes the draft and the messages go away.
    fill_form(page, {"kk_number": payload["kk_number"], "mother": {"nik": payload["mother"]["nik"]}})
    page.get_by_role("button", name="Buat draf permohonan").click()
    expect(page.locator("#app-id")).to_have_text(APPLICATION_ID)
    expect(summary).to_be_hidden()
    expect(page.locator('[data-field="mother.nik"] .field-error')).to_be_empty()
    assert answers == [422, 201]


def test_sop3_a_returned_application_shows_its_reasons_and_is_fixed_and_resubmitted(page, world, tmp_path):
    payload = samples.application()
    login(page, world.sandbox.facility_key)
    application_id, kinds = create_draft(page, payload)
    upload(page, document_files(tmp_path, [k for k in kinds if k != "kartu_keluarga"]))
    expect(page.locator("#doc-kartu_keluarga-status")).to_contain_text("Belum diunggah")
    expect(page.locator("#submit-warning")).to_contain_text("Kartu Keluarga (KK)")
    page.get_by_role("button", name="Kirim permohonan").click()

    # SOP 3: the completeness check is automatic; the file comes back to the hospital with its reasons.
    returned = world.hospital.wait_for_status(application_id, "RETURNED")
    reasons = [r["message"] for r in returned["reasons"]]
    assert [r["field"] for r in returned["reasons"]] == ["documents.kartu_keluarga"]
    page.get_by_role("button", name="Muat ulang status").click()
    expect(page.locator("#st-status")).to_have_text("RETURNED")
    box = page.locator("#returned-box")
    expect(box).to_be_visible()
    expect(box.locator("#returned-reasons li")).to_have_text(reasons)
    expect(page.locator('li.doc[data-kind="kartu_keluarga"]')).to_have_class(re.compile(r"\bneeds-fix\b"))

    # Fixed: a data correction (saved with PUT on resubmit), the missing document, then resubmitted.
    place = "RS Abdul Manap Kota Jambi"
    control(page, known_label("child.birth_place")).fill(place)
    expect(page.locator("#dirty-note")).to_be_visible()
    upload(page, document_files(tmp_path, ["kartu_keluarga"]))
    expect(page.locator("#docs-result")).to_have_text("Semua dokumen persyaratan sudah diterima.")
    with page.expect_request(lambda r: r.url.endswith(f"/{application_id}/resubmit")) as resubmitted:
        page.get_by_role("button", name="Kirim ulang permohonan").click()
    uuid.UUID(resubmitted.value.headers["idempotency-key"])

    status = world.hospital.wait_for_status(application_id, "SIAK_ENTRY")  # the second completeness check passed
    assert status["application"]["child"]["birth_place"] == place
    page.get_by_role("button", name="Muat ulang status").click()
    expect(page.locator("#st-status")).to_have_text("SIAK_ENTRY")
    expect(box).to_be_hidden()
    expect(page.locator("#timeline tbody")).to_contain_text("dikirim ulang")


def test_a_wrong_facility_key_is_refused_with_a_clear_indonesian_message(page, world):
    control(page, "Kunci fasilitas kesehatan").fill("akf_bukan-kunci-yang-benar")
    with page.expect_response(lambda r: "/v1/applications" in r.url) as info:
        page.get_by_role("button", name="Masuk").click()
    assert info.value.status == 401
    message = info.value.json()["error"]["message"]
    assert "tidak dikenali" in message
    expect(page.locator("#facility-key-error")).to_have_text(message)
    expect(page.locator("#work")).to_be_hidden()
    expect(page.get_by_role("button", name="Keluar")).to_be_hidden()
    assert page.evaluate(f"sessionStorage.getItem('{KEY_STORAGE}')") is None

    control(page, "Kunci fasilitas kesehatan").fill("")
    page.get_by_role("button", name="Masuk").click()
    expect(page.locator("#facility-key-error")).to_have_text("Kunci fasilitas kesehatan wajib diisi.")


def test_the_facility_key_is_kept_in_session_storage_only_and_keluar_forgets_it(page, world):
    key = world.sandbox.facility_key
    login(page, key)
    assert page.evaluate(f"sessionStorage.getItem('{KEY_STORAGE}')") == key
    assert page.evaluate("localStorage.length") == 0
    assert page.context.cookies() == []
    page.reload()  # the same tab keeps it
    expect(page.get_by_role("button", name="Permohonan baru")).to_be_visible()
    page.get_by_role("button", name="Keluar").click()
    expect(control(page, "Kunci fasilitas kesehatan")).to_be_visible()
    expect(page.locator("#work")).to_be_hidden()
    assert page.evaluate(f"sessionStorage.getItem('{KEY_STORAGE}')") is None


def test_sptjm_witnesses_are_asked_only_when_an_sptjm_is_chosen_and_the_server_rule_is_shown(page, world):
    login(page, world.sandbox.facility_key)
    witnesses = page.locator("#witnesses-fieldset")
    expect(witnesses).to_be_hidden()
    control(page, known_label("birth_proof")).select_option("sptjm_kelahiran")
    expect(witnesses).to_be_visible()
    control(page, known_label("birth_proof")).select_option("surat_keterangan_lahir")
    expect(witnesses).to_be_hidden()

    # An SPTJM without witnesses: the server's rule appears on the witnesses' group.
    fill_form(page, {**samples.application(), "marriage_proof": "sptjm_pasangan"})
    expect(witnesses).to_be_visible()
    page.get_by_role("button", name="Buat draf permohonan").click()
    expected = field_error("witnesses", "witnesses_required").message
    expect(page.locator("#witnesses-fieldset > .field-error")).to_have_text(expected)
    expect(page.locator("#form-summary")).to_contain_text(expected)


def test_the_page_is_served_by_the_api_function_and_loads_nothing_from_elsewhere(world):
    response = requests.get(f"{world.gateway.url}/hospital", timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", response.text)
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write", response.text)  # text nodes only
