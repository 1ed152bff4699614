"""Sample applications and documents for the demo and the tests: valid by construction, fictitious people."""

from __future__ import annotations

import io
import itertools
import random
from datetime import date, timedelta

from akta.domain.models import jakarta_today

_sequence = itertools.count(1)


def nik(region: str, birth_date: date, *, female: bool, sequence: int) -> str:
    day = birth_date.day + (40 if female else 0)
    return f"{region}{day:02d}{birth_date:%m%y}{sequence:04d}"


def application(*, email: str | None = "success@simulator.amazonses.com", whatsapp: str = "0812-3456-7890",
                child_name: str | None = None, days_old: int = 3, seed: int | None = None) -> dict:
    """A complete, valid application payload; names and NIKs unique per call (seeded)."""
    n = next(_sequence) if seed is None else seed
    rng = random.Random(n)
    birth = jakarta_today() - timedelta(days=days_old)
    mother_birth, father_birth = date(1994, 3, 1 + n % 27), date(1991, 7, 1 + n % 27)
    return {
        "child": {
            "name": child_name or f"Putri Anak Contoh {_letters(n)}",
            "sex": "P", "birth_date": birth.isoformat(), "birth_time": "08:15", "birth_place": "RSUD Raden Mattaher Jambi",
            "birth_order": 1, "weight_grams": 3100, "length_cm": 49.5,
        },
        "mother": {"name": f"Siti Ibu Contoh {_letters(n + 1)}", "nik": nik("157101", mother_birth, female=True, sequence=rng.randint(1, 9999)),
                   "birth_date": mother_birth.isoformat()},
        "father": {"name": f"Ahmad Ayah Contoh {_letters(n + 2)}", "nik": nik("327301", father_birth, female=False, sequence=rng.randint(1, 9999)),
                   "birth_date": father_birth.isoformat()},
        "kk_number": f"157103{rng.randint(10**9, 10**10 - 1)}",
        "birth_proof": "surat_keterangan_lahir",
        "marriage_proof": "buku_nikah",
        "contact": {"whatsapp": whatsapp, "email": email},
    }


def _letters(n: int) -> str:
    """A name-like unique word from a number (names may not hold digits)."""
    alphabet = "abcdefghijklmnopqrstuvwxyz"
    word = ""
    n += 26 * 26
    while n:
        n, r = divmod(n, 26)
        word = alphabet[r] + word
    return word.capitalize()


def pdf_document(title: str = "Dokumen contoh") -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=14)
    pdf.cell(text=title)
    return bytes(pdf.output())


def jpeg_document(color: tuple[int, int, int] = (200, 210, 230)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, format="JPEG")
    return buffer.getvalue()


def documents_for(kinds: list[str]) -> dict[str, tuple[bytes, str]]:
    """A small real file per document kind: identity cards as JPEG, the rest as PDF."""
    return {kind: (jpeg_document(), "image/jpeg") if kind.startswith("ktp") else (pdf_document(kind), "application/pdf")
            for kind in kinds}


def write_walkthrough(folder: str) -> None:
    """For the README's curl walkthrough: application.json, documents.json and one small file per document."""
    import json
    from pathlib import Path

    from akta.domain.documents import required_documents
    from akta.domain.models import ApplicationData

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    payload = application()
    (out / "application.json").write_text(json.dumps(payload, indent=2))
    kinds = required_documents(ApplicationData.model_validate({**payload, "facility_id": "contoh"}))
    files = documents_for(kinds)
    (out / "documents.json").write_text(json.dumps({"documents": {kind: ctype for kind, (_, ctype) in files.items()}}))
    for kind, (data, _) in files.items():
        (out / kind).write_bytes(data)
    print(f"wrote {out}/application.json, documents.json and {len(files)} documents")


if __name__ == "__main__":
    import sys

    write_walkthrough(sys.argv[1] if len(sys.argv) > 1 else "walkthrough")
