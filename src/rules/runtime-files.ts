/**
 * EG401–EG403: files a pure-Go program reads at run time that the base may lack — the CA
 * bundle (crypto/x509), zoneinfo (time.LoadLocation) and /etc/passwd (os/user). The search
 * lists are Go's own (crypto/x509/root_linux.go, time/zoneinfo_unix.go).
 */
import type { Finding } from '../findings.js';
import type { ImageView } from '../image/types.js';
import { ruleMeta } from './catalog.js';
import { blameFile, finding, isExecutableFile, type Rule } from './context.js';

const CERT_FILES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/pki/tls/cacert.pem',
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem',
  '/etc/ssl/cert.pem',
];
const CERT_DIRS = ['/etc/ssl/certs', '/etc/pki/tls/certs'];
const ZONEINFO_DIRS = ['/usr/share/zoneinfo', '/usr/share/lib/zoneinfo', '/usr/lib/locale/TZ'];

function envValue(view: ImageView, name: string): string | null {
  let value: string | null = null;
  for (const entry of view.config.env)
    if (entry.startsWith(`${name}=`)) value = entry.slice(name.length + 1);
  return value;
}

function isFile(view: ImageView, p: string): boolean {
  const r = view.resolve(p);
  return r.found && r.file.type === 'file';
}

/** A directory (after symlinks) with at least one file in it. */
function hasFilesUnder(view: ImageView, dir: string): boolean {
  const r = view.resolve(dir);
  if (!r.found || r.file.type !== 'dir') return false;
  const prefix = r.path === '/' ? '/' : r.path + '/';
  for (const p of view.files.keys()) if (p.startsWith(prefix)) return true;
  return false;
}

/** Where Go would find CA certificates, or null. */
export function caBundle(view: ImageView): string | null {
  const fromEnv = envValue(view, 'SSL_CERT_FILE');
  if (fromEnv && isFile(view, fromEnv)) return `${fromEnv} (SSL_CERT_FILE)`;
  for (const dir of (envValue(view, 'SSL_CERT_DIR') ?? '').split(':')) {
    if (dir && hasFilesUnder(view, dir)) return `${dir} (SSL_CERT_DIR)`;
  }
  for (const f of CERT_FILES) if (isFile(view, f)) return f;
  for (const d of CERT_DIRS) if (hasFilesUnder(view, d)) return d;
  return null;
}

export const runtimeFileRules: Rule = {
  ids: ['EG401', 'EG402', 'EG403'],
  check(ctx) {
    const view = ctx.image;
    const findings: Finding[] = [];
    const bundle = caBundle(view);
    const zoneinfo =
      envValue(view, 'ZONEINFO') ?? ZONEINFO_DIRS.find((d) => hasFilesUnder(view, d)) ?? null;
    const passwd = isFile(view, '/etc/passwd');
    for (const file of view.files.values()) {
      const elf = file.elf;
      if (
        file.type !== 'file' ||
        file.linkTarget !== null ||
        !elf?.goSignals ||
        !isExecutableFile(file.mode)
      )
        continue;
      const signals = elf.goSignals;
      if (signals.x509SystemRoots && bundle === null) {
        findings.push(
          finding(
            'EG401',
            ruleMeta('EG401').defaultLevel,
            file.path,
            `${file.path} verifies TLS certificates against the system roots, and the image has no CA bundle`,
            [
              'linked: crypto/x509.loadSystemRoots',
              `none of ${CERT_FILES.join(', ')} exists; ${CERT_DIRS.join(' and ')} are empty or absent; SSL_CERT_FILE/SSL_CERT_DIR unset`,
            ],
            blameFile(ctx, file.path),
          ),
        );
      }
      if (signals.timeLoadLocation && !signals.embeddedTzdata && zoneinfo === null) {
        findings.push(
          finding(
            'EG402',
            ruleMeta('EG402').defaultLevel,
            file.path,
            `${file.path} can load time zones by name, and the image has no zoneinfo (and no embedded time/tzdata)`,
            [
              'linked: time.LoadLocation; not linked: time/tzdata',
              `${ZONEINFO_DIRS.join(', ')}: absent or empty; ZONEINFO unset`,
            ],
            blameFile(ctx, file.path),
          ),
        );
      }
      if (signals.osUser && !passwd) {
        findings.push(
          finding(
            'EG403',
            ruleMeta('EG403').defaultLevel,
            file.path,
            `${file.path} looks up users (os/user), and the image has no /etc/passwd`,
            [
              `linked: os/user${signals.cgoUser ? ' (cgo, through NSS)' : ' (pure Go, reads /etc/passwd and /etc/group)'}`,
            ],
            blameFile(ctx, file.path),
          ),
        );
      }
    }
    return findings;
  },
};
