/**
 * Files a pure-Go program reads at run time that the base may lack, for EG401–EG403: the CA
 * bundle (crypto/x509), zoneinfo (time.LoadLocation) and /etc/passwd (os/user). The search
 * lists are Go's own (crypto/x509/root_linux.go, time/zoneinfo_unix.go).
 */
import type { GoSignals } from '../../elf/types.js';
import type { ImageFile, ImageView } from '../../image/types.js';
import { isExecutableFile } from '../context.js';
import { imageEnv } from '../facts.js';

export const CERT_FILES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/pki/tls/cacert.pem',
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem',
  '/etc/ssl/cert.pem',
];
export const CERT_DIRS = ['/etc/ssl/certs', '/etc/pki/tls/certs'];
export const ZONEINFO_DIRS = [
  '/usr/share/zoneinfo',
  '/usr/share/lib/zoneinfo',
  '/usr/lib/locale/TZ',
];

export function isFile(view: ImageView, p: string): boolean {
  const r = view.resolve(p);
  return r.found && r.file.type === 'file';
}

/** A directory (after symlinks) with at least one file in it. */
export function hasFilesUnder(view: ImageView, dir: string): boolean {
  const r = view.resolve(dir);
  if (!r.found || r.file.type !== 'dir') return false;
  const prefix = r.path === '/' ? '/' : r.path + '/';
  for (const p of view.files.keys()) if (p.startsWith(prefix)) return true;
  return false;
}

/** Where Go would find CA certificates, or null. */
export function caBundle(view: ImageView): string | null {
  const fromEnv = imageEnv(view, 'SSL_CERT_FILE');
  if (fromEnv && isFile(view, fromEnv)) return `${fromEnv} (SSL_CERT_FILE)`;
  for (const dir of (imageEnv(view, 'SSL_CERT_DIR') ?? '').split(':')) {
    if (dir && hasFilesUnder(view, dir)) return `${dir} (SSL_CERT_DIR)`;
  }
  for (const f of CERT_FILES) if (isFile(view, f)) return f;
  for (const d of CERT_DIRS) if (hasFilesUnder(view, d)) return d;
  return null;
}

/** The executable Go programs (regular files) whose function table was read, in image order. */
export function goPrograms(view: ImageView): { file: ImageFile; signals: GoSignals }[] {
  const out: { file: ImageFile; signals: GoSignals }[] = [];
  for (const file of view.files.values()) {
    const elf = file.elf;
    if (
      file.type !== 'file' ||
      file.linkTarget !== null ||
      !elf?.goSignals ||
      !isExecutableFile(file.mode)
    )
      continue;
    out.push({ file, signals: elf.goSignals });
  }
  return out;
}
