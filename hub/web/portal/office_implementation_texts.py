# ruff: noqa: E501  (a sentence per line reads better whole than cut at 110 columns)
"""The strings of the PPK's page of a signed contract's implementation (e-monev), each as
(Indonesian, English), merged into ``texts.TEXTS``."""

from __future__ import annotations

IMPLEMENTATION: dict[str, tuple[str, str]] = {
    "monev.title": ("Pelaksanaan kontrak", "The contract's implementation"),
    "monev.open": ("Catat pelaksanaan kontrak", "Record the contract's implementation"),
    "monev.lead": (
        "Progres fisik, pembayaran termin, tahapan, dan adendum kontrak. Setiap catatan diaudit dan diterbitkan (OCDS); yang sudah dicatat tidak diubah.",
        "Physical progress, payments by term, milestones and amendments. Each record is audited and published (OCDS); nothing recorded is changed afterwards.",
    ),
    "monev.summary": ("Ringkasan", "Summary"),
    "monev.value_signed": ("Nilai kontrak awal", "Value as signed"),
    "monev.value_now": ("Nilai kontrak kini", "Value now"),
    "monev.end_signed": ("Selesai menurut kontrak awal", "End as signed"),
    "monev.end_now": ("Selesai kini", "End now"),
    "monev.paid": ("Sudah dibayar", "Paid"),
    "monev.absorption": ("Penyerapan", "Absorption"),
    "monev.latest": ("Progres fisik terakhir", "Latest physical progress"),
    "monev.none": ("Belum ada catatan.", "Nothing recorded yet."),
    "monev.progress": ("Progres fisik", "Physical progress"),
    "monev.progress.lead": (
        "Persen 0 sampai 100 (boleh 45,5). Progres di bawah laporan terakhir wajib disertai alasan.",
        "Percent from 0 to 100 (45.5 is fine). Progress below the latest report needs a reason.",
    ),
    "monev.progress.percent": ("Progres (%)", "Progress (%)"),
    "monev.progress.reported_on": ("Tanggal laporan", "Reported on"),
    "monev.progress.submit": ("Simpan laporan progres", "Save the progress report"),
    "monev.note": ("Catatan", "Note"),
    "monev.reason": ("Alasan", "Reason"),
    "monev.payments": ("Pembayaran", "Payments"),
    "monev.payments.lead": (
        "Jumlah pembayaran tidak boleh melebihi nilai kontrak kini. Termin kosong: termin berikutnya.",
        "Payments may not exceed the contract's value now. An empty term: the next one.",
    ),
    "monev.payment.term": ("Termin ke-", "Term"),
    "monev.payment.amount": ("Jumlah (Rp)", "Amount (Rp)"),
    "monev.payment.paid_on": ("Tanggal bayar", "Paid on"),
    "monev.payment.submit": ("Simpan pembayaran", "Save the payment"),
    "monev.milestones": ("Tahapan", "Milestones"),
    "monev.milestone.title": ("Tahapan", "Milestone"),
    "monev.milestone.due_on": ("Jatuh tempo", "Due on"),
    "monev.milestone.met_on": ("Tercapai", "Met on"),
    "monev.milestone.unmet": ("Belum tercapai", "Not met yet"),
    "monev.milestone.submit": ("Tambah tahapan", "Add the milestone"),
    "monev.milestone.meet": ("Tandai tercapai", "Mark as met"),
    "monev.amendments": ("Adendum", "Amendments"),
    "monev.amendments.lead": (
        "Nilai baru, tanggal selesai baru, atau keduanya; kosongkan yang tidak berubah. Nilai tidak di bawah yang sudah dibayar, dan tidak lebih dari 10% di atas nilai awal.",
        "A new value, a new end, or both; leave empty what does not change. The value is not below what was paid, nor more than 10% above the value signed.",
    ),
    "monev.amendment.number": ("Adendum ke-", "Amendment"),
    "monev.amendment.value": ("Nilai baru (Rp)", "New value (Rp)"),
    "monev.amendment.ends_on": ("Tanggal selesai baru", "New end"),
    "monev.amendment.signed_on": ("Tanggal tanda tangan", "Signed on"),
    "monev.amendment.before": ("Sebelum", "Before"),
    "monev.amendment.after": ("Sesudah", "After"),
    "monev.amendment.submit": ("Simpan adendum", "Save the amendment"),
    "monev.back": ("Kembali ke paket", "Back to the package"),
}
