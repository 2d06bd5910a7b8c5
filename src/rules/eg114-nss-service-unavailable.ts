/**
 * EG114: a glibc program that looks up users, groups, hosts or services, in an image where no
 * NSS service configured for that database can answer (its libnss_<service>.so.2 module is not
 * there, and glibc's built-in files/dns are not among them).
 */
import type { Finding } from '../findings.js';
import { blameFile, finding, listSome, type Rule } from './context.js';
import { hiddenLoadGroups } from './support/hidden-loads.js';

export const EG114: Rule = {
  id: 'EG114',
  name: 'nss-service-unavailable',
  defaultLevel: 'warning',
  shortDescription: 'No NSS service for a database the program looks up can be loaded',
  fullDescription:
    'The program calls glibc lookups (`getpwuid_r`, `getgrnam`, `getaddrinfo`, `getservbyname`, ...). glibc answers them through the services `/etc/nsswitch.conf` lists for the database (or its defaults), loading `libnss_<service>.so.2` for each one it does not build in. In this image none of the services for that database can be loaded, so every lookup finds nothing.',
  runtimeError: 'user: lookup userid 0: invalid argument',
  why: [
    'glibc skips a service whose module cannot be loaded without a word (nss/nss_module.c), so',
    'nothing fails at start; each lookup then fails with no service left to ask. A Go program',
    'built with cgo reports `user: lookup userid 0: invalid argument`; `getaddrinfo` resolves no',
    'name. This happens with an `/etc/nsswitch.conf` copied from a host that uses `sss`, `ldap`',
    'or `systemd`, and with glibc before 2.34 copied without `libnss_files.so.2` /',
    '`libnss_dns.so.2` (only 2.34 and later build `files` and `dns` into libc.so.6).',
  ].join('\n'),
  fix: [
    'List a service the image has (`files`, and `dns` for hosts) in `/etc/nsswitch.conf`, or',
    'install the module the file names:',
    '',
    '```diff',
    '-passwd: sss',
    '+passwd: files',
    '```',
  ].join('\n'),
  safeToIgnore:
    'When the deployment mounts the module or its own nsswitch.conf, or the program never looks up that database.',
  tags: ['reliability', 'glibc', 'nss', 'container'],
  precision: 'medium',
  check(ctx) {
    const findings: Finding[] = [];
    for (const { load, programs } of hiddenLoadGroups(ctx, 'nss')) {
      if (load.services.some((s) => s.available)) continue;
      findings.push(
        finding(
          'EG114',
          EG114.defaultLevel,
          programs[0],
          `${programs[0]} looks up the ${load.database} database (${load.uses[0].symbol}), and no NSS service for it can be loaded: every lookup finds nothing`,
          [
            load.config,
            ...load.services.map((s) => `service ${s.name}: ${s.how}`),
            `calls ${listSome(
              load.uses.map((u) => `${u.symbol} (imported by ${u.object})`),
              4,
            )}`,
            ...(programs.length > 1 ? [`also in: ${listSome(programs.slice(1), 4)}`] : []),
          ],
          // The nsswitch.conf the Dockerfile put there, else the program.
          blameFile(
            ctx,
            ...(load.config.startsWith('/etc/nsswitch.conf') ? ['/etc/nsswitch.conf'] : []),
            ...programs,
          ),
        ),
      );
    }
    return findings;
  },
};
