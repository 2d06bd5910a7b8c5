/**
 * What glibc loads behind a program's back: libraries that no DT_NEEDED names, which libc.so.6
 * itself dlopens (`__libc_dlopen`) the first time the program calls certain functions. The
 * loader maps the program fine; the failure comes later, from inside libc.
 *
 * - libgcc_s.so.1, for the unwinder that thread cancellation and pthread_exit run on
 *   (misc/unwind-link.c). glibc 2.34+ checks on each call and, when it cannot load it, prints
 *   `libgcc_s.so.1 must be installed for pthread_cancel to work` (nptl/pthread_cancel.c) or
 *   `... for pthread_exit to work` (nptl/pthread_exit.c) and aborts; older glibc prints the
 *   pthread_cancel line for both (sysdeps/nptl/unwind-forcedunwind.c).
 * - NSS service modules, `libnss_<service>.so.2` (nss/nss_module.c), for each service that
 *   /etc/nsswitch.conf names for a database the program looks up (getpwuid and friends:
 *   passwd; getgr*: group; getaddrinfo, gethostbyname: hosts; getservby*: services). Without
 *   the file, glibc's defaults (nss/nss_database.c): `files dns` for hosts, `files` otherwise
 *   (`compat` first where glibc links the obsolete NSL; a compat that cannot be loaded is
 *   skipped the same way). Since glibc 2.34 `files` and `dns` are built into libc.so.6; a
 *   module that cannot be loaded is skipped silently (UNAVAIL, then the next service), so a
 *   lookup fails only when no service of its database is available.
 * - gconv modules for iconv_open (iconv/gconv_conf.c): glibc reads gconv-modules.cache or
 *   gconv-modules (and gconv-modules.d/) from GCONV_PATH and its compiled-in gconv directory;
 *   without them only the built-in converters exist (UTF-8/16/32, UCS-2/4, ASCII) and any
 *   other charset fails with EINVAL.
 *
 * The libraries are searched as ld.so searches for a dlopen from libc: libc's own tags, the
 * program's DT_RPATH, LD_LIBRARY_PATH, the cache, the system directories.
 */
import path from 'node:path/posix';
import type { ElfFacts } from '../elf/types.js';
import type { ImageView } from '../image/types.js';
import type { LibrarySearch } from './search.js';
import type { HiddenLoad, LoadedObject, NssDatabase, NssService, SymbolUse } from './types.js';

const LIBGCC_S = 'libgcc_s.so.1';

const UNWINDER_USERS = ['pthread_cancel', 'pthread_exit'];

/** The NSS database each lookup function reads (glibc's pwd/, grp/, inet/, shadow/). */
const NSS_FUNCTIONS: Record<string, NssDatabase> = Object.fromEntries([
  ...['getpwnam', 'getpwnam_r', 'getpwuid', 'getpwuid_r', 'getpwent', 'getpwent_r'].map((f) => [
    f,
    'passwd',
  ]),
  ...[
    'getgrnam',
    'getgrnam_r',
    'getgrgid',
    'getgrgid_r',
    'getgrent',
    'getgrent_r',
    'getgrouplist',
    'initgroups',
  ].map((f) => [f, 'group']),
  ...[
    'getaddrinfo',
    'getnameinfo',
    'gethostbyname',
    'gethostbyname2',
    'gethostbyname_r',
    'gethostbyname2_r',
    'gethostbyaddr',
    'gethostbyaddr_r',
  ].map((f) => [f, 'hosts']),
  ...['getservbyname', 'getservbyname_r', 'getservbyport', 'getservbyport_r'].map((f) => [
    f,
    'services',
  ]),
  ...['getspnam', 'getspnam_r'].map((f) => [f, 'shadow']),
]) as Record<string, NssDatabase>;

/** glibc's defaults for a database /etc/nsswitch.conf does not configure. */
const NSS_DEFAULTS: Record<NssDatabase, string[]> = {
  passwd: ['files'],
  group: ['files'],
  shadow: ['files'],
  hosts: ['files', 'dns'],
  services: ['files'],
};

/** A service libc.so.6 answers itself (2.34+): it exports the module's functions. */
const BUILT_IN_MARKERS: Record<string, string> = {
  files: '_nss_files_getpwuid_r',
  dns: '_nss_dns_gethostbyname4_r',
};

const GCONV_CONFIG = ['gconv-modules.cache', 'gconv-modules'];

function isTrigger(name: string): boolean {
  return UNWINDER_USERS.includes(name) || name in NSS_FUNCTIONS || name === 'iconv_open';
}

/** Per object (its facts), the imports that make libc load something; read once per object. */
const triggersOf = new WeakMap<ElfFacts, string[]>();

function triggers(elf: ElfFacts): string[] {
  let names = triggersOf.get(elf);
  if (!names) {
    names = [...new Set(elf.undefinedSymbols.map((s) => s.name).filter(isTrigger))];
    triggersOf.set(elf, names);
  }
  return names;
}

/** The imported functions of the loaded objects that are in `names`, with who imports them. */
function uses(objects: LoadedObject[], names: (name: string) => boolean): SymbolUse[] {
  const found: SymbolUse[] = [];
  for (const object of objects) {
    for (const symbol of triggers(object.elf)) {
      if (names(symbol) && !found.some((u) => u.symbol === symbol))
        found.push({ object: object.realPath, symbol });
    }
  }
  return found;
}

/** `/etc/nsswitch.conf` as glibc reads it: `database: service [ACTION=...] service ...`. */
export function parseNsswitch(text: string): Map<string, string[]> {
  const databases = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '');
    const match = /^\s*([^\s:]+)\s*:(.*)$/.exec(line);
    if (!match) continue;
    const services = match[2]
      .replace(/\[[^\]]*\]/g, ' ')
      .split(/\s+/)
      .filter((s) => s !== '');
    databases.set(match[1], services);
  }
  return databases;
}

function nsswitchConf(view: ImageView): Map<string, string[]> | null {
  const resolved = view.resolve('/etc/nsswitch.conf');
  if (!resolved.found || resolved.file.type !== 'file' || resolved.file.content === null)
    return null;
  return parseNsswitch(resolved.file.content.toString('utf8'));
}

/**
 * The libraries and modules glibc would load for this program later on, and whether the image
 * has them. `objects` is the executable's load closure (glibc flavour), objects[0] the program.
 */
export function hiddenLoads(
  objects: LoadedObject[],
  search: LibrarySearch,
  view: ImageView,
): HiddenLoad[] {
  const libc = objects.find(
    (o) =>
      o.elf.soname === 'libc.so.6' && o.elf.versionDefinitions.some((v) => v.startsWith('GLIBC_')),
  );
  if (!libc) return [];
  const main = objects[0];
  const loads: HiddenLoad[] = [];
  const dlopenFromLibc = (name: string) => search.glibcSearch(name, [libc], main);
  // glibc 2.34 moved pthread_exit into libc.so.6 with its own message (its version GLIBC_2.34).
  const glibc234 = libc.elf.versionDefinitions.includes('GLIBC_2.34');

  const unwinderUses = uses(objects, (n) => UNWINDER_USERS.includes(n));
  if (unwinderUses.length > 0) {
    const loaded = objects.find((o) => o.elf.soname === LIBGCC_S || o.name === LIBGCC_S);
    const result = loaded ? null : dlopenFromLibc(LIBGCC_S);
    const first = unwinderUses[0];
    const api = glibc234 && first.symbol === 'pthread_exit' ? 'pthread_exit' : 'pthread_cancel';
    loads.push({
      kind: 'unwinder',
      name: LIBGCC_S,
      uses: unwinderUses,
      libc: libc.realPath,
      found: loaded ? loaded.realPath : result?.found ? result.candidate.realPath : null,
      searched: result && !result.found ? result.searched : [],
      message: `${LIBGCC_S} must be installed for ${api} to work`,
    });
  }

  const nssUses = uses(objects, (n) => n in NSS_FUNCTIONS);
  if (nssUses.length > 0) {
    const conf = nsswitchConf(view);
    const databases = [...new Set(nssUses.map((u) => NSS_FUNCTIONS[u.symbol]))];
    for (const database of databases) {
      const configured =
        conf?.get(database) ?? (database === 'shadow' ? conf?.get('passwd') : undefined);
      const names = configured ?? NSS_DEFAULTS[database];
      const services: NssService[] = names.map((service) => {
        const marker = BUILT_IN_MARKERS[service];
        if (marker && libc.elf.definedSymbols.some((s) => s.name === marker))
          return { name: service, available: true, how: `built into ${libc.realPath}` };
        const module = `libnss_${service}.so.2`;
        const result = dlopenFromLibc(module);
        return result.found
          ? { name: service, available: true, how: result.candidate.realPath }
          : { name: service, available: false, how: `${module} not found` };
      });
      loads.push({
        kind: 'nss',
        database,
        uses: nssUses.filter((u) => NSS_FUNCTIONS[u.symbol] === database),
        libc: libc.realPath,
        config:
          configured !== undefined
            ? `/etc/nsswitch.conf: ${database}: ${names.join(' ')}`
            : `${conf === null ? 'no /etc/nsswitch.conf' : `/etc/nsswitch.conf has no ${database} line`}: glibc's default ${names.join(' ')}`,
        services,
      });
    }
  }

  // libstdc++ imports iconv_open for its own locale facets (the `gnu` model's codecvt), which a
  // program reaches only by asking for such a conversion; every C++ program maps it. A program
  // that converts character sets imports iconv_open itself, or through another library.
  const iconvUses = uses(
    objects.filter((o) => !/^libstdc\+\+\.so/.test(o.elf.soname ?? '')),
    (n) => n === 'iconv_open',
  );
  if (iconvUses.length > 0) {
    const dirs: string[] = [];
    for (const entry of view.config.env) {
      if (entry.startsWith('GCONV_PATH='))
        dirs.push(
          ...entry
            .slice('GCONV_PATH='.length)
            .split(':')
            .filter((d) => d !== ''),
        );
    }
    if (libc.elf.glibcGconvDir !== null) dirs.push(libc.elf.glibcGconvDir);
    let config: string | null = null;
    for (const dir of dirs) {
      config =
        GCONV_CONFIG.map((f) => path.join(dir, f)).find((f) => {
          const r = view.resolve(f);
          return r.found && r.file.type === 'file';
        }) ?? null;
      if (config) break;
    }
    loads.push({
      kind: 'gconv',
      name: 'gconv-modules',
      uses: iconvUses,
      libc: libc.realPath,
      searchedDirs: dirs,
      found: config,
    });
  }
  return loads;
}
