# ruff: noqa: E501  (a sentence per line reads better whole than cut at 110 columns)
"""The strings of the procurement officer's direct procurement pages, each as (Indonesian, English)."""

from __future__ import annotations

DIRECT: dict[str, tuple[str, str]] = {
    "direct.title": ("Pengadaan langsung", "Direct procurement"),
    "direct.lead": (
        "Undang satu penyedia terverifikasi untuk paket pengadaan langsung (HPS sampai Rp200 juta, jasa konsultansi Rp100 juta). Penawaran disegel dan baru dapat dibuka setelah batas waktunya.",
        "Invite one verified vendor to offer for a direct procurement package (owner's estimate up to Rp200 million, Rp100 million for consultancy). The offer is sealed and opens only after its deadline.",
    ),
    "direct.list": ("Undangan", "Invitations"),
    "direct.none": ("Belum ada pengadaan langsung di LPSE ini.", "This LPSE has no direct procurements yet."),
    "direct.col.package": ("Paket", "Package"),
    "direct.col.vendor": ("Penyedia diundang", "Invited vendor"),
    "direct.invite": ("Undang penyedia", "Invite a vendor"),
    "direct.no_packages": (
        "Tidak ada paket pengadaan langsung yang menunggu. PPK membuat paketnya lebih dulu (metode: pengadaan langsung).",
        "No direct procurement package is waiting. The commitment officer creates it first (method: direct procurement).",
    ),
    "direct.find": ("Cari penyedia (nama atau NPWP)", "Find the vendor (name or NPWP)"),
    "direct.find.submit": ("Cari", "Find"),
    "direct.found.none": ("Tidak ada penyedia terverifikasi yang cocok.", "No verified vendor matches."),
    "direct.found.hint": (
        "Cari dulu penyedianya; hanya penyedia terverifikasi yang dapat diundang.",
        "Find the vendor first; only verified vendors can be invited.",
    ),
    "direct.field.package": ("Paket", "Package"),
    "direct.field.vendor": ("Penyedia", "Vendor"),
    "direct.field.deadline": ("Batas waktu penawaran", "Offer deadline"),
    "direct.field.deadline.hint": (
        "Waktu setempat LPSE; 1 jam sampai 30 hari dari sekarang.",
        "The LPSE's local time; 1 hour to 30 days from now.",
    ),
    "direct.invite.submit": ("Kirim undangan", "Send the invitation"),
    "direct.progress": ("Kemajuan", "Progress"),
    "direct.deadline": ("Batas waktu penawaran", "Offer deadline"),
    "direct.offered": ("Harga penawaran", "Offered price"),
    "direct.negotiated": ("Harga hasil negosiasi", "Negotiated price"),
    "direct.awarded": ("Harga penetapan", "Awarded price"),
    "direct.key": ("Sidik jari kunci segel", "Sealing key fingerprint"),
    "direct.step.open": ("Buka penawaran", "Open the offer"),
    "direct.step.open.text": (
        "Penawaran dapat dibuka setelah batas waktunya. Sebelum itu, isinya tersegel bahkan bagi hub.",
        "The offer can be opened after its deadline. Until then its content is sealed, even from the hub.",
    ),
    "direct.step.negotiate": ("Klarifikasi dan negosiasi harga", "Clarification and price negotiation"),
    "direct.step.negotiate.text": (
        "Catat harga yang disepakati: tidak lebih dari penawaran maupun HPS.",
        "Record the agreed price: not above the offer nor the owner's estimate.",
    ),
    "direct.field.price": ("Harga disepakati (Rp)", "Agreed price (Rp)"),
    "direct.field.notes": ("Berita acara negosiasi", "Record of the negotiation"),
    "direct.negotiate.submit": ("Simpan negosiasi", "Save the negotiation"),
    "direct.step.award": ("Penetapan penyedia", "Award"),
    "direct.step.award.text": (
        "Menetapkan penyedia yang diundang pada harga hasil negosiasi. Tidak ada masa sanggah pada pengadaan langsung.",
        "Awards the invited vendor at the negotiated price. Direct procurement has no objection period.",
    ),
    "direct.award.submit": ("Tetapkan penyedia", "Award the vendor"),
    "direct.step.contract": (
        "Penyedia telah ditetapkan. PPK menandatangani kontrak (SPK) dari bagian Paket.",
        "The vendor is awarded. The commitment officer signs the contract (SPK) from the Packages section.",
    ),
    "direct.step.done": ("Pengadaan ini telah selesai.", "This procurement is finished."),
    "direct.back": ("Kembali ke daftar", "Back to the list"),
}
