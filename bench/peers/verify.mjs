// Verifies one quote with @phala/dcap-qvl (pure JS) against a given root CA and prints one JSON
// line: {"ok":true,"status":"…","advisoryIds":[…]} or {"ok":false,"error":"…"}.
// Used by kubesgx's differential test of the simulated platform.
// Usage: node verify.mjs QUOTE COLLATERAL_JSON ROOT_CA_DER UNIX_TIME
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const [quotePath, collateralPath, rootPath, timeArg] = process.argv.slice(2);
if (!quotePath || !collateralPath || !rootPath || !timeArg) {
  console.error('usage: node verify.mjs QUOTE COLLATERAL_JSON ROOT_CA_DER UNIX_TIME');
  process.exit(2);
}
const { QuoteVerifier } = require('@phala/dcap-qvl/src/verify.js');
try {
  const verifier = QuoteVerifier.newWithRootCa(readFileSync(rootPath));
  const r = verifier.verify(new Uint8Array(readFileSync(quotePath)),
    JSON.parse(readFileSync(collateralPath, 'utf8')), Number(timeArg));
  console.log(JSON.stringify({ ok: true, status: r.status, advisoryIds: [...(r.advisory_ids ?? [])].sort() }));
} catch (e) {
  let msg = String(e?.message ?? e);
  if (e?.cause) msg += ': ' + String(e.cause?.message ?? e.cause);
  console.log(JSON.stringify({ ok: false, error: msg }));
}
