/**
 * EG401: a Go program that verifies TLS against the system roots in an image without any of the
 * CA bundle files or directories Go reads on Linux (SSL_CERT_FILE/SSL_CERT_DIR included).
 */
import type { Finding } from '../findings.js';
import { blameFile, finding, type Rule } from './context.js';
import { caBundle, CERT_DIRS, CERT_FILES, goPrograms } from './support/runtime-files.js';

export const EG401: Rule = {
  id: 'EG401',
  name: 'ca-certificates-missing',
  defaultLevel: 'warning',
  shortDescription: 'Go binary verifies TLS but the image has no CA bundle',
  fullDescription:
    "A Go binary links crypto/x509's system root loading and the image has none of the CA bundle files or directories Go reads on Linux (/etc/ssl/certs/ca-certificates.crt, /etc/pki/tls/certs/ca-bundle.crt, /etc/ssl/cert.pem, ...).",
  runtimeError: 'tls: failed to verify certificate: x509: certificate signed by unknown authority',
  why: [
    '`scratch` contains nothing, so the first outgoing HTTPS request fails. The program starts',
    'and passes a liveness probe, then fails on its first call to an API. The rule reads the',
    "binary's function table: a linked function may never be called, and `SSL_CERT_FILE` /",
    '`SSL_CERT_DIR` set at deploy time also satisfy it.',
  ].join('\n'),
  fix: [
    'Copy the CA bundle from the build stage:',
    '',
    '```diff',
    ' FROM scratch',
    '+COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/',
    ' COPY --from=build /out/app /app',
    '```',
    '',
    'or use `gcr.io/distroless/static-debian12`, which has it.',
  ].join('\n'),
  safeToIgnore:
    'When the program makes no TLS connections to public endpoints, or the deployment mounts a bundle and sets `SSL_CERT_FILE`.',
  tags: ['reliability', 'go', 'files', 'container'],
  precision: 'medium',
  check(ctx) {
    const findings: Finding[] = [];
    if (caBundle(ctx.image) !== null) return findings;
    for (const { file, signals } of goPrograms(ctx.image)) {
      if (!signals.x509SystemRoots) continue;
      findings.push(
        finding(
          'EG401',
          EG401.defaultLevel,
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
    return findings;
  },
};
