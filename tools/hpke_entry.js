// What hub/web/static/vendor/hpke/hpke.js exports: HPKE (RFC 9180) from @hpke/core, and the
// portable X25519 KEM of @hpke/dhkem-x25519 for a browser whose WebCrypto has no X25519.
// Bundled by tools/vendor_assets.py (esbuild, pinned in package.json); do not edit the output.
export { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from "@hpke/core";
export { DhkemX25519HkdfSha256 as PortableDhkemX25519HkdfSha256 } from "@hpke/dhkem-x25519";
