// The hub's signed bid receipts, checked in the vendor's browser, and what this browser keeps:
//
// - the browser's own database (IndexedDB "lpse-hub"): the signing keys bid.js keeps, and a record of
//   each bid this browser sealed and the hub accepted (tenant, tender, ocid, vendor, bundle_sha256,
//   sealed_at; nothing secret);
// - `checkReceipt`: a receipt's signature against the hub's published receipt keys
//   (GET /api/receipt-keys/), its fields against the vendor and tender, and its bundle_sha256
//   against what this browser sealed when it keeps a record of it (tenants/sealing/receipts.py has
//   the format). The tender's page (bid.js), my bids (/akun/penawaran, `#my-bids`) and a bid's
//   receipt page (`#receipt-check`) all check with it.
//
// The pages' sentences come from the page (data-* attributes, from workspace_texts.py).

import { canonicalJson } from "./sealing.js";

const DATABASE = "lpse-hub";
const DATABASE_VERSION = 2; // 1: signing keys alone
export const SIGNING_KEYS = "signing-keys";
const SEALED_BIDS = "sealed-bids";

function database() {
  return new Promise((resolve, reject) => {
    const opening = indexedDB.open(DATABASE, DATABASE_VERSION);
    opening.onupgradeneeded = () => {
      for (const name of [SIGNING_KEYS, SEALED_BIDS]) {
        if (!opening.result.objectStoreNames.contains(name)) opening.result.createObjectStore(name);
      }
    };
    opening.onsuccess = () => resolve(opening.result);
    opening.onerror = () => reject(opening.error);
  });
}

/** One request on one of the browser's stores, in its own transaction. */
export async function stored(storeName, mode, act) {
  const db = await database();
  try {
    return await new Promise((resolve, reject) => {
      const request = act(db.transaction(storeName, mode).objectStore(storeName));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  } finally {
    db.close();
  }
}

const sealedKey = (tenant, tender, vendor) => `${tenant}/${Number(tender)}/${Number(vendor)}`;

/** Record that this browser sealed the bid the hub accepted (a later bid replaces the record, as it
 * supersedes the bid). */
export async function recordSealed({ tenant, tender, ocid, vendor, bundleSha256 }) {
  const record = {
    tenant,
    tender: Number(tender),
    ocid,
    vendor: Number(vendor),
    bundle_sha256: bundleSha256,
    sealed_at: new Date().toISOString(),
  };
  await stored(SEALED_BIDS, "readwrite", (store) => store.put(record, sealedKey(tenant, tender, vendor)));
  return record;
}

/** What this browser sealed for the vendor's bid to the tender, or undefined (rejects when the
 * browser keeps no database, as a private window may not). */
export async function sealedRecord(tenant, tender, vendor) {
  return await stored(SEALED_BIDS, "readonly", (store) => store.get(sealedKey(tenant, tender, vendor)));
}

function b64urlBytes(text) {
  const base64 = text.replaceAll("-", "+").replaceAll("_", "/");
  return Uint8Array.from(atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4)), (c) => c.charCodeAt(0));
}

let published; // the hub's receipt keys, fetched once per page

function receiptKeys() {
  published ??= fetch("/api/receipt-keys/", { headers: { accept: "application/json" } }).then((answer) =>
    answer.ok ? answer.json() : [],
  );
  return published;
}

/** Whether the receipt is signed by one of the hub's published receipt keys. */
export async function signatureHolds(receipt) {
  try {
    const key = (await receiptKeys()).find((k) => k.kid === receipt.kid);
    if (!key || !key.public_key.startsWith("ed25519:") || typeof receipt.signature !== "string") return false;
    const raw = b64urlBytes(key.public_key.slice("ed25519:".length));
    const publicKey = await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
    const { signature, ...fields } = receipt;
    const message = new TextEncoder().encode(canonicalJson(fields));
    return await crypto.subtle.verify({ name: "Ed25519" }, publicKey, b64urlBytes(signature), message);
  } catch {
    return false; // a receipt that cannot be read does not hold
  }
}

/**
 * A receipt checked for the vendor's bid to the tender: `signature` (the hub's), `fields` (this
 * tenant, tender and vendor), `digest` ("same" or "differs" from what this browser sealed, "unknown"
 * when it keeps no record; `sealedSha256` overrides the record, as the tender's page knows what it
 * just sealed), and `holds`: all of them, a digest this browser cannot compare apart.
 */
export async function checkReceipt(receipt, { tenant, tender, vendor, sealedSha256 }) {
  const fields =
    receipt.tenant === tenant && receipt.tender === Number(tender) && receipt.vendor === Number(vendor);
  const signature = await signatureHolds(receipt);
  const record = sealedSha256 ? undefined : await sealedRecord(tenant, tender, vendor).catch(() => undefined);
  const sealed = sealedSha256 ?? record?.bundle_sha256;
  const digest = sealed === undefined ? "unknown" : receipt.bundle_sha256 === sealed ? "same" : "differs";
  return { signature, fields, digest, sealed, holds: signature && fields && digest !== "differs" };
}

// --- the pages ------------------------------------------------------------------------------

function parsed(text) {
  try {
    const receipt = JSON.parse(text);
    return receipt !== null && typeof receipt === "object" ? receipt : {};
  } catch {
    return {};
  }
}

/** A bid's receipt page: the verdict in words, each failing check named. */
async function receiptPage(section) {
  const texts = section.dataset;
  const verdict = document.getElementById("check-verdict");
  document.getElementById("check-nojs").hidden = true;
  verdict.textContent = texts.checking;
  const receipt = parsed(document.getElementById("receipt-text").textContent);
  const checked = await checkReceipt(receipt, texts);
  if (checked.sealed !== undefined) {
    document.getElementById("sealed-here").textContent = checked.sealed;
    document.getElementById("check-sealed").hidden = false;
  }
  if (checked.holds) {
    verdict.textContent = checked.digest === "same" ? texts.holds : texts.holdsElsewhere;
  } else {
    const reasons = [
      checked.signature ? null : texts.failsSignature,
      checked.fields ? null : texts.failsFields,
      checked.digest === "differs" ? texts.failsDigest : null,
    ];
    verdict.textContent = `${texts.fails} ${reasons.filter(Boolean).join("; ")}.`;
  }
  verdict.className = checked.holds ? "up" : "notice";
  verdict.dataset.verified = String(checked.holds);
  verdict.dataset.digest = checked.digest;
}

/** My bids: each receipt marked as holding or not. */
async function bidsPage(list) {
  const { vendor, holds, fails } = list.dataset;
  for (const bid of list.querySelectorAll("[data-receipt-of]")) {
    const [tenant, tender] = bid.dataset.receiptOf.split("/");
    const receipt = parsed(bid.querySelector("pre.receipt").textContent);
    const checked = await checkReceipt(receipt, { tenant, tender, vendor });
    const mark = bid.querySelector(".receipt-mark");
    mark.textContent = checked.holds ? holds : fails;
    mark.className = `receipt-mark badge ${checked.holds ? "up" : "down"}`;
    mark.dataset.verified = String(checked.holds);
    mark.hidden = false;
  }
}

const receiptSection = document.getElementById("receipt-check");
if (receiptSection) receiptPage(receiptSection);
const bidList = document.getElementById("my-bids");
if (bidList) bidsPage(bidList);
