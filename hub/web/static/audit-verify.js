// The audit trail, checked in the auditor's browser (/kantor/{slug}/audit, #audit-log).
//
// Each entry shown carries every field its hash covers (data-* attributes, AuditEntry.to_dict). The
// hash is recomputed here exactly as tenants/audit/canonical.py defines it:
//
//   sha256(prev_hash + canonical JSON of {action, actor_id, at, payload, seq, subject})
//
// canonical JSON being Python's json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False):
// keys sorted by code point, no spaces, strings escaped as JSON.stringify escapes them (the same set).
// Numbers keep the text the page gives them (Python's own writing of them, `1.0` stays `1.0`), so the
// payload is read by the small parser below, never through JSON.parse's doubles. SHA-256 is WebCrypto's.
//
// Then the links: an entry's prev_hash is the hash of the entry before it when that one is shown (the
// first entry of the log follows 64 zeros), and the entry the latest signed checkpoint names must have
// the checkpoint's hash. A page filtered by tender shows entries that are not neighbours: each is
// checked on its own. The sentences come from the page (data-* attributes of #audit-verify).

const GENESIS = "0".repeat(64);
const encoder = new TextEncoder();

/** A JSON number kept as its text. */
class NumberText {
  constructor(text) {
    this.text = text;
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const SPACE = /[ \t\n\r]*/y;

/** JSON text to a value whose numbers are NumberTexts (strict JSON; SyntaxError otherwise). */
export function parseJson(text) {
  let at = 0;
  const space = () => {
    SPACE.lastIndex = at;
    SPACE.exec(text);
    at = SPACE.lastIndex;
  };
  const expect = (c) => {
    if (text[at] !== c) throw new SyntaxError(`expected ${c} at ${at}`);
    at += 1;
  };
  const string = () => {
    const start = at;
    expect('"');
    while (text[at] !== '"') {
      if (at >= text.length) throw new SyntaxError("unterminated string");
      at += text[at] === "\\" ? 2 : 1;
    }
    at += 1;
    return JSON.parse(text.slice(start, at));
  };
  const value = () => {
    space();
    const c = text[at];
    let found;
    if (c === "{") {
      at += 1;
      found = {};
      space();
      if (text[at] === "}") at += 1;
      else {
        for (;;) {
          space();
          const key = string();
          space();
          expect(":");
          Object.defineProperty(found, key, { value: value(), enumerable: true, writable: true });
          space();
          if (text[at] === ",") at += 1;
          else {
            expect("}");
            break;
          }
        }
      }
    } else if (c === "[") {
      at += 1;
      found = [];
      space();
      if (text[at] === "]") at += 1;
      else {
        for (;;) {
          found.push(value());
          space();
          if (text[at] === ",") at += 1;
          else {
            expect("]");
            break;
          }
        }
      }
    } else if (c === '"') found = string();
    else if (text.startsWith("true", at)) [found, at] = [true, at + 4];
    else if (text.startsWith("false", at)) [found, at] = [false, at + 5];
    else if (text.startsWith("null", at)) [found, at] = [null, at + 4];
    else {
      NUMBER.lastIndex = at;
      const number = NUMBER.exec(text);
      if (number === null) throw new SyntaxError(`unexpected ${c} at ${at}`);
      found = new NumberText(number[0]);
      at = NUMBER.lastIndex;
    }
    space();
    return found;
  };
  const parsed = value();
  if (at !== text.length) throw new SyntaxError(`trailing text at ${at}`);
  return parsed;
}

/** Python's order of str keys: by code point (JavaScript's sort compares UTF-16 code units). */
function byCodePoint(a, b) {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i += 1) {
    const d = x[i].codePointAt(0) - y[i].codePointAt(0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** tenants.audit.canonical.canonical_json of a parsed value. */
export function canonicalJson(value) {
  if (value === null) return "null";
  if (value === true) return "true";
  if (value === false) return "false";
  if (value instanceof NumberText) return value.text;
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const keys = Object.keys(value).sort(byCodePoint);
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(",")}}`;
}

/** tenants.audit.canonical.entry_hash: `entry` has seq, at, actor_id (text, "" for none), action,
 * subject and payload (its JSON text) as the page writes them. */
export async function entryHash(prevHash, entry) {
  const content = canonicalJson({
    seq: new NumberText(String(entry.seq)),
    at: entry.at,
    actor_id: entry.actor_id === "" || entry.actor_id === null ? null : new NumberText(String(entry.actor_id)),
    action: entry.action,
    subject: entry.subject,
    payload: parseJson(entry.payload),
  });
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(prevHash + content));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

function entryOf(row) {
  const d = row.dataset;
  return {
    seq: Number(d.seq),
    at: d.at,
    actor_id: d.actor,
    action: d.action,
    subject: d.subject,
    payload: d.payload,
    prev: d.prev,
    hash: d.hash,
  };
}

const said = (template, values) => template.replace(/\{(\w+)\}/g, (_, name) => String(values[name]));

/** The first problem of the shown entries, or null: [seq, sentence key]. */
async function problemOf(entries, filtered) {
  let before = null;
  for (const entry of entries) {
    if ((await entryHash(entry.prev, entry)) !== entry.hash) return [entry.seq, "broken"];
    if (!filtered) {
      const follows = before !== null && before.seq === entry.seq - 1;
      if ((entry.seq === 1 && entry.prev !== GENESIS) || (follows && entry.prev !== before.hash)) {
        return [entry.seq, "unlinked"];
      }
    }
    before = entry;
  }
  return null;
}

async function check(box) {
  const out = box.querySelector("#browser-check");
  const rows = [...document.querySelectorAll("#audit-log tr.audit-entry")];
  const entries = rows.map(entryOf);
  const filtered = box.dataset.filteredLog === "1";
  const problem = await problemOf(entries, filtered);
  for (const [i, entry] of entries.entries()) {
    const mark = rows[i].querySelector(".entry-mark");
    const bad = problem !== null && entry.seq >= problem[0];
    mark.textContent = bad ? "✗" : "✓";
    if (bad) rows[i].classList.add("flag");
  }
  const sentences = [];
  if (problem === null) sentences.push(said(box.dataset.holds, { n: entries.length }));
  else sentences.push(said(box.dataset[problem[1]], { seq: problem[0] }));
  if (filtered) sentences.push(box.dataset.filtered);
  const checkpointSeq = Number(box.dataset.checkpointSeq || 0);
  let checkpointDiffers = false;
  if (checkpointSeq) {
    const named = entries.find((entry) => entry.seq === checkpointSeq);
    if (named === undefined) sentences.push(said(box.dataset.checkpointElsewhere, { seq: checkpointSeq }));
    else if (named.hash === box.dataset.checkpointHash) {
      sentences.push(said(box.dataset.checkpointMatches, { seq: checkpointSeq }));
    } else {
      checkpointDiffers = true;
      sentences.push(said(box.dataset.checkpointDiffers, { seq: checkpointSeq }));
    }
  }
  const broken = problem !== null || checkpointDiffers;
  out.textContent = sentences.join(" ");
  out.className = broken ? "flag" : "held";
  out.dataset.result = broken ? "broken" : "holds";
}

const box = document.getElementById("audit-verify");
if (box !== null) {
  check(box).catch((error) => {
    const out = box.querySelector("#browser-check");
    out.textContent = `${box.dataset.failed} ${error}`;
    out.className = "flag";
    out.dataset.result = "failed";
  });
}
