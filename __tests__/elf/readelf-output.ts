/**
 * Parsers for the text that binutils' `readelf -W` and `go version -m` print, so the tests can
 * hold our facts against theirs. Only what the tests compare is extracted.
 */

export interface ReadelfSegment {
  type: string;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
  flags: string;
  align: number;
}

export interface ReadelfSymbol {
  name: string;
  version: string | null;
  /** `name@VER` on a defined symbol (not the default version). */
  hidden: boolean;
  defined: boolean;
  bind: string;
  type: string;
}

export interface ReadelfFacts {
  class: number;
  data: string;
  osAbiByte: number;
  type: string;
  machine: string;
  flags: number;
  entry: bigint;
  segments: ReadelfSegment[];
  interpreter: string | null;
  hasDynamic: boolean;
  needed: string[];
  soname: string | null;
  rpath: string | null;
  runpath: string | null;
  flagNames: string[];
  flags1Names: string[];
  bindNowTag: boolean;
  versionNeeds: { file: string; versions: { name: string; weak: boolean }[] }[];
  versionDefinitions: { name: string; base: boolean }[];
  symbols: ReadelfSymbol[];
  notes: { owner: string; description: string; detail: string }[];
}

function field(text: string, label: string): string {
  const m = new RegExp(`^\\s+${label.replace(/[()/]/g, '\\$&')}:\\s+(.*)$`, 'm').exec(text);
  if (!m) throw new Error(`readelf output has no "${label}" line`);
  return m[1]!.trim();
}

/** readelf `-U hex` prints non-ASCII bytes as `<0xc2b7>`: back to the UTF-8 text. */
function decodeHexEscapes(text: string): string {
  return text.replace(/(?:<0x[0-9a-f]+>)+/g, (run) =>
    Buffer.from(run.replace(/<0x|>/g, ''), 'hex').toString('utf8'),
  );
}

/** Splits `readelf -W -U hex -h -l -d -V --dyn-syms -n` output into its facts. */
export function parseReadelf(text: string): ReadelfFacts {
  const magic = field(text, 'Magic')
    .split(/\s+/)
    .map((b) => parseInt(b, 16));
  const facts: ReadelfFacts = {
    class: field(text, 'Class') === 'ELF64' ? 64 : 32,
    data: field(text, 'Data').includes('little') ? 'little' : 'big',
    osAbiByte: magic[7]!,
    type: field(text, 'Type').split(' ')[0]!,
    machine: field(text, 'Machine'),
    flags: parseInt(field(text, 'Flags').split(',')[0]!, 16),
    entry: BigInt(field(text, 'Entry point address')),
    segments: [],
    interpreter: null,
    hasDynamic: /^Dynamic section at offset/m.test(text),
    needed: [],
    soname: null,
    rpath: null,
    runpath: null,
    flagNames: [],
    flags1Names: [],
    bindNowTag: false,
    versionNeeds: [],
    versionDefinitions: [],
    symbols: [],
    notes: [],
  };
  const lines = text.split('\n');
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('Program Headers:')) section = 'phdr';
    else if (line.startsWith(' Section to Segment mapping:')) section = '';
    else if (line.startsWith('Dynamic section at offset')) section = 'dynamic';
    else if (line.startsWith('Version needs section')) section = 'verneed';
    else if (line.startsWith('Version definition section')) section = 'verdef';
    else if (line.startsWith('Version symbols section')) section = 'versym';
    else if (line.startsWith("Symbol table '.dynsym'")) section = 'dynsym';
    else if (line.startsWith('Displaying notes found in')) section = 'notes';
    else if (section === 'phdr') {
      const m =
        /^\s+(\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s(.{3})\s0x([0-9a-f]+)$/.exec(
          line,
        );
      if (m) {
        facts.segments.push({
          type: m[1]!,
          offset: parseInt(m[2]!, 16),
          vaddr: parseInt(m[3]!, 16),
          filesz: parseInt(m[4]!, 16),
          memsz: parseInt(m[5]!, 16),
          flags: m[6]!,
          align: parseInt(m[7]!, 16),
        });
      }
      const interp = /\[Requesting program interpreter: (.*)\]$/.exec(line);
      if (interp) facts.interpreter = interp[1]!;
    } else if (section === 'dynamic') {
      const m = /^\s*0x[0-9a-f]+ \((\w+)\)\s+(.*)$/.exec(line);
      if (!m) continue;
      const [, tag, value] = m as unknown as [string, string, string];
      const bracket = /\[(.*)\]/.exec(value)?.[1] ?? null;
      if (tag === 'NEEDED') facts.needed.push(bracket!);
      else if (tag === 'SONAME') facts.soname = bracket;
      else if (tag === 'RPATH') facts.rpath = bracket;
      else if (tag === 'RUNPATH') facts.runpath = bracket;
      else if (tag === 'FLAGS') facts.flagNames = value.trim().split(/\s+/).filter(Boolean);
      else if (tag === 'FLAGS_1')
        facts.flags1Names = value
          .replace(/^Flags:/, '')
          .trim()
          .split(/\s+/)
          .filter(Boolean);
      else if (tag === 'BIND_NOW') facts.bindNowTag = true;
    } else if (section === 'verneed') {
      const file =
        /^\s+0x[0-9a-f]+: Version: \d+\s+File: (\S+)\s+Cnt: \d+$/.exec(line) ??
        /^\s+0+: Version: \d+\s+File: (\S+)\s+Cnt: \d+$/.exec(line);
      const aux = /^\s+0x[0-9a-f]+:\s+Name: (\S+)\s+Flags: (.*?)\s+Version: \d+$/.exec(line);
      if (file) facts.versionNeeds.push({ file: file[1]!, versions: [] });
      else if (aux)
        facts.versionNeeds.at(-1)!.versions.push({ name: aux[1]!, weak: aux[2]!.includes('WEAK') });
    } else if (section === 'verdef') {
      const m =
        /^\s+(?:0x)?[0-9a-f]+: Rev: \d+\s+Flags: (.*?)\s+Index: \d+\s+Cnt: \d+\s+Name: (\S+)$/.exec(
          line,
        );
      if (m) facts.versionDefinitions.push({ name: m[2]!, base: m[1]!.includes('BASE') });
    } else if (section === 'dynsym') {
      const m =
        /^\s*(\d+):\s+[0-9a-f]+\s+(?:\d+|0x[0-9a-f]+)\s+(\S+)\s+(\S+)\s+\S+(?:\s+\[[^\]]*\])?\s+(\S+)\s?(.*)$/.exec(
          line,
        );
      if (!m || m[1] === '0') continue;
      const [, , type, bind, ndx, rawName] = m as unknown as string[];
      // `name@VER (n)`: a version needed from another object; `name@@VER`: the default version
      // this object defines; `name@VER`: a hidden (non-default) version it defines.
      const fromVerneed = / \(\d+\)$/.test(rawName!);
      const name = decodeHexEscapes(rawName!.replace(/ \(\d+\)$/, ''));
      const at = name.indexOf('@');
      const defined = ndx !== 'UND';
      facts.symbols.push({
        name: at < 0 ? name : name.slice(0, at),
        version: at < 0 ? null : name.slice(name.startsWith('@', at + 1) ? at + 2 : at + 1),
        hidden: defined && at >= 0 && name[at + 1] !== '@' && !fromVerneed,
        defined,
        bind: bind!,
        type: type!,
      });
    } else if (section === 'notes') {
      const m = /^\s{2}(\S.*?)\s+0x[0-9a-f]+\t(.*)$/.exec(line);
      if (m && m[1] !== 'Owner') {
        // The note's details follow a tab on the same line, or come on the next line.
        const tab = m[2]!.indexOf('\t');
        const description = tab < 0 ? m[2]! : m[2]!.slice(0, tab);
        const detail = (tab < 0 ? (lines[i + 1] ?? '') : m[2]!.slice(tab + 1)).trim();
        facts.notes.push({ owner: m[1]!, description, detail });
      }
    }
  }
  return facts;
}

export interface GoVersionM {
  version: string;
  /** The lines after `PATH: VERSION`, without the leading tab. */
  lines: string[];
}

/** Splits `go version -m FILE...` output by file. */
export function parseGoVersionM(text: string, paths: string[]): Map<string, GoVersionM> {
  const result = new Map<string, GoVersionM>();
  let current: GoVersionM | null = null;
  const known = new Set(paths);
  for (const line of text.split('\n')) {
    if (line.startsWith('\t') && current) {
      current.lines.push(line.slice(1));
      continue;
    }
    const sep = line.lastIndexOf(': ');
    if (sep < 0) continue;
    const path = line.slice(0, sep);
    if (!known.has(path)) continue;
    current = { version: line.slice(sep + 2), lines: [] };
    result.set(path, current);
  }
  return result;
}

/** Go's strconv.Unquote for the quoting that BuildInfo.String applies. */
export function goUnquote(text: string): string {
  if (text.startsWith('`')) return text.slice(1, -1);
  if (!text.startsWith('"')) return text;
  return JSON.parse(
    text
      .replace(/\\x([0-9a-f]{2})/g, '\\u00$1')
      .replace(/\\a/g, '\\u0007')
      .replace(/\\v/g, '\\u000b'),
  ) as string;
}

/** A `build` line's key and value, unquoted as debug.ParseBuildInfo does. */
export function parseBuildLine(setting: string): { key: string; value: string } {
  let key: string;
  let rest: string;
  if (setting.startsWith('"')) {
    const end = /^"(?:[^"\\]|\\.)*"/.exec(setting)![0];
    key = goUnquote(end);
    rest = setting.slice(end.length + 1);
  } else {
    const eq = setting.indexOf('=');
    key = setting.slice(0, eq);
    rest = setting.slice(eq + 1);
  }
  return { key, value: goUnquote(rest) };
}
