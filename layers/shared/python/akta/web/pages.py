"""Server-rendered pages for registry staff and the Drive-Thru counter (Bahasa Indonesia, no JavaScript).

Every value is escaped; forms POST back to the same function with a one-time form token.
"""

from __future__ import annotations

from html import escape

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:52rem;margin:1.5rem auto;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.4rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.35rem;text-align:left}
.note{background:#f3f6fb;padding:.6rem;border-left:4px solid #2b5fab}.error{background:#fdecea;border-left:4px solid #c62828;padding:.6rem}
label{display:block;margin:.5rem 0 .2rem}button{margin:.6rem .4rem 0 0;padding:.5rem 1rem}
"""


def layout(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang='id'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<meta name='robots' content='noindex'><title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><header>Disdukcapil Kota Jambi &middot; Layanan Akta Kelahiran</header><h1>{escape(title)}</h1>{body}</body></html>"
    )


def message_page(title: str, message: str) -> str:
    return layout(title, f"<p class='note' role='status'>{escape(message)}</p>")


def not_found_page() -> str:
    return message_page("Halaman tidak ditemukan", "Alamat ini tidak dikenal.")


def errors_block(errors: list) -> str:
    if not errors:
        return ""
    items = "".join(f"<li data-field='{escape(e.field)}'>{escape(e.message)}</li>" for e in errors)
    return f"<div class='error' role='alert'><ul>{items}</ul></div>"


def rows(pairs: list[tuple[str, object]]) -> str:
    return "<table>" + "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in pairs) + "</table>"


def application_table(data: dict) -> str:
    child, mother, father = data["child"], data["mother"], data["father"]
    return rows([
        ("Nama anak", child["name"]),
        ("Jenis kelamin", "Laki-laki" if child["sex"] == "L" else "Perempuan"),
        ("Tempat lahir", child["birth_place"]),
        ("Tanggal dan jam lahir", f"{child['birth_date']} {child['birth_time']}"),
        ("Anak ke-", child["birth_order"]),
        ("Berat / panjang", f"{child['weight_grams']} gram / {child['length_cm']} cm"),
        ("Nama ibu", mother["name"]), ("NIK ibu", mother["nik"]), ("Tanggal lahir ibu", mother["birth_date"]),
        ("Nama ayah", father["name"]), ("NIK ayah", father["nik"]), ("Tanggal lahir ayah", father["birth_date"]),
        ("Nomor KK", data["kk_number"]),
        ("Bukti kelahiran", data["birth_proof"]), ("Bukti perkawinan", data["marriage_proof"]),
    ] + [pair for n, w in enumerate(data.get("witnesses") or [], 1)
         for pair in ((f"Nama saksi ke-{n}", w["name"]), (f"NIK saksi ke-{n}", w["nik"]))])


def task_page(page, errors: list | None = None) -> str:
    """The page behind a staff link: the file, its documents, the SOP target, and the decision form."""
    docs = "".join(
        f"<li><a href='{escape(d['url'])}' target='_blank' rel='noopener'>{escape(d['label'])}</a></li>" for d in page.documents
    ) or "<li>Tidak ada dokumen di arsip.</li>"
    waited_class = "error" if page.waited_minutes > page.target_minutes else "note"
    body = [
        f"<p>Permohonan <strong>{escape(page.application_id)}</strong> &middot; {escape(page.role_label)} &middot; langkah SOP {page.sop_step}</p>",
        f"<p class='{waited_class}'>Target mutu baku: {page.target_minutes} menit. Sudah menunggu: {page.waited_minutes} menit.</p>",
        errors_block(errors or []),
    ]
    if page.late_registration:
        body.append("<p class='error' data-flag='late_registration'>Pelaporan terlambat: lebih dari 60 hari sejak kelahiran.</p>")
    for other in page.possible_duplicates:
        body.append(f"<p class='error' data-flag='possible_duplicate'>Kemungkinan permohonan ganda: permohonan "
                    f"{escape(other['application_id'])} (status {escape(other['status'])}) untuk ibu, tanggal lahir, "
                    "nama dan urutan kelahiran anak yang sama. Periksa sebelum menginput ke SIAK.</p>")
    if page.rejection:
        body.append(f"<p class='error'>Dikembalikan oleh {escape(page.rejection['by_label'])}: {escape(page.rejection['message'])}</p>")
    if page.registration_number:
        body.append(f"<p>Nomor registrasi SIAK: <strong>{escape(page.registration_number)}</strong></p>")
    body += ["<h2>Data permohonan</h2>", application_table(page.application), f"<h2>Dokumen (arsip digital)</h2><ul>{docs}</ul>"]
    form = [f"<form method='post'><input type='hidden' name='form_token' value='{escape(page.form_token)}'>"]
    # One button per answer the wait accepts (the waits catalogue), with the fields that answer needs.
    for answer in page.answers:
        button = f"<button type='submit' name='decision' value='{escape(answer.value)}'>{escape(answer.label)}</button>"
        if answer.rejects:
            form.append(
                f"<fieldset><legend>{escape(answer.label)}</legend><label for='reason_code'>Alasan</label>"
                f"<select id='reason_code' name='reason_code'>{_options(page.reasons.items())}</select>"
                "<label for='note'>Catatan</label><textarea id='note' name='note' maxlength='500'></textarea>"
                f"{button}</fieldset>"
            )
        elif "registration_number" in answer.needs:
            form.append(
                "<h2>Penginputan SIAK</h2><p>Masukkan data di atas ke SIAK, lalu catat nomor registrasi yang diberikan SIAK.</p>"
                "<label for='registration_number'>Nomor registrasi SIAK</label>"
                "<input id='registration_number' name='registration_number' placeholder='1571-LU-DDMMYYYY-NNNN' autocomplete='off'>"
                f"{button}"
            )
        else:
            pin = ("<label for='pin'>PIN penandatanganan</label><input id='pin' name='pin' type='password' "
                   "inputmode='numeric' autocomplete='off'>") if "pin" in answer.needs else ""
            form.append(f"<h2>Keputusan</h2>{pin}{button}")
    form.append("</form>")
    return layout("Tugas: " + page.role_label, "".join(body + form))


def counter_page(errors: list | None = None) -> str:
    return layout("Loket Drive Thru", errors_block(errors or []) + (
        "<form method='post' action='/counter/lookup'>"
        "<label for='counter_key'>Kunci loket</label><input id='counter_key' name='counter_key' type='password' autocomplete='off'>"
        "<label for='pickup_code'>Kode pengambilan</label><input id='pickup_code' name='pickup_code' autocomplete='off' placeholder='XXXX-XXXX'>"
        "<button type='submit'>Cari</button></form>"
    ))


def handover_page(found: dict, errors: list | None = None) -> str:
    collectors = rows([(c["role"], c["name"]) for c in found["collectors"]])
    return layout("Serah terima Akta Kelahiran", errors_block(errors or []) + (
        f"<p>Permohonan <strong>{escape(found['application_id'])}</strong>, nomor akta "
        f"<strong>{escape(str(found['registration_number']))}</strong>, atas nama anak {escape(found['child_name'])}.</p>"
        f"<h2>Yang berhak mengambil</h2>{collectors}"
        "<form method='post' action='/counter/handover'>"
        f"<input type='hidden' name='form_token' value='{escape(found['form_token'])}'>"
        "<label><input type='checkbox' name='id_checked' value='yes'> KTP-el pengambil sudah diperiksa dan sesuai</label>"
        "<button type='submit'>Cetak dan serahkan</button></form>"
    ))


_VERIFY_STATES = {
    "valid": ("Akta Kelahiran ini sah", "Dokumen ini diterbitkan dan ditandatangani secara elektronik oleh Disdukcapil Kota Jambi."),
    "revoked": ("Akta Kelahiran ini telah DICABUT", "Dokumen ini tidak berlaku lagi. Hubungi Disdukcapil Kota Jambi."),
    "unknown": ("Akta tidak dikenal", "Tidak ada Akta Kelahiran dengan kode ini di arsip Disdukcapil Kota Jambi."),
}
_COMPARISONS = {
    "identical": "Berkas PDF yang Anda unggah SAMA PERSIS dengan arsip digital.",
    "different": "Berkas PDF yang Anda unggah BERBEDA dari arsip digital: jangan dipercaya.",
    "missing": "Pilih berkas PDF akta (paling besar 2 MB) untuk dibandingkan.",
}


def verification_page(found: dict, comparison: str | None = None) -> str:
    """The QR code's target: the state, the registration number, the issue date, a masked name; nothing else."""
    title, text = _VERIFY_STATES[found["state"]]
    body = [f"<p class='{'note' if found['state'] == 'valid' else 'error'}' data-state='{escape(found['state'])}'>{escape(text)}</p>"]
    if found["state"] != "unknown":
        body.append(rows([("Nomor akta", found["registration_number"]), ("Tanggal terbit", found["issued_on"]),
                          ("Nama anak", found["child_name_masked"])]))
        if comparison:
            body.append(f"<p class='{'note' if comparison == 'identical' else 'error'}' data-comparison='{comparison}'>"
                        f"{escape(_COMPARISONS[comparison])}</p>")
        body.append("<h2>Bandingkan dengan berkas Anda</h2><form method='post' enctype='multipart/form-data'>"
                    "<label for='pdf'>Berkas PDF akta</label><input id='pdf' name='pdf' type='file' accept='application/pdf'>"
                    "<button type='submit'>Bandingkan</button></form>")
    return layout(title, "".join(body))


def supervisor_login_page(errors: list | None = None) -> str:
    return layout("Konsol supervisor", errors_block(errors or []) + (
        "<form method='post' action='/supervisor'>"
        "<label for='staff_id'>ID petugas</label><input id='staff_id' name='staff_id' autocomplete='username'>"
        "<label for='pin'>PIN</label><input id='pin' name='pin' type='password' inputmode='numeric' autocomplete='off'>"
        "<button type='submit'>Masuk</button></form>"
    ))


def _options(pairs, placeholder: str = "- pilih -") -> str:
    return f"<option value=''>{escape(placeholder)}</option>" + "".join(
        f"<option value='{escape(value)}'>{escape(label)}</option>" for value, label in pairs)


def supervisor_page(console, errors: list | None = None) -> str:
    """Waiting staff tasks with a reassignment form each, and certificate revocation; every form carries the
    console's one-time token, so one action per rendered page."""
    from akta.service.staff import REASSIGN_REASONS
    from akta.service.verification import REVOCATION_REASONS

    token = f"<input type='hidden' name='form_token' value='{escape(console.form_token)}'>"
    reasons = _options((k, v.capitalize()) for k, v in REASSIGN_REASONS.items())
    body = [f"<p>Masuk sebagai <strong>{escape(console.supervisor['name'])}</strong> (supervisor).</p>",
            errors_block(errors or [])]
    if console.done:
        body.append(f"<p class='note' role='status' id='done'>{escape(console.done)}</p>")
    body.append("<h2>Tugas yang menunggu keputusan</h2>")
    if not console.tasks:
        body.append("<p>Tidak ada tugas yang menunggu.</p>")
    else:
        body.append("<table id='waiting'><tr><th>Permohonan</th><th>Langkah SOP</th><th>Petugas</th>"
                    "<th>Menunggu (jam kerja)</th><th>Alihkan kepada</th></tr>")
        for task in console.tasks:
            late = " class='error'" if task.office_minutes > task.target_minutes else ""
            others = _options((p["staff_id"], p["name"]) for p in console.people.get(task.role, [])
                              if p["staff_id"] != task.assignee_id)
            body.append(
                f"<tr data-application='{escape(task.application_id)}'><td>{escape(task.application_id)}</td>"
                f"<td>{task.sop_step} ({escape(task.role_label)})</td><td>{escape(task.assignee_name)}</td>"
                f"<td{late}>{task.office_minutes} / {task.target_minutes} menit</td><td>"
                f"<form method='post' action='/supervisor/reassign'>{token}"
                f"<input type='hidden' name='application_id' value='{escape(task.application_id)}'>"
                f"<input type='hidden' name='state' value='{escape(task.state)}'>"
                f"<label>Petugas pengganti<select name='staff_id'>{others}</select></label>"
                f"<label>Alasan<select name='reason'>{reasons}</select></label>"
                "<button type='submit'>Alihkan</button></form></td></tr>")
        body.append("</table>")
    body.append(
        "<h2>Cabut Akta Kelahiran</h2>"
        "<p>Akta yang dicabut tetap tersimpan di arsip digital bersama catatan pencabutannya.</p>"
        f"<form method='post' action='/supervisor/revoke' id='revoke'>{token}"
        "<label for='certificate_id'>Kode akta (dari QR code)</label><input id='certificate_id' name='certificate_id' autocomplete='off'>"
        f"<label for='revoke_reason'>Alasan</label><select id='revoke_reason' name='reason'>"
        f"{_options((k, v.capitalize()) for k, v in REVOCATION_REASONS.items())}</select>"
        "<label for='revoke_note'>Catatan</label><textarea id='revoke_note' name='note' maxlength='500'></textarea>"
        "<button type='submit'>Cabut akta</button></form>")
    return layout("Konsol supervisor", "".join(body))
