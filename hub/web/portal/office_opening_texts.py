# ruff: noqa: E501  (a sentence per line reads better whole than cut at 110 columns)
"""The opening ceremony page's strings (``/kantor/{slug}/tender/{id}/pembukaan``), each as
(Indonesian, English), merged into ``texts.TEXTS``."""

from __future__ import annotations

OPENING: dict[str, tuple[str, str]] = {
    "op.title": ("Pembukaan penawaran", "Bid opening"),
    "op.refused": (
        "Pembukaan penawaran hanya untuk Pokja Pemilihan, Pejabat Pengadaan dan Admin LPSE.",
        "The bid opening is for the selection committee, procurement officers and the LPSE admin only.",
    ),
    "op.tender": ("Tender", "Tender"),
    "op.status": ("Status", "Status"),
    "op.closes": ("Pemasukan penawaran ditutup", "Bid submission closes"),
    "op.bids": ("Penawaran diterima", "Bids received"),
    "op.bids.count": ("Jumlah penawaran", "Number of bids"),
    "op.bids.sealed": (
        "Penawaran masih tersegel: hanya waktu diterima dan sidik SHA-256 yang ditandatangani tanda terimanya.",
        "The bids are still sealed: only when each was received and the SHA-256 its receipt signed.",
    ),
    "op.bids.none": ("Belum ada penawaran.", "No bids yet."),
    "op.col.received": ("Diterima", "Received"),
    "op.col.digest": ("SHA-256", "SHA-256"),
    "op.custody": ("Pemegang kunci tender", "Who holds the tender key"),
    "op.custody.hub": (
        "Kunci dipegang hub (terbungkus kunci LPSE). Pokja membuka penawaran setelah pemasukan ditutup.",
        "The hub holds the key (wrapped under the LPSE's key). The committee opens the bids after submission closes.",
    ),
    "op.custody.committee": ("Kunci dibagi kepada anggota Pokja", "The key is split among the committee"),
    "op.threshold": ("Bagian yang dibutuhkan", "Shares needed"),
    "op.threshold.of": ("{k} dari {n}", "{k} of {n}"),
    "op.given": ("Bagian yang sudah diserahkan", "Shares given"),
    "op.col.slot": ("Slot", "Slot"),
    "op.col.holder": ("Pemegang", "Holder"),
    "op.col.fingerprint": ("Sidik kunci", "Key fingerprint"),
    "op.col.given": ("Diserahkan", "Given"),
    "op.holder.member": ("Anggota (akun {id})", "Member (account {id})"),
    "op.holder.you": ("Anda", "You"),
    "op.holder.recovery": ("Kunci pemulihan LPSE", "The LPSE's recovery key"),
    "op.yes": ("sudah", "yes"),
    "op.no": ("belum", "not yet"),
    "op.early": (
        "Bagian kunci diserahkan setelah pemasukan penawaran ditutup.",
        "Shares are given after bid submission closes.",
    ),
    "op.make_key": ("Siapkan kunci pembukaan", "Prepare the opening key"),
    "op.make_key.note": (
        "Kunci sekali pakai pembukaan dibuat sekali, setelah penutupan; setiap anggota menyegel bagiannya kepadanya.",
        "The opening's one-time key is made once, after the close; each member seals their share to it.",
    ),
    "op.opening_key": ("Kunci pembukaan (sekali pakai)", "Opening key (one-time)"),
    "op.give": ("Serahkan bagian kunci Anda", "Give your key share"),
    "op.give.how": (
        "Pilih berkas kunci anggota Anda (dibuat dengan lpse-hub member key create) dan ketik frasa sandinya. Kunci dibuka di halaman ini saja: frasa sandi dan kunci tidak pernah dikirim; yang dikirim hanya bagian Anda, disegel ulang ke kunci pembukaan.",
        "Choose your member key file (made with lpse-hub member key create) and type its passphrase. The key is opened in this page only: the passphrase and the key are never sent; only your share is sent, sealed again to the opening key.",
    ),
    "op.give.nojs": (
        "Halaman ini membutuhkan JavaScript untuk membuka berkas kunci Anda. Tanpa JavaScript, serahkan bagian Anda dengan CLI di komputer Anda: lpse-hub opening share --key BERKAS (lihat petunjuk di bawah).",
        "This page needs JavaScript to open your key file. Without it, give your share with the CLI on your computer: lpse-hub opening share --key FILE (see the instructions below).",
    ),
    "op.give.file": ("Berkas kunci anggota (.pem)", "Member key file (.pem)"),
    "op.give.passphrase": ("Frasa sandi", "Passphrase"),
    "op.give.submit": ("Buka kunci dan serahkan bagian", "Open the key and give the share"),
    "op.give.slot": (
        "Bagian Anda: slot {slot}, disegel ke kunci {fp}",
        "Your share: slot {slot}, sealed to key {fp}",
    ),
    "op.give.done": ("Bagian Anda sudah diserahkan.", "Your share is in."),
    "op.give.none": (
        "Anda tidak memegang bagian kunci tender ini.",
        "You hold no share of this tender's key.",
    ),
    "op.give.recovery": (
        "Bagian pemulihan diserahkan oleh Admin LPSE dengan 33 kata pemulihan: lpse-hub opening share --recovery.",
        "The recovery share is given by the LPSE admin with the 33 recovery words: lpse-hub opening share --recovery.",
    ),
    "op.keys.help": ("Cara membuat dan mendaftarkan kunci anggota", "How to make and register a member key"),
    "op.open": ("Buka penawaran", "Open the bids"),
    "op.open.note": (
        "Setelah pemasukan penawaran ditutup, Pokja membuka semua penawaran sekaligus; hasilnya diumumkan.",
        "After bid submission closes, the committee opens every bid at once; the result is published.",
    ),
    "op.opened": ("Hasil pembukaan", "Opening result"),
    "op.opened.at": ("Dibuka", "Opened"),
    "op.opened.used": ("Dibuka dengan bagian slot", "Opened with the shares of slots"),
    "op.col.vendor": ("Peserta", "Bidder"),
    "op.col.price": ("Harga penawaran", "Bid price"),
    "op.col.files": ("Berkas", "Files"),
    "op.col.check": ("Pemeriksaan", "Check"),
    "op.bid.ok": ("terbuka, tanda tangan {signature}", "opened, signature {signature}"),
    "op.sig.verified": ("terverifikasi", "verified"),
    "op.sig.unsigned": ("tidak ada (bundel versi 1)", "none (bundle version 1)"),
    "op.bid.tampered": ("tidak terbuka", "did not open"),
    "op.bid.missing": ("hilang", "missing"),
    "op.error": ("Ditolak", "Refused"),
}
