# ruff: noqa: E501  (a sentence per line reads better whole than cut at 110 columns)
"""The vendor workspace's strings, each as (Indonesian, English), merged into ``texts.TEXTS``.

Kept apart from the public portal's strings so that the two pages of a translation (a public
reader's, a vendor's) can be read on their own.
"""

from __future__ import annotations

WORKSPACE: dict[str, tuple[str, str]] = {
    "ws.nav.account": ("Akun saya", "My account"),
    "ws.logout": ("Keluar", "Log out"),
    "ws.logout.note": (
        "Keluar di sini juga mengakhiri sesi Anda di peramban dan aplikasi lain.",
        "Logging out here also ends your sessions in other browsers and apps.",
    ),
    "ws.refused.title": ("Khusus penyedia", "For vendors only"),
    "ws.refused.text": (
        "Ruang kerja ini untuk pengguna penyedia barang/jasa. Akun Anda tidak terhubung dengan perusahaan penyedia; daftarkan perusahaan di halaman Pendaftaran penyedia.",
        "This workspace is for vendors' users. Your account is not linked to a vendor company; register a company on the vendor registration page.",
    ),
    "ws.refusal": ("Tidak dapat dilakukan", "Could not be done"),
    "login.refused": (
        "Masuk dibatalkan atau ditolak. Silakan coba lagi.",
        "The login was cancelled or refused. Please try again.",
    ),
    "login.failed": (
        "Proses masuk tidak dapat diselesaikan (mungkin sudah kedaluwarsa atau dimulai di peramban lain). Silakan mulai lagi.",
        "The login could not be finished (it may have expired or been started in another browser). Please start again.",
    ),
    "ws.menu": ("Ruang kerja penyedia", "Vendor workspace"),
    "ws.menu.company": ("Perusahaan saya", "My company"),
    "ws.menu.tenders": ("Tender untuk saya", "Tenders for me"),
    "ws.menu.bids": ("Penawaran saya", "My bids"),
    "ws.company.title": ("Perusahaan saya", "My company"),
    "ws.company.name": ("Nama perusahaan", "Company name"),
    "ws.company.npwp": ("NPWP", "Tax number (NPWP)"),
    "ws.company.nib": ("NIB", "Business number (NIB)"),
    "ws.company.home": ("Kode kabupaten/kota domisili", "Home regency code"),
    "ws.company.kbli": ("KBLI", "Business fields (KBLI)"),
    "ws.company.status": ("Status verifikasi", "Verification"),
    "ws.company.verified": ("Terverifikasi", "Verified"),
    "ws.company.unverified": (
        "Belum diverifikasi: datang ke verifikator LPSE mana pun dengan dokumen asli. Sekali terverifikasi berlaku di semua LPSE provinsi.",
        "Not verified yet: bring the original documents to a verifier of any LPSE. Once verified, the company may bid in every LPSE of the province.",
    ),
    "ws.company.merged": ("Digabung ke perusahaan lain", "Merged into another company"),
    "ws.company.verified_by": ("Diverifikasi oleh LPSE", "Verified by LPSE"),
    "ws.company.user": ("Pengguna", "User"),
    "ws.register.title": ("Pendaftaran penyedia", "Vendor registration"),
    "ws.register.lead": (
        "Daftarkan perusahaan sekali untuk semua LPSE di provinsi, bersama akun pengguna pertamanya. Setelah mendaftar, masuk dengan email dan kata sandi ini.",
        "Register the company once for every LPSE of the province, with its first user's account. Then log in with this email and password.",
    ),
    "ws.register.company": ("Perusahaan", "Company"),
    "ws.register.user": ("Pengguna pertama", "First user"),
    "ws.register.name": ("Nama perusahaan", "Company name"),
    "ws.register.npwp": ("NPWP (15 atau 16 digit)", "Tax number, NPWP (15 or 16 digits)"),
    "ws.register.nib": ("NIB (13 digit, jika ada)", "Business number, NIB (13 digits, if any)"),
    "ws.register.address": ("Alamat", "Address"),
    "ws.register.home": (
        "Kode kabupaten/kota domisili (4 digit Kemendagri, mis. 3507)",
        "Home regency code (4 digits, e.g. 3507)",
    ),
    "ws.register.kbli": (
        "KBLI (kode 5 digit, pisahkan dengan spasi atau koma)",
        "KBLI codes (5 digits, separated by spaces or commas)",
    ),
    "ws.register.email": ("Email", "Email"),
    "ws.register.user_name": ("Nama pengguna", "User's name"),
    "ws.register.password": ("Kata sandi", "Password"),
    "ws.register.submit": ("Daftar", "Register"),
    "ws.register.have": ("Sudah terdaftar?", "Registered already?"),
    "ws.tenders.title": ("Tender yang terbuka untuk saya", "Tenders open to me"),
    "ws.tenders.lead": (
        "Tender semua LPSE di provinsi yang masih menerima peserta atau penawaran, sesuai KBLI perusahaan Anda, yang paling cepat ditutup lebih dahulu.",
        "Tenders of every LPSE in the province still taking part or bids, in your company's KBLI, closing soonest first.",
    ),
    "ws.tenders.none": (
        "Saat ini tidak ada tender terbuka yang sesuai KBLI perusahaan Anda.",
        "No open tender matches your company's KBLI at the moment.",
    ),
    "ws.tenders.closes": ("Penawaran ditutup", "Bids close"),
    "ws.tenders.registered": ("Sudah terdaftar", "Registered"),
    "ws.register_for": ("Daftar ikut tender ini", "Register for this tender"),
    "ws.tender.public": ("Halaman publik tender ini", "This tender's public page"),
    "ws.tender.registration": ("Pendaftaran", "Registration"),
    "ws.tender.registered": (
        "Perusahaan Anda terdaftar sebagai peserta tender ini.",
        "Your company is registered for this tender.",
    ),
    "ws.tender.not_registered": (
        "Perusahaan Anda belum terdaftar. Pendaftaran dibuka pada tahap pengumuman dan pengambilan dokumen.",
        "Your company is not registered. Registration is open during the announcement and document download stages.",
    ),
    "ws.tender.documents": ("Dokumen pemilihan", "Tender documents"),
    "ws.tender.documents.none": ("Belum ada dokumen.", "No documents yet."),
    "ws.tender.documents.locked": (
        "Dokumen dapat diunduh setelah perusahaan terdaftar.",
        "Documents can be downloaded once the company is registered.",
    ),
    "ws.tender.questions": ("Pemberian penjelasan", "Clarification"),
    "ws.tender.questions.none": ("Belum ada pertanyaan.", "No questions yet."),
    "ws.tender.question": ("Pertanyaan", "Question"),
    "ws.tender.answer": ("Jawaban", "Answer"),
    "ws.tender.unanswered": ("Belum dijawab.", "Not answered yet."),
    "ws.tender.yours": ("pertanyaan Anda", "your question"),
    "ws.tender.ask": ("Ajukan pertanyaan", "Ask a question"),
    "ws.tender.ask.note": (
        "Pertanyaan dan jawaban dibaca semua peserta; nama penanya hanya dilihat pokja.",
        "Every registered vendor reads questions and answers; only the committee sees who asked.",
    ),
    "ws.tender.ask.submit": ("Kirim pertanyaan", "Send the question"),
    "ws.tender.bid": ("Penawaran", "Bid"),
    "ws.tender.key": ("Sidik jari kunci tender", "Tender key fingerprint"),
    "ws.tender.key.none": ("Kunci tender belum tersedia.", "The tender key is not available yet."),
    "ws.tender.key.note": (
        "Pastikan sidik jari ini sama dengan yang diumumkan pokja sebelum menyegel penawaran.",
        "Check that this fingerprint matches the one the committee announced before sealing a bid.",
    ),
    "ws.tender.seal": (
        "Penawaran disegel di peramban Anda oleh sealing.js: harga dan berkas tidak pernah meninggalkan halaman sebelum terenkripsi. Formulir penyegelan muncul di sini.",
        "Bids are sealed in your browser by sealing.js: the price and files never leave the page unencrypted. The sealing form appears here.",
    ),
    "ws.tender.seal.files": ("Berkas penawaran", "Bid files"),
    "ws.tender.seal.price": ("Harga penawaran (Rp)", "Bid price (Rp)"),
    "ws.bids.title": ("Penawaran saya", "My bids"),
    "ws.bids.lead": (
        "Penawaran yang berlaku di semua LPSE (penawaran yang dikirim ulang menggantikan yang lama), dengan tanda terima yang ditandatangani hub.",
        "Your standing bids in every LPSE (a resubmitted bid replaces the earlier one), with the receipts the hub signed.",
    ),
    "ws.bids.none": ("Belum ada penawaran.", "No bids yet."),
    "ws.bids.received": ("Diterima", "Received"),
    "ws.bids.digest": ("SHA-256 sampul", "Sealed bundle SHA-256"),
    "ws.bids.receipt": ("Tanda terima", "Receipt"),
    "ws.bids.verify": (
        "Tanda terima dapat diperiksa dengan kunci publik di /api/receipt-keys.",
        "A receipt can be checked with the public keys at /api/receipt-keys.",
    ),
    "ws.bids.tender": ("Tender", "Tender"),
}
