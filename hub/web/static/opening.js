// The opening ceremony's page (/kantor/{slug}/tender/{id}/pembukaan, `#give-share`): a committee
// member gives back their share of a committee-held tender key, as `lpse-hub opening share` does on
// the member's machine (tenants/sealing/key_shares.py, `reseal_for_opening`):
//
// 1. the member's key file (`member_key_pem`: PKCS#8, PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC)
//    is opened here with its passphrase (key-backup.js: WebCrypto's PBKDF2 and AES-CBC);
// 2. the member's share, HPKE-sealed to their X25519 key at the announcement, is unsealed with the
//    `holder` context, and sealed again to the opening's one-time key with the `opening` context:
//    HPKE base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM, from @hpke/core
//    (hub/web/static/vendor/hpke), the sealed bytes `enc || ciphertext` as `cryptography` writes them;
// 3. the form posts that sealed share, unpadded base64url, in its `sealed_share` field: the text the
//    CLI sends to POST /api/tenders/{id}/key-shares/{slot}.
//
// The file and passphrase fields have no name: neither is ever sent; nor is the key, nor the share
// unsealed. tests/browser/test_office_opening.py checks that the hub takes what this page sends.

import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from "./vendor/hpke/hpke.js";
import { WrongPassphrase, decryptKeyBackup, der } from "./key-backup.js";
import { b64url, b64urlDecode, fingerprint } from "./sealing.js";

const INFO_DOMAIN = "lpse-hub/key-share/v1|"; // key_shares._INFO_DOMAIN
const KEY_PREFIX = "x25519:"; // tender_keys.PUBLIC_KEY_PREFIX
const ENC_SIZE = 32; // DHKEM(X25519)'s encapsulated key, before the ciphertext
const OID_X25519 = "2b656e"; // 1.3.101.110 (RFC 8410)
const english = document.documentElement.lang === "en";
const say = (id, en) => (english ? en : id);
const subtle = globalThis.crypto.subtle;
const encoder = new TextEncoder();

/** key_shares.holder_context and opening_context: what a sealed share is bound to. */
export const holderContext = (tenant, tender, slot) => `holder|${tenant}|${tender}|${slot}`;
export const openingContext = (tenant, tender, slot) => `opening|${tenant}|${tender}|${slot}`;

const info = (context) => encoder.encode(INFO_DOMAIN + context);
const suite = () => new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/**
 * A member's X25519 key from the file `lpse-hub member key create` wrote: {privateKey (not
 * extractable), publicKey, fingerprint}. `WrongPassphrase` when the passphrase does not open it.
 */
export async function openMemberKey(pem, passphrase) {
  const pkcs8 = await decryptKeyBackup(pem, passphrase);
  let algorithm;
  try {
    algorithm = hex(der(new Uint8Array(pkcs8)).children[1].children[0].content);
  } catch {
    throw new WrongPassphrase(); // decrypted to bytes that are no key: the padding held by chance
  }
  if (algorithm !== OID_X25519) {
    throw new Error(say("berkas ini bukan kunci anggota (X25519)", "this file is not a member key (X25519)"));
  }
  const readable = await subtle.importKey("pkcs8", pkcs8, { name: "X25519" }, true, ["deriveBits"]);
  const { x } = await subtle.exportKey("jwk", readable);
  const publicKey = await subtle.importKey("jwk", { kty: "OKP", crv: "X25519", x }, { name: "X25519" }, true, []);
  const privateKey = await subtle.importKey("pkcs8", pkcs8, { name: "X25519" }, false, ["deriveBits"]);
  const raw = new Uint8Array(await subtle.exportKey("raw", publicKey));
  return { privateKey, publicKey, fingerprint: await fingerprint(raw) };
}

/**
 * key_shares.reseal_for_opening: the share sealed to `key` for slot `slot`, unsealed and sealed again
 * to the opening's one-time key; the unpadded base64url text to send as `sealed_share`.
 */
export async function resealForOpening({ sealedShare, key, openingKey, tenant, tender, slot }) {
  const sealed = b64urlDecode(sealedShare, "sealed_share");
  const hpke = suite();
  let share;
  try {
    share = await hpke.open(
      { recipientKey: key, enc: sealed.slice(0, ENC_SIZE), info: info(holderContext(tenant, tender, slot)) },
      sealed.slice(ENC_SIZE),
    );
  } catch {
    throw new Error(
      say(
        `bagian slot ${slot} tidak terbuka dengan kunci ini: kunci lain, atau bagian yang diubah`,
        `the share of slot ${slot} does not open with this key: another key, or altered bytes`,
      ),
    );
  }
  if (!openingKey.startsWith(KEY_PREFIX)) throw new Error(say("kunci pembukaan tidak sah", "not an opening key"));
  const recipientPublicKey = await hpke.kem.deserializePublicKey(
    b64urlDecode(openingKey.slice(KEY_PREFIX.length), "opening_key"),
  );
  const { enc, ct } = await hpke.seal({ recipientPublicKey, info: info(openingContext(tenant, tender, slot)) }, share);
  const out = new Uint8Array(enc.byteLength + ct.byteLength);
  out.set(new Uint8Array(enc), 0);
  out.set(new Uint8Array(ct), enc.byteLength);
  return b64url(out);
}

function givePage(form) {
  const { tenant, slot, sealed, fingerprint: expected, openingKey } = form.dataset;
  const tender = Number(form.dataset.tender);
  const file = document.getElementById("key-file");
  const passphrase = document.getElementById("passphrase");
  const sealedShare = document.getElementById("sealed-share");
  const status = document.getElementById("give-status");
  form.hidden = false;
  document.getElementById("give-nojs").hidden = true;
  const button = form.querySelector("button[type=submit]");

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    passphrase.removeAttribute("aria-invalid");
    status.removeAttribute("role");
    status.textContent = say("Membuka kunci di halaman ini…", "Opening the key in this page…");
    button.disabled = true;
    try {
      const key = await openMemberKey(await file.files[0].text(), passphrase.value);
      if (key.fingerprint !== expected) {
        throw new Error(
          say(
            `kunci ini (${key.fingerprint}) bukan kunci yang memegang slot ${slot} (${expected})`,
            `this key (${key.fingerprint}) is not the one holding slot ${slot} (${expected})`,
          ),
        );
      }
      sealedShare.value = await resealForOpening({
        sealedShare: sealed,
        key: { privateKey: key.privateKey, publicKey: key.publicKey },
        openingKey,
        tenant,
        tender,
        slot: Number(slot),
      });
      passphrase.value = "";
      file.value = "";
      status.textContent = say("Bagian disegel ke kunci pembukaan; mengirim…", "Share sealed to the opening key; sending…");
      form.submit();
    } catch (error) {
      if (error instanceof WrongPassphrase) passphrase.setAttribute("aria-invalid", "true");
      status.setAttribute("role", "alert");
      status.textContent = error.message;
      button.disabled = false;
    }
  });
}

const form = document.getElementById("give-share");
if (form) givePage(form);
