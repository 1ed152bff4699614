"""Reading a certificate PDF back in tests: the page's text strings and the QR code's image."""

from __future__ import annotations

import io
import re
import struct

from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader


def first_page(pdf: bytes):
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    return reader.root["/Pages"]["/Kids"][0].get_object()


def page_text(pdf: bytes) -> str:
    """The page's text strings joined by spaces (wrapped lines break at spaces)."""
    content = first_page(pdf)["/Contents"].get_object().data.decode("latin-1")
    return " ".join(re.findall(r"\((.*?)\) Tj", content))


def qr_image(pdf: bytes) -> Image.Image:
    """The QR code's image as the PDF stores it.

    fpdf2 stores the 1-bit PNG as CCITT G4, which pyHanko cannot decode; wrapping
    the raw stream in a minimal TIFF lets Pillow (libtiff) decode it.
    """
    xobjects = first_page(pdf)["/Resources"]["/XObject"]
    (image,) = [x.get_object() for x in xobjects.values()]
    assert image["/Filter"] == "/CCITTFaxDecode" and image["/DecodeParms"]["/K"] == -1
    width, height, raw = int(image["/Width"]), int(image["/Height"]), image.encoded_data
    entries = [  # (tag, type SHORT=3/LONG=4, value): size, 1 bit, CCITT G4, photometric, one strip
        (256, 4, width), (257, 4, height), (258, 3, 1), (259, 3, 4), (262, 3, 1),
        (273, 4, 0), (277, 3, 1), (278, 4, height), (279, 4, len(raw)),
    ]
    ifd_size = 2 + 12 * len(entries) + 4
    data_offset = 8 + ifd_size
    ifd = struct.pack("<H", len(entries))
    for tag, typ, value in entries:
        value = data_offset if tag == 273 else value
        ifd += struct.pack("<HHI", tag, typ, 1) + (
            struct.pack("<HH", value, 0) if typ == 3 else struct.pack("<I", value)
        )
    tiff = b"II*\x00" + struct.pack("<I", 8) + ifd + b"\x00\x00\x00\x00" + raw
    return Image.open(io.BytesIO(tiff)).convert("L")


def qr_payload(pdf: bytes) -> str:
    """Decode the QR code in the PDF (zxing-cpp), as a phone's camera would."""
    import zxingcpp

    (found,) = zxingcpp.read_barcodes(qr_image(pdf))
    return found.text
