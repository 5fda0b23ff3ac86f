# ruff: noqa: E501  (a sentence per line reads better whole than cut at 110 columns)
"""The committee's tender pages' strings (``/kantor/{slug}/tender``), each as (Indonesian, English),
merged into ``texts.TEXTS``."""

from __future__ import annotations

OFFICE_TENDERS: dict[str, tuple[str, str]] = {
    "prep.title": ("Persiapan tender", "Tender preparation"),
    "prep.lead": (
        "Tender LPSE ini dan tender baru dari paket. Waktu dalam zona LPSE",
        "This LPSE's tenders and new tenders from packages. Times in the LPSE's zone",
    ),
    "prep.refused": (
        "Halaman ini untuk Pokja Pemilihan LPSE ini.",
        "This page is for this LPSE's selection committee.",
    ),
    "prep.list": ("Tender", "Tenders"),
    "prep.col.stage": ("Tahap", "Stage"),
    "prep.col.deadline": ("Batas waktu berikutnya", "Next deadline"),
    "prep.new": ("Tender baru", "New tender"),
    "prep.no_packages": (
        "Tidak ada paket yang menunggu tender: PPK membuat paket lebih dulu.",
        "No package is waiting for a tender: the commitment officer creates packages first.",
    ),
    "prep.package": ("Paket", "Package"),
    "prep.evaluation": ("Metode evaluasi", "Evaluation method"),
    "prep.evaluation.lowest_price": ("Harga terendah", "Lowest price"),
    "prep.evaluation.merit_point": ("Sistem nilai", "Merit point"),
    "prep.evaluation.quality_cost": ("Kualitas dan biaya", "Quality and cost"),
    "prep.criteria": ("Kriteria penilaian", "Scoring criteria"),
    "prep.criteria.when": (
        "untuk sistem nilai dan kualitas dan biaya; kosongkan untuk harga terendah",
        "for merit point and quality and cost; leave empty for lowest price",
    ),
    "prep.criteria.lines": (
        "Kriteria teknis, satu per baris: nama: bobot (1 sampai 100)",
        "Technical criteria, one a line: name: weight (1 to 100)",
    ),
    "prep.criteria.technical": ("Bobot teknis (%)", "Technical weight (%)"),
    "prep.criteria.price": ("Bobot harga (%)", "Price weight (%)"),
    "prep.criteria.passing": (
        "Nilai ambang lulus teknis (0 sampai 100)",
        "Technical passing score (0 to 100)",
    ),
    "prep.objection_days": ("Masa sanggah (hari)", "Objection period (days)"),
    "prep.optional": ("boleh kosong: bawaan LPSE", "optional: the LPSE's default"),
    "prep.required": ("wajib", "required"),
    "prep.schedule": ("Jadwal", "Schedule"),
    "prep.schedule.hint": (
        "Jadwal usulan dimulai dari jam berikutnya; ubah sesuai kebutuhan. Tahap yang dikosongkan tidak dijadwalkan. Waktu dalam",
        "The proposed schedule starts at the next full hour; change it as needed. A stage left empty is not scheduled. Times in",
    ),
    "prep.later": (
        "Tahap setelah pembukaan (boleh dijadwalkan nanti)",
        "Stages after the opening (may be scheduled later)",
    ),
    "prep.starts": ("Mulai", "Starts"),
    "prep.ends": ("Selesai", "Ends"),
    "prep.create": ("Buat draf tender", "Create the draft tender"),
    "prep.back": ("← Semua tender", "← All tenders"),
    "prep.announced_at": ("Diumumkan", "Announced"),
    "prep.cancel_reason": ("Alasan pembatalan", "Reason for cancellation"),
    "prep.open_now": ("berlangsung", "open now"),
    "prep.reschedule": ("Ubah jadwal tahap yang belum dimulai", "Move a stage that has not started"),
    "prep.reason": (
        "Alasan perubahan (dicatat di jejak audit)",
        "Reason for the change (recorded in the audit trail)",
    ),
    "prep.reschedule.submit": ("Simpan jadwal", "Save the schedule"),
    "prep.document": ("Unggah dokumen pemilihan", "Upload a tender document"),
    "prep.document.limits": (
        "PDF, ZIP, Word, Excel, PNG atau JPEG; paling besar",
        "PDF, ZIP, Word, Excel, PNG or JPEG; at most",
    ),
    "prep.document.submit": ("Unggah", "Upload"),
    "prep.announcement": ("Pengumuman", "Announcement"),
    "prep.announce.lead": (
        "Mengumumkan tender membuatnya terbuka untuk umum dan membuat kunci tempat penawaran disegel. Setelah diumumkan, kriteria tidak dapat diubah.",
        "Announcing makes the tender public and creates the key bids are sealed for. Once announced, its criteria cannot change.",
    ),
    "prep.announce": ("Umumkan tender", "Announce the tender"),
    "prep.key.fingerprint": ("Sidik jari kunci tender", "Tender key fingerprint"),
    "prep.key.custody": ("Pemegang kunci", "Key custody"),
    "prep.key.custody.hub": (
        "Disimpan hub (dibungkus kunci LPSE)",
        "Held by the hub (wrapped by the LPSE's key)",
    ),
    "prep.key.custody.committee": ("Dibagi kepada anggota Pokja", "Shared among the committee"),
    "prep.key.threshold": ("bagian untuk membuka", "shares to open"),
    "prep.announced.no_key": ("Tender ini tidak memiliki kunci.", "This tender has no key."),
    "prep.answer": ("Jawaban", "Answer"),
    "prep.answer.label": ("Jawaban Pokja", "The committee's answer"),
    "prep.answer.submit": ("Kirim jawaban", "Send the answer"),
    "prep.questions.none": ("Belum ada pertanyaan.", "No questions yet."),
    "prep.cancel": ("Batalkan tender", "Cancel the tender"),
    "prep.cancel.reason": ("Alasan pembatalan (diumumkan)", "Reason for cancellation (made public)"),
    "prep.cancel.submit": ("Batalkan tender", "Cancel the tender"),
}
