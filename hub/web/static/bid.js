// The vendor workspace's two sealing pages, on top of sealing.js (which does the cryptography):
//
// - the signing key's page (/akun/kunci, `#signing-key`): a key made in this browser
//   (`generateSigningKeyWithBackup`), its encrypted backup offered as a file to download before the
//   public half can be registered (a normal form POST, with the session's CSRF token), and a key
//   restored from such a backup file (or one the CLI wrote) with its passphrase;
// - a tender's page (/akun/tender/{ocid}, `#sealing`): the bid sealed in the page with the tender's
//   key (the fingerprint the page shows is checked), signed with the key kept in this browser, the
//   bundle POSTed to the workspace, and the hub's receipt checked here: its `bundle_sha256` against
//   the bundle this page sealed, its signature against the hub's published receipt keys.
//
// The private key is kept in IndexedDB as a non-extractable CryptoKey (the page signs with it and
// cannot read it), one per vendor; a bid the hub accepted is recorded there too (its digest, for the
// receipt pages: receipt-check.js, which checks receipts here as well). The price and files never
// leave the page unsealed.

import { decryptKeyBackup } from "./key-backup.js";
import { SIGNING_KEYS, checkReceipt, recordSealed, stored } from "./receipt-check.js";
import {
  encodeSigningPublicKey,
  generateSigningKeyWithBackup,
  sealBid,
  signingKeyId,
} from "./sealing.js";

const SEALED = "application/vnd.lpse-hub.sealed-bid+json";
const english = document.documentElement.lang === "en";
const say = (id, en) => (english ? en : id);

// --- the key kept in this browser -----------------------------------------------------------

/** The vendor's key kept in this browser: {keyId, publicKey, privateKey}, or undefined. */
export async function keptKey(vendor) {
  return await stored(SIGNING_KEYS, "readonly", (store) => store.get(`vendor:${vendor}`));
}

/** Keep a key pair (its private half non-extractable) for the vendor's later bids in this browser. */
export async function keepKey(vendor, signingKey) {
  if (signingKey.privateKey.extractable) throw new Error("only a non-extractable private key is kept");
  const record = {
    keyId: await signingKeyId(signingKey.publicKey),
    publicKey: signingKey.publicKey,
    privateKey: signingKey.privateKey,
  };
  await stored(SIGNING_KEYS, "readwrite", (store) => store.put(record, `vendor:${vendor}`));
  return record;
}

// --- restoring a backup file (key-backup.js opens it) ----------------------------------------

/** The signing key pair in a backup file, its private half not extractable; throws on a wrong passphrase. */
export async function restoreSigningKey(pem, passphrase) {
  const pkcs8 = await decryptKeyBackup(pem, passphrase);
  const subtle = crypto.subtle;
  // The public half: from the private key's JWK (`x`), read once from a copy that is then let go.
  const readable = await subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, true, ["sign"]);
  const { x } = await subtle.exportKey("jwk", readable);
  const jwk = { kty: "OKP", crv: "Ed25519", x };
  const publicKey = await subtle.importKey("jwk", jwk, { name: "Ed25519" }, true, ["verify"]);
  const privateKey = await subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, false, ["sign"]);
  return { privateKey, publicKey };
}

// --- the signing key's page ---------------------------------------------------------------

async function keyPage(section) {
  const vendor = section.dataset.vendor;
  const status = document.getElementById("key-status");
  const registered = new Set(
    Array.from(document.querySelectorAll("#registered-keys [data-key-id]"), (li) => li.dataset.keyId),
  );
  const showKept = async () => {
    const kept = await keptKey(vendor);
    const here = document.getElementById("key-here");
    if (!kept) here.textContent = say("belum ada", "none yet");
    else {
      const note = registered.has(kept.keyId)
        ? say("terdaftar", "registered")
        : say("belum terdaftar", "not registered");
      here.textContent = `${kept.keyId} (${note})`;
    }
    return kept;
  };
  document.getElementById("key-nojs").hidden = true;
  const make = document.getElementById("key-make");
  const restore = document.getElementById("key-restore");
  make.hidden = restore.hidden = false;
  await showKept();

  make.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.textContent = say("Membuat kunci…", "Making the key…");
    try {
      const { signingKey, backup } = await generateSigningKeyWithBackup(
        document.getElementById("key-passphrase").value,
      );
      document.getElementById("key-passphrase").value = "";
      await keepKey(vendor, signingKey);
      const link = document.getElementById("key-backup");
      const kept = await showKept();
      link.href = URL.createObjectURL(new Blob([backup], { type: "application/x-pem-file" }));
      link.download = `kunci-${kept.keyId.slice(0, 9).replace(":", "")}.pem`;
      document.getElementById("key-public").value = await encodeSigningPublicKey(signingKey.publicKey);
      const register = document.querySelector("#key-register button");
      link.addEventListener("click", () => {
        register.disabled = false; // the backup first: a key registered and then lost signs nothing
      });
      document.getElementById("key-made").hidden = false;
      make.hidden = true;
      status.textContent = say(
        "Kunci dibuat. Unduh berkas cadangannya, lalu daftarkan kunci publiknya.",
        "The key is made. Download its backup file, then register its public key.",
      );
      link.focus();
    } catch (error) {
      status.textContent = error.message;
    }
  });

  restore.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.textContent = say("Memulihkan kunci…", "Restoring the key…");
    try {
      const [file] = document.getElementById("restore-file").files;
      const passphrase = document.getElementById("restore-passphrase").value;
      const signingKey = await restoreSigningKey(await file.text(), passphrase);
      document.getElementById("restore-passphrase").value = "";
      const kept = await keepKey(vendor, signingKey);
      await showKept();
      status.textContent = say(
        `Kunci ${kept.keyId} dipulihkan ke peramban ini.`,
        `Key ${kept.keyId} restored into this browser.`,
      );
    } catch (error) {
      status.textContent = error.message;
    }
  });
}

// --- a tender's page: seal, submit, check the receipt ---------------------------------------

function wholeRupiah(text) {
  const digits = text.replace(/[.\s]/g, "");
  if (!/^[0-9]{1,19}$/.test(digits)) return null;
  const price = BigInt(digits);
  return price <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(price) : price;
}

async function tenderPage(section) {
  const { tenant, tender, ocid, vendor, key, fingerprint: keyFingerprint, action, csrf } = section.dataset;
  const form = document.getElementById("seal-form");
  const status = document.getElementById("seal-status");
  document.getElementById("seal-nojs").hidden = true;
  const kept = await keptKey(vendor);
  document.getElementById("key-here").textContent = kept ? kept.keyId : say("belum ada", "none yet");
  form.hidden = false;
  if (!key) {
    status.textContent = say("Kunci tender belum tersedia.", "The tender key is not available yet.");
    return;
  }
  if (!kept) {
    status.textContent = say(
      "Buat atau pulihkan kunci tanda tangan di halaman Kunci tanda tangan sebelum menyegel.",
      "Make or restore a signing key on the Signing key page before sealing.",
    );
    return;
  }
  for (const element of form.elements) element.disabled = false;

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const price = wholeRupiah(document.getElementById("seal-price").value);
    if (price === null) {
      status.textContent = say(
        "Harga adalah bilangan bulat rupiah.",
        "The price is a whole number of rupiah.",
      );
      return;
    }
    const submit = form.querySelector("button");
    submit.disabled = true;
    try {
      status.textContent = say("Menyegel penawaran…", "Sealing the bid…");
      const sealed = await sealBid({
        tenderPublicKey: key,
        keyFingerprint,
        tenant,
        tender: Number(tender),
        vendor: Number(vendor),
        price,
        files: Array.from(document.getElementById("seal-files").files),
        signingKey: { privateKey: kept.privateKey, publicKey: kept.publicKey },
      });
      status.textContent = say("Mengirim sampul tersegel…", "Sending the sealed bundle…");
      const answer = await fetch(action, {
        method: "POST",
        body: sealed.bundle,
        headers: { "content-type": SEALED, "x-csrf-token": csrf, accept: "application/json" },
      });
      const text = await answer.text();
      if (answer.status !== 201) {
        let detail = text;
        try {
          detail = JSON.parse(text).detail ?? text;
        } catch {}
        status.textContent = `${say("Ditolak", "Refused")} (${answer.status}): ${detail}`;
        return;
      }
      const receipt = JSON.parse(text);
      document.getElementById("receipt-sealed").textContent = sealed.bundleSha256;
      document.getElementById("receipt-signed").textContent = receipt.bundle_sha256;
      document.getElementById("receipt-text").textContent = JSON.stringify(receipt, null, 2);
      // The bid is in: a browser that cannot keep the record (no IndexedDB) still shows the receipt.
      await recordSealed({ tenant, tender, ocid, vendor, bundleSha256: sealed.bundleSha256 }).catch(() => {});
      const checked = await checkReceipt(receipt, {
        tenant,
        tender,
        vendor,
        sealedSha256: sealed.bundleSha256,
      });
      const signed = checked.holds;
      const verdict = document.getElementById("receipt-verdict");
      verdict.textContent = signed
        ? say(
            "Tanda terima sah: ditandatangani kunci tanda terima hub, untuk sampul yang disegel halaman ini.",
            "The receipt holds: signed by the hub's receipt key, for the bundle this page sealed.",
          )
        : say(
            "Tanda terima TIDAK cocok dengan sampul yang disegel halaman ini atau tanda tangannya tidak sah.",
            "The receipt does NOT match the bundle this page sealed, or its signature does not hold.",
          );
      verdict.className = signed ? "verified" : "notice";
      verdict.dataset.verified = String(signed);
      document.getElementById("seal-receipt").hidden = false;
      form.reset();
      status.textContent = say("Penawaran diterima.", "The bid was received.");
    } catch (error) {
      status.textContent = error.message;
    } finally {
      submit.disabled = false;
    }
  });
}

const keySection = document.getElementById("signing-key");
if (keySection) keyPage(keySection);
const sealingSection = document.getElementById("sealing");
if (sealingSection) tenderPage(sealingSection);
