/**
 * Which C library an ELF file was built against, with the evidence for the verdict. Dynamic
 * files say it outright (PT_INTERP, DT_NEEDED, GLIBC_* version needs); static files only through
 * markers that glibc's startup code leaves (NT_GNU_ABI_TAG, the GLIBC_TUNABLES and ld.so.cache
 * strings). musl leaves no marker, so a static C program without glibc's is called musl on that
 * absence, and the evidence says so.
 */
import * as C from './constants.js';
import type { ElfFile } from './elf-file.js';
import type { GoBuildInfo, LibcFlavor, Linkage, VersionNeed } from './types.js';

export interface LibcInput {
  interpreter: string | null;
  needed: string[];
  linkage: Linkage;
  gnuAbiTagKernel: string | null;
  versionNeeds: VersionNeed[];
  go: GoBuildInfo | null;
  /** Whether pclntab shows runtime/cgo linked, or null when pclntab was not found. */
  goLinksCgo: boolean | null;
  isGo: boolean;
}

const GLIBC_MARKERS = ['GLIBC_TUNABLES', 'glibc-ld.so.cache'];
const SCAN_CHUNK = 1 << 20;

function isMuslName(name: string): boolean {
  return (
    /(^|\/)ld-musl-[^/]*\.so\.1$/.test(name) ||
    /^libc\.musl-.*\.so\.1$/.test(name) ||
    name === 'libc.so'
  );
}
function isGlibcName(name: string): boolean {
  return /(^|\/)(ld-linux[^/]*\.so\.\d+|ld64\.so\.[12]|ld\.so\.1|libc\.so\.6)$/.test(name);
}

/** The first glibc marker string found in the file's read-only loaded bytes, or null. */
function findGlibcMarker(elf: ElfFile): string | null {
  const markers = GLIBC_MARKERS.map((m) => Buffer.from(m, 'latin1'));
  const longest = Math.max(...markers.map((m) => m.length));
  for (const seg of elf.programs) {
    if (seg.type !== C.PT_LOAD || seg.flags & C.PF_W) continue;
    for (let start = 0; start < seg.filesz; start += SCAN_CHUNK) {
      const length = Math.min(SCAN_CHUNK + longest, seg.filesz - start);
      const chunk = elf.reader.region(seg.offset + start, length, 'PT_LOAD segment');
      const buf = Buffer.from(chunk.bytes.buffer, chunk.bytes.byteOffset, chunk.bytes.byteLength);
      for (let i = 0; i < markers.length; i++) {
        if (buf.indexOf(markers[i]!) >= 0) return GLIBC_MARKERS[i]!;
      }
    }
  }
  return null;
}

export function detectLibc(
  elf: ElfFile,
  facts: LibcInput,
): { flavor: LibcFlavor; evidence: string[] } {
  const evidence: string[] = [];
  if (facts.interpreter !== null) {
    if (isMuslName(facts.interpreter))
      return { flavor: 'musl-dynamic', evidence: [`PT_INTERP ${facts.interpreter}`] };
    if (isGlibcName(facts.interpreter))
      return { flavor: 'glibc-dynamic', evidence: [`PT_INTERP ${facts.interpreter}`] };
    evidence.push(`PT_INTERP ${facts.interpreter} (unrecognised loader)`);
  }
  const glibcNeed = facts.versionNeeds.find((n) =>
    n.versions.some((v) => v.name.startsWith('GLIBC_')),
  );
  if (glibcNeed) {
    const v = glibcNeed.versions.find((x) => x.name.startsWith('GLIBC_'))!;
    return {
      flavor: 'glibc-dynamic',
      evidence: [...evidence, `needs version ${v.name} of ${glibcNeed.file}`],
    };
  }
  const musl = facts.needed.find(isMuslName);
  if (musl) return { flavor: 'musl-dynamic', evidence: [...evidence, `DT_NEEDED ${musl}`] };
  const glibc = facts.needed.find(isGlibcName);
  if (glibc) return { flavor: 'glibc-dynamic', evidence: [...evidence, `DT_NEEDED ${glibc}`] };
  if (facts.interpreter !== null || facts.needed.length > 0) return { flavor: 'unknown', evidence };

  if (facts.linkage !== 'static' && facts.linkage !== 'static-pie') {
    return { flavor: 'unknown', evidence: [`${facts.linkage} without libc names`] };
  }
  if (facts.isGo) {
    const cgoSetting = facts.go?.settings.find((s) => s.key === 'CGO_ENABLED')?.value;
    const linksCgo = facts.goLinksCgo ?? cgoSetting === '1';
    if (!linksCgo) {
      return {
        flavor: 'none',
        evidence: [
          cgoSetting === '0'
            ? 'static Go program built with CGO_ENABLED=0'
            : 'static Go program without runtime/cgo',
        ],
      };
    }
  }
  if (facts.gnuAbiTagKernel !== null) {
    return {
      flavor: 'glibc-static',
      evidence: [`static, NT_GNU_ABI_TAG (Linux ${facts.gnuAbiTagKernel})`],
    };
  }
  const marker = findGlibcMarker(elf);
  if (marker)
    return { flavor: 'glibc-static', evidence: [`static, contains glibc string ${marker}`] };
  const hasCode = elf.programs.some(
    (p) => p.type === C.PT_LOAD && p.flags & C.PF_X && p.filesz > 0,
  );
  if (!hasCode) return { flavor: 'none', evidence: ['no executable code'] };
  return {
    flavor: 'musl-static',
    evidence: [
      'static, no glibc marker (NT_GNU_ABI_TAG, GLIBC_TUNABLES, glibc-ld.so.cache): musl inferred from their absence',
    ],
  };
}
