/**
 * Certificates for TLS tests, generated at test time with the `openssl` command line into a temp
 * dir (no key is ever committed) and cached for the rest of the process:
 * - `ca`: a test CA (valid ten years);
 * - `valid`: localhost / 127.0.0.1, signed by the CA, valid 30 days;
 * - `expired`: localhost / 127.0.0.1, signed by the CA, expired in 2021;
 * - `selfSigned`: localhost / 127.0.0.1, signed by itself;
 * - `wrongHost`: only `other.invalid`, signed by the CA.
 * When openssl is missing, `opensslMissing` holds the reason and TLS tests skip with it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';

export interface KeyPair {
  key: string;
  cert: string;
  certPath: string;
  keyPath: string;
  /** The certificate's notAfter. */
  notAfter: Date;
}

export interface TestCerts {
  dir: string;
  /** The CA certificate (PEM): what a client must trust to accept `valid`, `expired` and `wrongHost`. */
  ca: string;
  caPath: string;
  valid: KeyPair;
  expired: KeyPair;
  selfSigned: KeyPair;
  wrongHost: KeyPair;
}

function findOpenssl(): string | undefined {
  try {
    execFileSync('openssl', ['version'], { stdio: 'pipe' });
    return undefined;
  } catch {
    return 'the openssl command line is not installed (apt-get install openssl): TLS tests skipped';
  }
}

/** Why TLS tests cannot run here, or undefined when they can. */
export const opensslMissing: string | undefined = findOpenssl();

let cached: TestCerts | undefined;

/** The test certificates (generated once per process). Throws when openssl is missing. */
export function testCerts(): TestCerts {
  if (opensslMissing) throw new Error(opensslMissing);
  cached ??= generate();
  return cached;
}

const LOCAL_SAN = 'DNS:localhost,IP:127.0.0.1';

function generate(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-certs-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const p = (f: string) => join(dir, f);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const newKey = (name: string) => ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', p(`${name}.key`));

  // The CA, and a minimal `openssl ca` setup so that leaves can carry any validity window
  // (`openssl x509 -req` cannot date a certificate in the past).
  newKey('ca');
  ssl('req', '-x509', '-new', '-key', p('ca.key'), '-subj', '/CN=Outpost Test CA', '-days', '3650', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', p('ca.crt'));
  writeFileSync(p('index.txt'), '');
  writeFileSync(p('serial'), '1000\n');
  writeFileSync(
    p('ca.cnf'),
    [
      '[ca]',
      'default_ca = test_ca',
      '[test_ca]',
      `dir = ${dir}`,
      'database = $dir/index.txt',
      'serial = $dir/serial',
      'new_certs_dir = $dir',
      'default_md = sha256',
      'policy = any',
      'unique_subject = no',
      'copy_extensions = none',
      '[any]',
      'commonName = supplied',
      '',
    ].join('\n'),
  );

  const leaf = (name: string, cn: string, san: string, window: { start: string; end: string } | { days: number }): KeyPair => {
    newKey(name);
    ssl('req', '-new', '-key', p(`${name}.key`), '-subj', `/CN=${cn}`, '-out', p(`${name}.csr`));
    writeFileSync(p(`${name}.ext`), `[leaf]\nsubjectAltName = ${san}\nbasicConstraints = CA:FALSE\nextendedKeyUsage = serverAuth\n`);
    const dates = 'days' in window ? ['-days', String(window.days)] : ['-startdate', window.start, '-enddate', window.end];
    ssl('ca', '-batch', '-config', p('ca.cnf'), '-cert', p('ca.crt'), '-keyfile', p('ca.key'), '-in', p(`${name}.csr`), '-out', p(`${name}.crt`), '-extfile', p(`${name}.ext`), '-extensions', 'leaf', '-notext', ...dates);
    return pair(name);
  };
  const pair = (name: string): KeyPair => {
    const cert = readFileSync(p(`${name}.crt`), 'utf8');
    return { key: readFileSync(p(`${name}.key`), 'utf8'), cert, certPath: p(`${name}.crt`), keyPath: p(`${name}.key`), notAfter: new Date(new X509Certificate(cert).validTo) };
  };

  const valid = leaf('valid', 'localhost', LOCAL_SAN, { days: 30 });
  const expired = leaf('expired', 'localhost', LOCAL_SAN, { start: '20200101000000Z', end: '20210101000000Z' });
  const wrongHost = leaf('wrong-host', 'other.invalid', 'DNS:other.invalid', { days: 30 });
  newKey('self');
  ssl('req', '-x509', '-new', '-key', p('self.key'), '-subj', '/CN=localhost', '-days', '30', '-addext', `subjectAltName=${LOCAL_SAN}`, '-out', p('self.crt'));
  const selfSigned = pair('self');

  return { dir, ca: readFileSync(p('ca.crt'), 'utf8'), caPath: p('ca.crt'), valid, expired, selfSigned, wrongHost };
}
