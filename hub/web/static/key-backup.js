// Opening a private key file in the browser: PKCS#8 encrypted with PBES2 (RFC 8018), PBKDF2 with
// HMAC-SHA256 and AES-256-CBC, PEM `ENCRYPTED PRIVATE KEY`. That is what the CLI writes for a
// vendor's signing key (`signatures.private_key_pem`, with a passphrase), what the vendor's page
// writes (`sealing.exportSigningKeyBackup`), and what `cryptography`'s BestAvailableEncryption makes
// of a committee member's X25519 key (`key_shares.member_key_pem`: 2,048 PBKDF2 rounds). WebCrypto
// derives and decrypts; this only reads the DER around it. Used by bid.js and opening.js.

const OID = {
  pbes2: "2a864886f70d01050d",
  pbkdf2: "2a864886f70d01050c",
  hmacSha256: "2a864886f70d0209",
  aes256Cbc: "60864801650304012a",
};
const MAX_ITERATIONS = 10_000_000; // a file asking for more would hang the page, not protect the key
const english = document.documentElement.lang === "en";
const say = (id, en) => (english ? en : id);

/** One DER element at `at`: its tag, its content's bounds, and (constructed) its children. */
export function der(bytes, at = 0) {
  const tag = bytes[at];
  let length = bytes[at + 1];
  let start = at + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[start + i];
    start += count;
  }
  const end = start + length;
  if (end > bytes.length) throw new Error("truncated");
  const element = { tag, content: bytes.subarray(start, end), end, children: [] };
  if (tag & 0x20) {
    for (let next = start; next < end; next = element.children.at(-1).end) {
      element.children.push(der(bytes, next));
    }
  }
  return element;
}

const PEM = /-----BEGIN ENCRYPTED PRIVATE KEY-----([\s\S]+?)-----END ENCRYPTED PRIVATE KEY-----/;
const hexOf = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** A wrong passphrase: the caller says so next to the passphrase's field. */
export class WrongPassphrase extends Error {
  constructor() {
    super(say("frasa sandi salah", "the passphrase is wrong"));
    this.name = "WrongPassphrase";
  }
}

/** The PKCS#8 bytes (an ArrayBuffer) in an encrypted key file; `WrongPassphrase` if they do not decrypt. */
export async function decryptKeyBackup(pem, passphrase) {
  const body = pem.match(PEM);
  if (!body) {
    throw new Error(say("bukan berkas kunci terenkripsi (ENCRYPTED PRIVATE KEY)", "not an encrypted key file"));
  }
  const bytes = Uint8Array.from(atob(body[1].replace(/\s+/g, "")), (c) => c.charCodeAt(0));
  let salt, iterations, iv, encrypted;
  try {
    const [algorithm, data] = der(bytes).children;
    const [scheme, parameters] = algorithm.children;
    const [kdf, cipher] = parameters.children;
    const [kdfOid, kdfParameters] = kdf.children;
    const [saltElement, iterationElement, ...rest] = kdfParameters.children;
    const prf = rest.find((element) => element.tag === 0x30);
    const prfOid = prf ? hexOf(prf.children[0].content) : "";
    iterations = iterationElement.content.reduce((sum, b) => sum * 256 + b, 0);
    if (
      hexOf(scheme.content) !== OID.pbes2 ||
      hexOf(kdfOid.content) !== OID.pbkdf2 ||
      prfOid !== OID.hmacSha256 ||
      hexOf(cipher.children[0].content) !== OID.aes256Cbc ||
      iterations < 1 ||
      iterations > MAX_ITERATIONS
    ) {
      throw new Error("cipher");
    }
    salt = saltElement.content;
    iv = cipher.children[1].content;
    encrypted = data.content;
  } catch {
    throw new Error(
      say(
        "berkas ini tidak dienkripsi dengan PBKDF2-SHA256 dan AES-256-CBC; gunakan CLI lpse-hub",
        "this file is not encrypted with PBKDF2-SHA256 and AES-256-CBC; use the lpse-hub CLI",
      ),
    );
  }
  const subtle = crypto.subtle;
  const secret = await subtle.importKey("raw", new TextEncoder().encode(passphrase), "PBKDF2", false, [
    "deriveKey",
  ]);
  const key = await subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    secret,
    { name: "AES-CBC", length: 256 },
    false,
    ["decrypt"],
  );
  try {
    return await subtle.decrypt({ name: "AES-CBC", iv }, key, encrypted);
  } catch {
    throw new WrongPassphrase();
  }
}
