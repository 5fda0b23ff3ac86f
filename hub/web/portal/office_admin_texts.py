# ruff: noqa: E501  (a sentence per line reads better whole than cut at 110 columns)
"""The strings of the tenant admin's page, each as (Indonesian, English)."""

from __future__ import annotations

ADMIN: dict[str, tuple[str, str]] = {
    "admin.title": ("Admin LPSE", "LPSE administration"),
    "admin.lead": (
        "Satuan kerja, pejabat dan perannya, aturan pengadaan, dan penyimpanan kunci tender LPSE ini. Setiap perubahan tercatat di jejak audit.",
        "This LPSE's agencies, officials and their roles, procurement rules and tender key custody. Every change is recorded in the audit trail.",
    ),
    "admin.agencies": ("Satuan kerja (satker)", "Agencies (satker)"),
    "admin.agencies.none": ("Belum ada satuan kerja.", "No agencies yet."),
    "admin.agency.name": ("Nama satuan kerja baru", "New agency's name"),
    "admin.agency.submit": ("Tambah satuan kerja", "Add the agency"),
    "admin.officials": ("Pejabat dan perannya", "Officials and their roles"),
    "admin.officials.none": (
        "Belum ada pejabat dengan peran di LPSE ini.",
        "No one holds a role in this LPSE yet.",
    ),
    "admin.col.email": ("Email", "Email"),
    "admin.col.name": ("Nama", "Name"),
    "admin.col.roles": ("Peran", "Roles"),
    "admin.roles.cli": (
        "Memberi dan mencabut peran belum dapat dilakukan dari halaman ini: tidak ada layanan yang boleh dipanggil Admin PPE untuk itu. Operator hub menjalankannya di CLI (pencabutan berlaku pada permintaan berikutnya akun itu):",
        "Granting and revoking roles cannot be done from this page: no service lets a tenant admin do it. The hub's operator runs it at the CLI (a revocation takes effect on the account's next request):",
    ),
    "admin.rules": ("Aturan pengadaan: masa sanggah", "Procurement rules: the objection period"),
    "admin.rules.lead": (
        "Batas lama masa sanggah yang boleh dipilih tender baru (hari kalender). Tender yang sudah dibuat tidak berubah.",
        "The limits within which a new tender sets its objection period (calendar days). Tenders already created keep theirs.",
    ),
    "admin.rules.min": ("Paling singkat (hari)", "Shortest (days)"),
    "admin.rules.default": ("Bawaan (hari)", "Default (days)"),
    "admin.rules.max": ("Paling lama (hari)", "Longest (days)"),
    "admin.rules.submit": ("Simpan aturan", "Save the rules"),
    "admin.custody": ("Penyimpanan kunci tender", "Tender key custody"),
    "admin.custody.lead": (
        "Siapa memegang kunci privat tender yang diumumkan mulai sekarang: hub (terbungkus kunci induk) atau Pokja (dibagi di antara anggotanya; sejumlah k dari n bagian membukanya).",
        "Who holds the private key of tenders announced from now on: the hub (wrapped under the master key) or the committee (split among its members; any k of n shares open it).",
    ),
    "admin.custody.choice": ("Pemegang kunci", "Key holder"),
    "admin.custody.hub": ("Hub", "The hub"),
    "admin.custody.committee": ("Pokja (kunci terbagi)", "The committee (split key)"),
    "admin.custody.threshold": (
        "Ambang k (kosong: mayoritas Pokja)",
        "Threshold k (empty: a majority of the committee)",
    ),
    "admin.custody.submit": ("Simpan penyimpanan kunci", "Save the key custody"),
    "admin.custody.now": ("Saat ini", "Now"),
    "admin.custody.majority": ("mayoritas Pokja tiap tender", "a majority of each tender's committee"),
    "admin.recovery": ("Kunci pemulihan", "Recovery key"),
    "admin.recovery.set": ("Terdaftar, sidik jari", "Registered, fingerprint"),
    "admin.recovery.unset": (
        "Belum terdaftar. Admin membuatnya di CLI: 33 kata kunci privatnya ditampilkan sekali untuk disimpan di kertas, bagian publiknya didaftarkan (atau lewat API: PUT /api/procurement-rules/recovery-key):",
        "Not registered. The admin makes it at the CLI: its private half shown once as 33 words to keep on paper, its public half registered (or through the API: PUT /api/procurement-rules/recovery-key):",
    ),
    "admin.keys": ("Kunci anggota", "Member keys"),
    "admin.keys.none": ("Belum ada anggota yang mendaftarkan kunci.", "No member has registered a key yet."),
    "admin.col.fingerprint": ("Sidik jari", "Fingerprint"),
    "admin.col.registered": ("Didaftarkan", "Registered"),
    "admin.col.state": ("Keadaan", "State"),
    "admin.key.current": ("Berlaku", "Current"),
    "admin.key.revoked": ("Dicabut", "Revoked"),
}
