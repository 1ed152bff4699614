"""The Kutipan Akta Kelahiran (birth certificate extract) as a PDF.

The canonical record is embedded in the PDF as "akta.json" so the release
check can compare the signed document with the registry record.
"""

from __future__ import annotations

import io
import json
from dataclasses import asdict, dataclass
from datetime import date

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

from akta.domain.dates import date_id
from akta.domain.errors import InvalidInput

RECORD_FILENAME = "akta.json"

SEX_ID = {"L": "LAKI-LAKI", "P": "PEREMPUAN"}

# Lowest start of the signature/QR block that still fits above the bottom margin.
MAX_BLOCK_Y = 220.0


@dataclass(frozen=True)
class CertificateData:
    registration_number: str
    child_name: str
    child_sex: str
    birth_place: str
    birth_date: date
    birth_order: int
    mother_name: str
    father_name: str
    issued_on: date
    issued_place: str
    office_name: str
    head_name: str
    head_nip: str
    verification_url: str
    remark: str | None = None

    def __post_init__(self) -> None:
        # Fail before rendering rather than print a wrong legal fact.
        if self.child_sex not in SEX_ID:
            raise ValueError(f"child_sex must be 'L' or 'P', got {self.child_sex!r}")
        if self.birth_order < 1:
            raise ValueError(f"birth_order must be >= 1, got {self.birth_order}")

    def as_record(self) -> dict:
        """JSON-safe canonical dict (dates as ISO strings)."""
        record = asdict(self)
        record["birth_date"] = self.birth_date.isoformat()
        record["issued_on"] = self.issued_on.isoformat()
        return record


def _qr_png(url: str) -> bytes:
    # Error level M survives a little print damage; border 4 is the spec's quiet zone.
    buf = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buf, kind="png", scale=8, border=4)
    return buf.getvalue()


def render_pdf(data: CertificateData) -> bytes:
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_title(f"Kutipan Akta Kelahiran {data.registration_number}")
    pdf.set_author(data.office_name)
    pdf.set_lang("id")
    pdf.set_auto_page_break(False)
    pdf.set_margins(25, 20, 25)
    pdf.add_page()
    nl = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}

    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, "REPUBLIK INDONESIA", align="C", **nl)
    pdf.cell(0, 8, "PENCATATAN SIPIL", align="C", **nl)
    pdf.ln(8)
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(0, 10, "KUTIPAN AKTA KELAHIRAN", align="C", **nl)
    pdf.set_font("Helvetica", "", 12)
    pdf.cell(0, 7, f"Nomor: {data.registration_number}", align="C", **nl)
    pdf.ln(14)

    pdf.set_font("Helvetica", "", 12)
    pdf.multi_cell(
        0, 8,
        f"Berdasarkan Akta Kelahiran Nomor {data.registration_number} bahwa di "
        f"{data.birth_place} pada tanggal {date_id(data.birth_date)} "
        f"telah lahir",
        align="J", **nl,
    )
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 10, data.child_name.upper(), align="C", **nl)
    pdf.ln(4)
    pdf.set_font("Helvetica", "", 12)
    pdf.multi_cell(
        0, 8,
        f"anak ke-{data.birth_order}, {SEX_ID[data.child_sex]} dari ayah "
        f"{data.father_name.upper()} dan ibu {data.mother_name.upper()}.",
        align="J", **nl,
    )
    if data.remark:
        pdf.ln(4)
        pdf.set_font("Helvetica", "I", 10)
        pdf.multi_cell(0, 6, f"Catatan: {data.remark}", align="J", **nl)

    # Signature block on the right, QR code on the left, low on the page but below the body.
    block_x, block_y, block_w = 105.0, max(190.0, pdf.get_y() + 12), 80.0
    if block_y > MAX_BLOCK_Y:
        # A second page would separate the facts from the signature block.
        raise ValueError("certificate text does not fit on one page (remark too long?)")
    pdf.set_xy(block_x, block_y)
    pdf.set_font("Helvetica", "", 11)
    left = {"align": "L", "new_x": XPos.LEFT, "new_y": YPos.NEXT}
    pdf.multi_cell(block_w, 6, f"Dikeluarkan di {data.issued_place},", **left)
    pdf.multi_cell(block_w, 6, f"pada tanggal {date_id(data.issued_on)}", **left)
    pdf.multi_cell(block_w, 6, f"Kepala {data.office_name}", **left)
    pdf.ln(4)
    pdf.set_x(block_x)
    pdf.set_font("Helvetica", "I", 9)
    pdf.multi_cell(block_w, 5, "Ditandatangani secara elektronik", **left)
    pdf.ln(10)
    pdf.set_x(block_x)
    pdf.set_font("Helvetica", "BU", 11)
    pdf.multi_cell(block_w, 6, data.head_name, **left)
    if data.head_nip:
        pdf.set_font("Helvetica", "", 11)
        pdf.multi_cell(block_w, 6, f"NIP. {data.head_nip}", **left)

    qr_x, qr_y, qr_w = 25.0, block_y, 40.0
    pdf.image(io.BytesIO(_qr_png(data.verification_url)), x=qr_x, y=qr_y, w=qr_w, h=qr_w)
    pdf.set_xy(qr_x, qr_y + qr_w + 1)
    pdf.set_font("Helvetica", "", 8)
    pdf.cell(qr_w, 4, "Pindai untuk verifikasi keaslian", align="C")

    record = json.dumps(data.as_record(), ensure_ascii=False, sort_keys=True).encode("utf-8")
    pdf.embed_file(
        bytes=record,
        basename=RECORD_FILENAME,
        mime_type="application/json",
        desc="Data kanonik akta kelahiran",
    )
    return bytes(pdf.output())


def _iter_name_tree(node: generic.DictionaryObject):
    """Yield (name, value) pairs of a PDF name tree, following /Kids."""
    names = node.get("/Names")
    if names is not None:
        names = names.get_object()
        for i in range(0, len(names) - 1, 2):
            yield str(names[i]), names[i + 1].get_object()
    for kid in node.get("/Kids", ()):
        yield from _iter_name_tree(kid.get_object())


def read_embedded_record(pdf: bytes) -> dict:
    """Return the canonical record embedded by render_pdf.

    Reads the latest revision, so it also works on a signed (incrementally
    updated) PDF. Raises ValueError if the record is absent or unreadable.
    """
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        tree = reader.root["/Names"].get_object()["/EmbeddedFiles"].get_object()
        for name, filespec in _iter_name_tree(tree):
            if name == RECORD_FILENAME:
                raw = filespec["/EF"].get_object()["/F"].get_object().data
                record = json.loads(raw.decode("utf-8"))
                break
        else:
            raise KeyError(RECORD_FILENAME)
    except Exception as exc:  # any parse failure means "no usable record"
        raise InvalidInput(code="no_embedded_record") from exc
    if not isinstance(record, dict):
        raise InvalidInput(code="no_embedded_record")
    return record
