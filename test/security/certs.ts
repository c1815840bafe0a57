/**
 * Test certificates made at test time with the `openssl` command line: a CA, and leaf
 * certificates signed by it (valid for 127.0.0.1, for another name, or already expired), plus a
 * self-signed one. Everything lives in a temporary directory; `cleanup()` removes it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pem {
  cert: string;
  key: string;
  certPath: string;
  keyPath: string;
}

export interface TestCerts {
  dir: string;
  /** The CA's certificate (PEM), to trust through `tls.ca`. */
  ca: string;
  caPath: string;
  /** Signed by the CA, subjectAltName IP:127.0.0.1 and DNS:localhost. */
  valid: Pem;
  /** Signed by the CA, for `other.test` only. */
  wrongHost: Pem;
  /** Signed by the CA for 127.0.0.1, valid only in January 2020. */
  expired: Pem;
  /** Self-signed for 127.0.0.1 (not trusted by anyone). */
  selfSigned: Pem;
  cleanup(): void;
}

const openssl = (cwd: string, args: string[]): void => {
  execFileSync('openssl', args, { cwd, stdio: 'pipe', timeout: 20_000 });
};

/** A minimal `openssl ca` setup, the only way OpenSSL 3.0 sets arbitrary validity dates. */
const CA_CONF = `
[ ca ]
default_ca = testca
[ testca ]
dir = .
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = anything
copy_extensions = copy
unique_subject = no
[ anything ]
commonName = supplied
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = placeholder
`;

export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-certs-'));
  writeFileSync(join(dir, 'ca.cnf'), CA_CONF);
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=Outpost Test CA']);

  const leaf = (name: string, cn: string, san: string, dates?: [string, string]): Pem => {
    openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`, '-addext', `subjectAltName=${san}`]);
    const validity = dates ? ['-startdate', dates[0], '-enddate', dates[1]] : ['-days', '2'];
    openssl(dir, ['ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.crt', '-keyfile', 'ca.key', '-in', `${name}.csr`, '-out', `${name}.crt`, '-notext', ...validity]);
    return pem(dir, name);
  };

  const valid = leaf('valid', '127.0.0.1', 'IP:127.0.0.1,DNS:localhost');
  const wrongHost = leaf('wrong-host', 'other.test', 'DNS:other.test');
  const expired = leaf('expired', '127.0.0.1', 'IP:127.0.0.1,DNS:localhost', ['20200101000000Z', '20200102000000Z']);
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'self.key', '-out', 'self.crt', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
  const selfSigned = pem(dir, 'self');
  return {
    dir,
    ca: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    caPath: join(dir, 'ca.crt'),
    valid,
    wrongHost,
    expired,
    selfSigned,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function pem(dir: string, name: string): Pem {
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8'), certPath, keyPath };
}
