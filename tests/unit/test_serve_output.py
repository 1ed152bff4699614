"""What `make serve` prints of a WhatsApp notice (sandbox/serve.py): the citizen's text, the number masked, and
the Drive-Thru pickup code on its own line so that a person playing the applicant can reach the counter."""

from __future__ import annotations

from sandbox.outside import WhatsAppMessage
from sandbox.serve import masked_number, whatsapp_lines


def test_sop9_a_drive_thru_notice_prints_its_text_and_its_pickup_code_and_only_the_numbers_last_digits():
    message = WhatsAppMessage("+6281234567890", "akta_kelahiran_drive_thru", ["AK20261204-ABCD2345", "K7Q2M9"], {})
    assert whatsapp_lines(message) == [
        "[whatsapp] to **********7890: Akta Kelahiran untuk permohonan AK20261204-ABCD2345 dapat diambil di layanan "
        "Drive Thru Disdukcapil Kota Jambi. Tunjukkan kode pengambilan K7Q2M9 dan KTP-el Anda kepada petugas.",
        "        pickup code: K7Q2M9",
    ]


def test_a_certificate_notice_has_no_pickup_line_and_a_short_number_is_masked_whole_but_its_last_four():
    message = WhatsAppMessage("+62812", "akta_kelahiran_terbit", ["AK20261204-ABCD2345", "1571-LT-04122026-0001"], {})
    assert len(whatsapp_lines(message)) == 1
    assert masked_number("+62812") == "**2812" and masked_number("12") == "12"
