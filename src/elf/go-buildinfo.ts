/**
 * Go build information (what `go version -m` prints), read as Go's debug/buildinfo reads it:
 * the `.go.buildinfo` section when section headers exist, else the first writable,
 * non-executable PT_LOAD scanned at 16-byte-aligned addresses for the magic. Both layouts: the
 * pointer-based one (Go < 1.18: two pointers to Go string headers) and the inline one (1.18+:
 * two uvarint-prefixed strings). Hand-written: no Node library reads Go build info.
 */
import * as C from './constants.js';
import type { ElfFile, ProgramHeader } from './elf-file.js';
import { vaddrToOffset } from './elf-file.js';
import { decodeText, Region } from './reader.js';
import type { GoBuildInfo, GoModule } from './types.js';

const MAGIC = [0xff, 0x20, 0x47, 0x6f, 0x20, 0x62, 0x75, 0x69, 0x6c, 0x64, 0x69, 0x6e, 0x66, 0x3a]; // "\xff Go buildinf:"
const HEADER_SIZE = 32;
const FLAG_BIG_ENDIAN = 0x1;
const FLAG_INLINE = 0x2;
const SCAN_CHUNK = 1 << 20;

function hasMagicAt(bytes: Uint8Array, at: number): boolean {
  for (let i = 0; i < MAGIC.length; i++) if (bytes[at + i] !== MAGIC[i]) return false;
  return true;
}

/** File offset and vaddr of the build info header, or null when the file has none. */
function locate(elf: ElfFile): { offset: number; vaddr: number } | null {
  const section = elf.sections.find((s) => s.name === '.go.buildinfo');
  if (section && section.type !== C.SHT_NOBITS) {
    const head = elf.reader.region(
      section.offset,
      Math.min(section.size, HEADER_SIZE),
      '.go.buildinfo section',
    );
    return head.length >= HEADER_SIZE && hasMagicAt(head.bytes, 0)
      ? { offset: section.offset, vaddr: section.addr }
      : null;
  }
  // debug/buildinfo scans only the first writable, non-executable PT_LOAD. A PIE whose section
  // headers are gone has its RELRO segment first and .go.buildinfo in the next one, so the
  // following writable segments are scanned too, in order.
  const segments = elf.programs.filter(
    (p) => p.type === C.PT_LOAD && (p.flags & (C.PF_X | C.PF_W)) === C.PF_W,
  );
  for (const seg of segments) {
    const found = scanSegment(elf, seg);
    if (found) return found;
  }
  return null;
}

function scanSegment(elf: ElfFile, seg: ProgramHeader): { offset: number; vaddr: number } | null {
  const firstAligned = (16 - (seg.vaddr % 16)) % 16;
  // Chunks overlap by the header size so a magic across a chunk boundary is still seen.
  for (let start = firstAligned; start + HEADER_SIZE <= seg.filesz; start += SCAN_CHUNK) {
    const length = Math.min(SCAN_CHUNK + HEADER_SIZE, seg.filesz - start);
    const chunk = elf.reader.region(seg.offset + start, length, 'writable PT_LOAD segment');
    let at = 0;
    for (;;) {
      const found = chunk.bytes.indexOf(0xff, at);
      if (found < 0 || found + HEADER_SIZE > chunk.length || found >= SCAN_CHUNK) break;
      if (found % 16 === 0 && hasMagicAt(chunk.bytes, found)) {
        return { offset: seg.offset + start + found, vaddr: seg.vaddr + start + found };
      }
      at = found + 1;
    }
  }
  return null;
}

/** Build info, or null when the file carries none (not a Go program, or a Go build without it). */
export function readGoBuildInfo(elf: ElfFile): GoBuildInfo | null {
  const where = locate(elf);
  if (!where) return null;
  const header = elf.reader.region(where.offset, HEADER_SIZE, 'Go build info header');
  const ptrSizeByte = header.u8(14);
  const flags = header.u8(15);
  let version: string;
  let modinfo: Uint8Array;
  if (flags & FLAG_INLINE) {
    const available = elf.reader.size - where.offset - HEADER_SIZE;
    const body = elf.reader.region(
      where.offset + HEADER_SIZE,
      Math.min(available, 1 << 20),
      'Go build info',
    );
    const first = readVarString(body, 0);
    const second = readVarString(body, first.next);
    version = decodeText(first.bytes);
    modinfo = second.bytes;
  } else {
    if (ptrSizeByte !== 4 && ptrSizeByte !== 8)
      header.fail(14, `pointer size ${ptrSizeByte}, expected 4 or 8`);
    const ptrSize = ptrSizeByte === 4 ? 4 : 8;
    const little = (flags & FLAG_BIG_ENDIAN) === 0;
    const ptrs = new Region(header.bytes, header.base, little, 'Go build info header');
    version = decodeText(readGoString(elf, ptrs.word(16, ptrSize), ptrSize, little));
    modinfo = readGoString(elf, ptrs.word(16 + ptrSize, ptrSize), ptrSize, little);
  }
  // The module text sits between two 16-byte sentinels that are not UTF-8: cut them as bytes.
  const text =
    modinfo.length >= 33 && modinfo[modinfo.length - 17] === 0x0a
      ? decodeText(modinfo.subarray(16, modinfo.length - 16))
      : '';
  // debug/buildinfo: no version string means not a Go executable.
  if (version === '') return null;
  return { version, ...parseModinfo(text) };
}

function readVarString(region: Region, at: number): { bytes: Uint8Array; next: number } {
  let length = 0;
  let shift = 0;
  let pos = at;
  for (;;) {
    const b = region.u8(pos++);
    length += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
    shift += 7;
    if (shift > 49) region.fail(at, 'string length varint is too long');
  }
  if (pos + length > region.length)
    region.fail(at, `string of ${length} bytes runs past the end of the file`);
  return { bytes: region.bytes.subarray(pos, pos + length), next: pos + length };
}

/**
 * A Go string header {data pointer, length} at `vaddr`, followed to its bytes. As in
 * debug/buildinfo, an address outside the file image (e.g. an empty `runtime.modinfo` left in
 * .bss by a GOPATH build) reads as the empty string.
 */
function readGoString(elf: ElfFile, vaddr: number, ptrSize: 4 | 8, little: boolean): Uint8Array {
  const headerAt = vaddrToOffset(elf, vaddr, 2 * ptrSize);
  if (headerAt === null) return new Uint8Array(0);
  const raw = elf.reader.region(headerAt, 2 * ptrSize, 'Go string header').bytes;
  const h = new Region(raw, headerAt, little, 'Go string header');
  const data = h.word(0, ptrSize);
  const length = h.word(ptrSize, ptrSize);
  const dataAt = length === 0 ? null : vaddrToOffset(elf, data, length);
  if (dataAt === null) return new Uint8Array(0);
  return elf.reader.region(dataAt, length, 'Go string data').bytes;
}

/** The reverse of runtime/debug.BuildInfo.String, as debug.ParseBuildInfo does it. */
function parseModinfo(text: string): Omit<GoBuildInfo, 'version'> {
  let path: string | null = null;
  let main: GoModule | null = null;
  const deps: GoModule[] = [];
  const settings: { key: string; value: string }[] = [];
  let last: GoModule | null = null;
  for (const line of text.split('\n')) {
    const [word, ...rest] = line.split('\t');
    if (word === 'path') path = rest.join('\t');
    else if (word === 'mod' || word === 'dep' || word === '=>') {
      const module: GoModule = {
        path: rest[0] ?? '',
        version: rest[1] ?? '',
        sum: rest[2] ?? '',
        replace: null,
      };
      if (word === 'mod') main = last = module;
      else if (word === 'dep') {
        deps.push(module);
        last = module;
      } else if (last) {
        last.replace = module;
        last = null;
      }
    } else if (word === 'build') {
      const setting = parseSetting(rest.join('\t'));
      if (setting) settings.push(setting);
    }
  }
  return { path, main, deps, settings };
}

function parseSetting(text: string): { key: string; value: string } | null {
  let key: string;
  let rest: string;
  if (text.startsWith('"') || text.startsWith('`')) {
    const quoted = quotedPrefix(text);
    if (quoted === null) return null;
    key = quoted.value;
    rest = text.slice(quoted.length);
    if (!rest.startsWith('=')) return null;
    rest = rest.slice(1);
  } else {
    const eq = text.indexOf('=');
    if (eq < 0) return null;
    key = text.slice(0, eq);
    rest = text.slice(eq + 1);
  }
  if (rest.startsWith('"') || rest.startsWith('`')) {
    const quoted = quotedPrefix(rest);
    if (quoted === null || quoted.length !== rest.length) return null;
    return { key, value: quoted.value };
  }
  return { key, value: rest };
}

/** strconv.QuotedPrefix + Unquote for the forms Go's quoting produces. */
function quotedPrefix(text: string): { value: string; length: number } | null {
  if (text.startsWith('`')) {
    const end = text.indexOf('`', 1);
    return end < 0 ? null : { value: text.slice(1, end), length: end + 1 };
  }
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 1; i < text.length;) {
    const c = text[i]!;
    if (c === '"') return { value: decodeText(Uint8Array.from(bytes)), length: i + 1 };
    if (c !== '\\') {
      const cp = text.codePointAt(i)!;
      const s = String.fromCodePoint(cp);
      bytes.push(...encoder.encode(s));
      i += s.length;
      continue;
    }
    const e = text[i + 1];
    const simple: Record<string, number> = {
      a: 7,
      b: 8,
      f: 12,
      n: 10,
      r: 13,
      t: 9,
      v: 11,
      '\\': 92,
      '"': 34,
      "'": 39,
    };
    if (e !== undefined && e in simple) {
      bytes.push(simple[e]!);
      i += 2;
    } else if (e === 'x') {
      bytes.push(parseInt(text.slice(i + 2, i + 4), 16));
      i += 4;
    } else if (e === 'u' || e === 'U') {
      const n = e === 'u' ? 4 : 8;
      bytes.push(
        ...encoder.encode(String.fromCodePoint(parseInt(text.slice(i + 2, i + 2 + n), 16))),
      );
      i += 2 + n;
    } else if (e !== undefined && e >= '0' && e <= '7') {
      bytes.push(parseInt(text.slice(i + 1, i + 4), 8));
      i += 4;
    } else return null;
  }
  return null;
}

/** strconv.Quote: printable characters kept, others escaped as Go does. */
export function goQuote(value: string): string {
  let out = '"';
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (cp === 7) out += '\\a';
    else if (cp === 8) out += '\\b';
    else if (cp === 12) out += '\\f';
    else if (cp === 10) out += '\\n';
    else if (cp === 13) out += '\\r';
    else if (cp === 9) out += '\\t';
    else if (cp === 11) out += '\\v';
    else if (cp === 0xfffd) out += ch;
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp >= 0x80 && cp < 0xa0) out += '\\u' + cp.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

/** One `build` line as `go version -m` prints it (runtime/debug.BuildInfo.String quoting). */
export function formatGoSetting(key: string, value: string): string {
  const quoteKey = key === '' || /[= \t\r\n"`]/.test(key);
  const quoteValue = /[ \t\r\n"`]/.test(value);
  return `${quoteKey ? goQuote(key) : key}=${quoteValue ? goQuote(value) : value}`;
}

/** The lines `go version -m FILE` prints after `FILE: goVERSION`, without the leading tab. */
export function formatGoBuildInfo(info: GoBuildInfo): string[] {
  const lines: string[] = [];
  if (info.path !== null && info.path !== '') lines.push(`path\t${info.path}`);
  // As runtime/debug.BuildInfo.String writes it, including the empty line it leaves after a
  // replacement (the replaced module's newline and the `=>` line's own).
  const mod = (word: string, m: GoModule): void => {
    if (m.replace) {
      lines.push(`${word}\t${m.path}\t${m.version}`);
      mod('=>', m.replace);
      lines.push('');
    } else lines.push(`${word}\t${m.path}\t${m.version}\t${m.sum}`);
  };
  if (info.main && info.main.path !== '') mod('mod', info.main);
  for (const dep of info.deps) mod('dep', dep);
  for (const s of info.settings) lines.push(`build\t${formatGoSetting(s.key, s.value)}`);
  return lines;
}
