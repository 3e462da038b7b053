// Times @phala/dcap-qvl (pure JS) and @phala/dcap-qvl-web (Rust compiled to WASM) on one quote and
// collateral, in one thread, for a fixed duration each; prints "<peer> quotes_per_second=<n>".
// Usage: node peers.mjs QUOTE COLLATERAL_JSON UNIX_TIME SECONDS
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const [quotePath, collateralPath, timeArg, secondsArg] = process.argv.slice(2);
if (!quotePath || !collateralPath || !timeArg) {
  console.error('usage: node peers.mjs QUOTE COLLATERAL_JSON UNIX_TIME [SECONDS]');
  process.exit(2);
}
const seconds = Number(secondsArg ?? '5');
let quote = readFileSync(quotePath);
const text = quote.toString('latin1').trim();
if (/^(0x)?[0-9a-fA-F\s]+$/.test(text)) {
  quote = Buffer.from(text.replace(/^0x/, '').replace(/\s+/g, ''), 'hex');
}
const collateralText = readFileSync(collateralPath, 'utf8');
const now = Number(timeArg);

function run(name, fn) {
  try {
    const r = fn();
    const status = r?.status ?? r?.get?.('status') ?? JSON.stringify(r).slice(0, 60);
    const warmupEnd = performance.now() + Math.min(2, seconds / 4) * 1000;
    while (performance.now() < warmupEnd) fn();
    let n = 0;
    const start = performance.now();
    let t = start;
    do {
      fn();
      n++;
      t = performance.now();
    } while (t - start < seconds * 1000);
    console.log(`${name} status=${status} verifications=${n} quotes_per_second=${(n / ((t - start) / 1000)).toFixed(1)}`);
  } catch (e) {
    console.log(`${name} error=${JSON.stringify(String(e?.message ?? e))} quotes_per_second=0`);
  }
}

const js = require('@phala/dcap-qvl/src/verify.js');
run('dcap-qvl-js', () => js.verify(new Uint8Array(quote), JSON.parse(collateralText), now));

const wasmPath = require.resolve('@phala/dcap-qvl-web/dcap-qvl-web_bg.wasm');
const web = await import('@phala/dcap-qvl-web');
web.initSync({ module: readFileSync(wasmPath) });
run('dcap-qvl-web', () => web.js_verify(new Uint8Array(quote), JSON.parse(collateralText), BigInt(now)));
