// Prints binding.ts's REPORT_DATA forms and device nonce for the interop suite (tests/trustee.rs):
// node --import tsx interop/trustee/binding.mts NONCE JWK_FILE ALG ADDITIONAL_EVIDENCE_FILE
import { readFileSync } from 'node:fs';
import { deviceNonce, expectedReportData, legacyReportData, type HashAlg } from '../../electron/vault/binding.ts';

const [nonce, jwkFile, alg, aeFile] = process.argv.slice(2) as [string, string, HashAlg, string];
const jwk = JSON.parse(readFileSync(jwkFile, 'utf8'));
const ae = readFileSync(aeFile, 'utf8');
process.stdout.write(JSON.stringify({
  report_data: expectedReportData(nonce, jwk, alg, ae).toString('hex'),
  legacy: legacyReportData(nonce, jwk, alg).toString('hex'),
  device_nonce: deviceNonce(nonce, jwk, alg).toString('hex'),
}));
