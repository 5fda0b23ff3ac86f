// Sealing a bid in the vendor's browser: the same bundle, byte for byte in its format, as
// tenants/sealing/bundle.py seals on the vendor's machine (format version 2, sealed_by "vendor").
// The plaintext never leaves the page: what sealBid gives back is the sealed bundle, ready to upload.
//
// Read tenants/sealing (bundle.py, _container.py, _codec.py, signatures.py, tender_keys.py) next to
// this file: every constant and every layout here is theirs, and tests/browser/test_sealing.py opens
// what this seals with the Python code. The cryptography is the browser's (WebCrypto: SHA-256, HKDF,
// AES-256-GCM, Ed25519, X25519) and HPKE (RFC 9180) from @hpke/core (hub/web/static/vendor/hpke,
// built by tools/vendor_assets.py); nothing here is a primitive of its own.

import {
  Aes256Gcm,
  CipherSuite,
  DhkemX25519HkdfSha256,
  HkdfSha256,
  PortableDhkemX25519HkdfSha256,
} from "./vendor/hpke/hpke.js";

export const BUNDLE_VERSION = 2;
const BUNDLE_DOMAIN = "lpse-hub bid bundle v2\n"; // signatures.BUNDLE_DOMAIN
const PAYLOAD_INFO = "lpse-hub/bid/v1/payload"; // bundle._payload_keys
const TENDER_KEY_PREFIX = "x25519:"; // tender_keys.PUBLIC_KEY_PREFIX
const SIGNING_KEY_PREFIX = "ed25519:"; // signatures.SIGNING_KEY_PREFIX
const KEY_SIZE = 32;
const NONCE_SIZE = 12;
const MAX_PRICE = 2n ** 63n - 1n; // _container.MAX_PRICE: what a BIGINT column holds
const TENANT_CODE = /^[0-9A-Za-z._-]{1,32}$/; // _codec._TENANT_CODE
// _container._CONTENT_TYPE: type/subtype, optional parameters, printable ASCII, 3 to 255 characters.
const CONTENT_TYPE =
  /^(?=[\x20-\x7e]{3,255}$)[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*(?:\s*;.*)?$/;
const UNPRINTABLE = /[\p{C}\p{Z}]/u; // what Python's str.isprintable refuses, the space apart

const subtle = globalThis.crypto.subtle;
const encoder = new TextEncoder();

/** A problem with what the vendor gave (a file, the price, a key): `field` names the form's field. */
export class SealingError extends Error {
  constructor(message, field) {
    super(message);
    this.name = "SealingError";
    this.field = field;
  }
}

/**
 * Seal a bid for one tender and sign the bundle with the vendor's key.
 *
 * @param {object} bid
 * @param {string|Uint8Array} bid.tenderPublicKey the tender's key as published (`x25519:...`) or raw
 * @param {string} [bid.keyFingerprint] the fingerprint the tender's page shows: refused if the key
 *   is not that one, so a key swapped on the way is noticed before anything is sealed to it
 * @param {string} bid.tenant the tenant's code; @param {number} bid.tender @param {number} bid.vendor ids
 * @param {number|bigint} bid.price whole rupiah, more than 0
 * @param {Array<File|{name: string, contentType: string, data: Blob|ArrayBuffer|ArrayBufferView}>} bid.files
 * @param {CryptoKeyPair} bid.signingKey the vendor's Ed25519 key pair (the private half may be non-extractable)
 * @returns {Promise<{bundle: Blob, bundleSha256: string, ciphertextSha256: string, keyFingerprint: string,
 *   signer: string}>} the bundle (canonical JSON, as `SealedBundle.to_bytes`), the hex SHA-256 of
 *   its bytes (what the hub's receipt, version 2, signs as `bundle_sha256`) and of its ciphertext
 *   (what the vendor's signature covers), the tender key's fingerprint and the signing key's id
 */
export async function sealBid(bid) {
  const { tenderPublicKey, keyFingerprint, tenant, tender, vendor, price, files, signingKey } = bid;
  checkBinding(tenant, tender, vendor);
  const tenderRaw = tenderKeyBytes(tenderPublicKey);
  const fingerprintOfKey = await fingerprint(tenderRaw);
  if (keyFingerprint !== undefined && keyFingerprint !== fingerprintOfKey) {
    throw new SealingError(
      `the tender key's fingerprint is ${fingerprintOfKey}, not ${keyFingerprint}: do not seal to it`,
      "tender_key",
    );
  }
  if (!signingKey?.privateKey || !signingKey?.publicKey) {
    throw new SealingError("sealing needs the vendor's signing key pair", "signing_key");
  }
  const signer = await signingKeyId(signingKey.publicKey);
  const aad = encoder.encode(`lpse-hub/bid/v1|${tenant}|${tender}|${vendor}`); // bundle._associated_data

  let plaintext = await container(price, files);
  const dataKey = globalThis.crypto.getRandomValues(new Uint8Array(KEY_SIZE));
  const { payloadKey, commitment } = await payloadKeys(dataKey);
  const nonce = globalThis.crypto.getRandomValues(new Uint8Array(NONCE_SIZE));
  const { enc, wrappedKey } = await wrapDataKey(dataKey, tenderRaw, aad);
  const gcm = { name: "AES-GCM", iv: nonce, additionalData: aad, tagLength: 128 };
  let sealed = new Uint8Array(await subtle.encrypt(gcm, payloadKey, plaintext));
  plaintext = null; // a 20 MiB bid: each copy is let go as soon as the next is made
  let ciphertext = concat(commitment, sealed);
  sealed = null;
  const ciphertextSha256 = hex(await subtle.digest("SHA-256", ciphertext));
  const ciphertextText = b64url(ciphertext);
  ciphertext = null;

  // SealedBundle._fields, made version 2 by its vendor (bundle.seal_bid)
  const fields = {
    enc: b64url(enc),
    key_fingerprint: fingerprintOfKey,
    nonce: b64url(nonce),
    sealed_by: "vendor",
    signer,
    tender,
    tenant,
    v: BUNDLE_VERSION,
    vendor,
    wrapped_key: b64url(wrappedKey),
  };
  const message = concat(
    encoder.encode(BUNDLE_DOMAIN),
    encoder.encode(canonicalJson({ ...fields, ciphertext_sha256: ciphertextSha256 })),
  ); // SealedBundle.signed_message
  const signature = new Uint8Array(await subtle.sign({ name: "Ed25519" }, signingKey.privateKey, message));
  // SealedBundle.to_bytes: the canonical JSON of every field. "ciphertext" sorts first, so the bundle is
  // that field, then the others' object without its brace; all of it ASCII (base64url, hex, digits and
  // a tenant code), one byte a character, so the megabytes of base64 are written once, into the bytes.
  const others = canonicalJson({ ...fields, signature: b64url(signature) });
  const parts = ['{"ciphertext":"', ciphertextText, `",${others.slice(1)}`];
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) offset += encoder.encodeInto(part, bytes.subarray(offset)).written;
  const bundleSha256 = hex(await subtle.digest("SHA-256", bytes));
  const bundle = new Blob([bytes], { type: "application/json" });
  return { bundle, bundleSha256, ciphertextSha256, keyFingerprint: fingerprintOfKey, signer };
}

/**
 * A fresh Ed25519 key pair for the vendor's signing, made in the browser. The private half is not
 * extractable: a page (or a script injected into one) can sign with it but never read it, and a
 * CryptoKey keeps so in IndexedDB. `generateSigningKeyWithBackup` makes one with its backup file.
 */
export async function generateSigningKey({ extractable = false } = {}) {
  return await subtle.generateKey({ name: "Ed25519" }, extractable, ["sign", "verify"]);
}

/**
 * A fresh signing key pair whose private half is not extractable, with its one backup: the private
 * key as an encrypted PKCS#8 PEM file (`exportSigningKeyBackup`), the only time it can be read. The
 * page offers `backup` as a file to keep; the CLI (`lpse-hub`, `signatures.load_private_key_pem`)
 * reads it with the passphrase.
 */
export async function generateSigningKeyWithBackup(passphrase) {
  const extractable = await generateSigningKey({ extractable: true });
  const backup = await exportSigningKeyBackup(extractable.privateKey, passphrase);
  const pkcs8 = await subtle.exportKey("pkcs8", extractable.privateKey);
  const privateKey = await subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, false, ["sign"]);
  return { signingKey: { privateKey, publicKey: extractable.publicKey }, backup };
}

const PBKDF2_ITERATIONS = 600_000; // PBKDF2-HMAC-SHA256, as OWASP advises in 2023
const MINIMUM_PASSPHRASE = 12;
// DER of the object identifiers of PKCS#5 v2.1 (RFC 8018) and of AES-256-CBC (NIST).
const OID_PBES2 = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d];
const OID_PBKDF2 = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0c];
const OID_HMAC_SHA256 = [0x06, 0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x09];
const OID_AES256_CBC = [0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2a];

/**
 * An extractable Ed25519 private key as the CLI keeps one (`signatures.private_key_pem` with a
 * passphrase): PKCS#8 encrypted with PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC), PEM
 * `ENCRYPTED PRIVATE KEY`. WebCrypto derives and encrypts; this only writes the DER around it.
 */
export async function exportSigningKeyBackup(privateKey, passphrase) {
  if (typeof passphrase !== "string" || [...passphrase].length < MINIMUM_PASSPHRASE) {
    throw new SealingError(`a backup's passphrase is at least ${MINIMUM_PASSPHRASE} characters`, "passphrase");
  }
  const pkcs8 = await subtle.exportKey("pkcs8", privateKey);
  const salt = globalThis.crypto.getRandomValues(new Uint8Array(16));
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(16));
  const secret = await subtle.importKey("raw", encoder.encode(passphrase), "PBKDF2", false, ["deriveKey"]);
  const key = await subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations: PBKDF2_ITERATIONS },
    secret,
    { name: "AES-CBC", length: 256 },
    false,
    ["encrypt"],
  );
  const encrypted = new Uint8Array(await subtle.encrypt({ name: "AES-CBC", iv }, key, pkcs8));
  const der = sequence(
    sequence(
      OID_PBES2,
      sequence(
        sequence(
          OID_PBKDF2,
          sequence(octets(salt), integer(PBKDF2_ITERATIONS), sequence(OID_HMAC_SHA256, [0x05, 0x00])),
        ),
        sequence(OID_AES256_CBC, octets(iv)),
      ),
    ),
    octets(encrypted),
  );
  const lines = base64(der).match(/.{1,64}/g).join("\n");
  return `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${lines}\n-----END ENCRYPTED PRIVATE KEY-----\n`;
}

function tlv(tag, content) {
  const length = content.length;
  const header =
    length < 0x80 ? [tag, length] : length < 0x100 ? [tag, 0x81, length] : [tag, 0x82, length >> 8, length & 0xff];
  return Uint8Array.from([...header, ...content]);
}

function sequence(...parts) {
  return tlv(0x30, concat(...parts.map((part) => Uint8Array.from(part))));
}

function octets(bytes) {
  return tlv(0x04, bytes);
}

function integer(value) {
  const bytes = [];
  for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  if (bytes.length === 0 || bytes[0] & 0x80) bytes.unshift(0);
  return tlv(0x02, bytes);
}

/** The signing key's public half as the hub registers it: `ed25519:` and base64url (signatures.py). */
export async function encodeSigningPublicKey(publicKey) {
  return SIGNING_KEY_PREFIX + b64url(new Uint8Array(await subtle.exportKey("raw", publicKey)));
}

/** The key id by which bundles and the hub name a signing key (signatures.signing_key_id). */
export async function signingKeyId(publicKey) {
  return await fingerprint(new Uint8Array(await subtle.exportKey("raw", publicKey)));
}

/** A raw public key's fingerprint: the first 16 bytes of its SHA-256, hex in groups of four (tender_keys). */
export async function fingerprint(publicRaw) {
  const digest = hex(await subtle.digest("SHA-256", publicRaw)).slice(0, 32);
  return digest.match(/.{4}/g).join(":");
}

function checkBinding(tenant, tender, vendor) {
  if (typeof tenant !== "string" || !TENANT_CODE.test(tenant)) {
    throw new SealingError(`${JSON.stringify(tenant)} is not a tenant code`, "tenant");
  }
  for (const [field, id] of [["tender", tender], ["vendor", vendor]]) {
    if (!Number.isSafeInteger(id) || id <= 0) {
      throw new SealingError(`the ${field} id is a positive integer`, field);
    }
  }
}

function tenderKeyBytes(key) {
  let raw = key;
  if (typeof key === "string") {
    const text = key.trim();
    if (!text.startsWith(TENDER_KEY_PREFIX)) {
      throw new SealingError(`a tender key starts with ${JSON.stringify(TENDER_KEY_PREFIX)}`, "tender_key");
    }
    raw = b64urlDecode(text.slice(TENDER_KEY_PREFIX.length), "tender_key");
  }
  if (!(raw instanceof Uint8Array) || raw.length !== KEY_SIZE) {
    throw new SealingError(`the tender key is not ${KEY_SIZE} bytes`, "tender_key");
  }
  return raw;
}

/** The plaintext container (_container.pack): manifest length, manifest, every file's bytes. */
async function container(price, files) {
  const problem = priceProblem(price);
  if (problem) throw new SealingError(problem, "price");
  if (!Array.isArray(files)) throw new SealingError("the files are a list", "files");
  const seen = new Set();
  const entries = [];
  const contents = [];
  for (const file of files) {
    // A File from an <input type=file> as it is, or {name, contentType, data}.
    const isFile = file instanceof Blob;
    const name = file.name;
    const contentType = isFile ? file.type || "application/octet-stream" : file.contentType;
    const why = fileProblem(name, contentType);
    if (why) throw new SealingError(why, "files");
    if (seen.has(name)) throw new SealingError(`two files are named ${JSON.stringify(name)}`, "files");
    seen.add(name);
    const data = await bytesOf(isFile ? file : file.data);
    contents.push(data);
    entries.push({
      content_type: contentType,
      name,
      sha256: hex(await subtle.digest("SHA-256", data)),
      size: data.length,
    });
  }
  const manifest = encoder.encode(canonicalJson({ files: entries, price: BigInt(price) }));
  const total = 4 + manifest.length + contents.reduce((sum, data) => sum + data.length, 0);
  const plaintext = new Uint8Array(total);
  new DataView(plaintext.buffer).setUint32(0, manifest.length, false);
  plaintext.set(manifest, 4);
  let offset = 4 + manifest.length;
  for (const data of contents) {
    plaintext.set(data, offset);
    offset += data.length;
  }
  return plaintext;
}

function priceProblem(price) {
  const whole = typeof price === "bigint" || Number.isSafeInteger(price);
  if (!whole) return "the price is not a whole number of rupiah";
  if (BigInt(price) <= 0n) return "the price must be more than 0 rupiah";
  if (BigInt(price) > MAX_PRICE) return `the price is more than ${MAX_PRICE} rupiah`;
  return null;
}

/** _container.file_problem: a bare, printable name of 1 to 255 characters, and a content type. */
function fileProblem(name, contentType) {
  const characters = typeof name === "string" ? [...name] : [];
  if (characters.length < 1 || characters.length > 255) return "a file name is 1 to 255 characters";
  const unfit = (c) => c === "/" || c === "\\" || (c !== " " && UNPRINTABLE.test(c));
  if (name === "." || name === ".." || characters.some(unfit)) {
    return `file name ${JSON.stringify(name)} is not a bare file name`;
  }
  if (typeof contentType !== "string" || !CONTENT_TYPE.test(contentType)) {
    return `file ${JSON.stringify(name)} has no valid content type (type/subtype)`;
  }
  return null;
}

async function bytesOf(data) {
  if (data instanceof Blob) return new Uint8Array(await data.arrayBuffer());
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new SealingError("a file's data is a Blob, an ArrayBuffer or bytes", "files");
}

/** HKDF-SHA256 of the data key, no salt: the payload's AES key and the 32-byte key commitment. */
async function payloadKeys(dataKey) {
  const base = await subtle.importKey("raw", dataKey, "HKDF", false, ["deriveBits"]);
  const derived = new Uint8Array(
    await subtle.deriveBits(
      { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: encoder.encode(PAYLOAD_INFO) },
      base,
      2 * KEY_SIZE * 8,
    ),
  );
  const payloadKey = await subtle.importKey("raw", derived.slice(0, KEY_SIZE), "AES-GCM", false, ["encrypt"]);
  return { payloadKey, commitment: derived.slice(KEY_SIZE) };
}

/** HPKE base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM, the binding as `info`. */
async function wrapDataKey(dataKey, tenderRaw, aad) {
  const suite = new CipherSuite({ kem: await x25519Kem(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
  let recipientPublicKey;
  try {
    recipientPublicKey = await suite.kem.deserializePublicKey(tenderRaw);
  } catch {
    throw new SealingError("the tender key is not a usable X25519 public key", "tender_key");
  }
  try {
    const { ct, enc } = await suite.seal({ recipientPublicKey, info: aad }, dataKey);
    return { enc: new Uint8Array(enc), wrappedKey: new Uint8Array(ct) };
  } catch {
    throw new SealingError("the tender key is not a usable X25519 public key", "tender_key"); // a low-order point
  }
}

let kem = null;
/** WebCrypto's X25519 where the browser has it; the portable one (@hpke/dhkem-x25519) elsewhere. */
async function x25519Kem() {
  if (kem === null) {
    try {
      await subtle.generateKey({ name: "X25519" }, false, ["deriveBits"]);
      kem = new DhkemX25519HkdfSha256();
    } catch {
      kem = new PortableDhkemX25519HkdfSha256();
    }
  }
  return kem;
}

/** _codec.canonical_json: sorted keys, no spaces; strings as Python writes them with ensure_ascii off. */
export function canonicalJson(value) {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new SealingError("only whole numbers go into a bundle", "bundle");
    return String(value);
  }
  if (typeof value === "string") {
    if (!value.isWellFormed()) throw new SealingError("a text holds a lone surrogate", "bundle");
    return JSON.stringify(value); // escapes exactly what json.dumps(ensure_ascii=False) does
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const keys = Object.keys(value).sort(); // the keys here are ASCII: code units sort as code points
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(",")}}`;
}

/** Unpadded base64url (_codec.b64url_encode). */
export function b64url(bytes) {
  if (typeof bytes.toBase64 === "function") return bytes.toBase64({ alphabet: "base64url", omitPadding: true });
  return base64(bytes).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Standard, padded base64 (a PEM file's). */
function base64(bytes) {
  if (typeof bytes.toBase64 === "function") return bytes.toBase64();
  let binary = "";
  for (let start = 0; start < bytes.length; start += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(start, start + 0x8000));
  }
  return btoa(binary);
}

export function b64urlDecode(text, field) {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) {
    throw new SealingError("not base64url without padding", field);
  }
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/") + "=".repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

function concat(...parts) {
  const joined = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}
