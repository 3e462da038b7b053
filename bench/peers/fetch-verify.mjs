// Fetches collateral for a quote from a PCS/PCCS with @phala/dcap-qvl's own collateral client
// (getCollateral: pckcrl, tcb, qe/identity, rootcacrl and the issuer-chain headers), then verifies
// the quote with it against a given root CA. Prints one JSON line like verify.mjs.
// Used by kubesgx's test of the simulated PCS against an independent client.
// Usage: node fetch-verify.mjs PCCS_URL QUOTE ROOT_CA_DER UNIX_TIME
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const [pccsUrl, quotePath, rootPath, timeArg] = process.argv.slice(2);
if (!pccsUrl || !quotePath || !rootPath || !timeArg) {
  console.error('usage: node fetch-verify.mjs PCCS_URL QUOTE ROOT_CA_DER UNIX_TIME');
  process.exit(2);
}
const { getCollateral } = require('@phala/dcap-qvl/src/collateral.js');
const { QuoteVerifier } = require('@phala/dcap-qvl/src/verify.js');
const quote = new Uint8Array(readFileSync(quotePath));
let collateral;
try {
  collateral = await getCollateral(pccsUrl, quote);
} catch (e) {
  console.log(JSON.stringify({ ok: false, stage: 'fetch', error: String(e?.message ?? e) }));
  process.exit(0);
}
try {
  const r = QuoteVerifier.newWithRootCa(readFileSync(rootPath)).verify(quote, collateral, Number(timeArg));
  console.log(JSON.stringify({ ok: true, status: r.status, advisoryIds: [...(r.advisory_ids ?? [])].sort(),
    tcbInfoFmspc: JSON.parse(collateral.tcb_info).fmspc }));
} catch (e) {
  let msg = String(e?.message ?? e);
  if (e?.cause) msg += ': ' + String(e.cause?.message ?? e.cause);
  console.log(JSON.stringify({ ok: false, stage: 'verify', error: msg }));
}
