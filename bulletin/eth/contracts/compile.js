// Compiles BulletinBoard.sol with the solc pinned in package.json (npm
// package `solc`, the Emscripten build: no download at run time) through
// the standard JSON interface, and writes BulletinBoard.abi and
// BulletinBoard.bin next to it. Run by `make contracts`; the outputs are
// checked in, and `make check-generated` fails if they are stale.
//
// The settings are fixed here and nowhere else: the IR pipeline (viaIR;
// appendBatch has too many live values for the legacy code generator),
// optimizer on (200 runs), evmVersion cancun, and no metadata in the
// bytecode, so that the binary depends only on the code and these settings,
// not on comments or file paths.
'use strict';

const fs = require('fs');
const path = require('path');
const solc = require('solc');

const WANT_SOLC = '0.8.37';
const NAME = 'BulletinBoard';

const version = solc.version();
if (!version.startsWith(WANT_SOLC + '+')) {
  console.error(`compile.js: solc ${version}, want ${WANT_SOLC} (run npm ci)`);
  process.exit(1);
}

const source = fs.readFileSync(path.join(__dirname, NAME + '.sol'), 'utf8');
const input = {
  language: 'Solidity',
  sources: { [NAME + '.sol']: { content: source } },
  settings: {
    evmVersion: 'cancun',
    viaIR: true,
    optimizer: { enabled: true, runs: 200 },
    metadata: { bytecodeHash: 'none', appendCBOR: false },
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
  },
};

const output = JSON.parse(solc.compile(JSON.stringify(input)));
let failed = false;
for (const e of output.errors || []) {
  console.error(e.formattedMessage || e.message);
  if (e.severity === 'error') failed = true;
}
if (failed) process.exit(1);

// The outputs go next to the source, or into the directory given as the
// first argument (the test that checks the checked-in files are current).
const outDir = process.argv[2] || __dirname;
const contract = output.contracts[NAME + '.sol'][NAME];
fs.writeFileSync(path.join(outDir, NAME + '.abi'), JSON.stringify(contract.abi, null, 2) + '\n');
fs.writeFileSync(path.join(outDir, NAME + '.bin'), contract.evm.bytecode.object + '\n');
console.log(`compile.js: ${NAME} with solc ${version}, evm cancun: ${contract.evm.bytecode.object.length / 2} bytes of init code`);
