// Times the npm `tiktoken` package (WebAssembly) on a file cut into the documents `tokmix bench` uses:
// at least 4,096 bytes, cut at line ends. Usage: node bench-tiktoken.mjs FILE ENCODING
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const require = createRequire(resolve(process.env.NODE_PATH) + '/');
const { get_encoding } = require('tiktoken');
const [file, encodingName] = process.argv.slice(2);
const bytes = readFileSync(file);
const docs = [];
for (let start = 0; start < bytes.length;) {
  let end = Math.min(bytes.length, start + 4096);
  while (end < bytes.length && bytes[end - 1] !== 0x0a) end++;
  docs.push(bytes.subarray(start, end).toString('utf8'));
  start = end;
}
const enc = get_encoding(encodingName);
const pass = () => {
  let n = 0;
  for (const d of docs) n += enc.encode_ordinary(d).length;
  return n;
};
const run = (seconds) => {
  const t0 = process.hrtime.bigint();
  let passes = 0;
  let tokens = 0;
  let now;
  do {
    tokens += pass();
    passes++;
    now = process.hrtime.bigint();
  } while (Number(now - t0) / 1e9 < seconds);
  const s = Number(now - t0) / 1e9;
  return { mb: (passes * bytes.length) / 1e6 / s, tps: tokens / s, tokens: tokens / passes };
};
run(3);
const r = run(3);
console.log(`${encodingName} on ${file}: ${bytes.length} bytes in ${docs.length} documents`);
console.log(`tiktoken (npm wasm)  ${r.mb.toFixed(2)} MB/s  ${Math.round(r.tps).toLocaleString('en-US')} tokens/s`
  + `  (${r.tokens} tokens)`);
enc.free();
