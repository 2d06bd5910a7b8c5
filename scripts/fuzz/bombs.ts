/**
 * The decompression bombs of issue 16 (item 4), each the smallest input of its kind, sized by
 * `scale` (1 = the sizes of the report: a 2 GiB zstd layer, a 3 GiB ELF file, 80 × 16 MiB
 * entries). Each is an image archive; scanning it must end with a clear error or a finding in
 * bounded memory.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  type GzipSegment,
  gzipSegments,
  ociFiles,
  tar,
  tarHeader,
  writeTar,
  zstdRle,
} from './images.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** The 64-byte header of a 64-bit little-endian x86-64 ELF executable, and nothing else. */
export function elfHeader(): Buffer {
  const h = Buffer.alloc(64);
  h.write('\x7fELF', 0, 'latin1');
  h[4] = 2; // ELFCLASS64
  h[5] = 1; // little-endian
  h[6] = 1; // EV_CURRENT
  h.writeUInt16LE(2, 16); // ET_EXEC
  h.writeUInt16LE(62, 18); // EM_X86_64
  h.writeUInt32LE(1, 20);
  h.writeUInt16LE(64, 52); // e_ehsize
  h.writeUInt16LE(56, 54); // e_phentsize
  h.writeUInt16LE(64, 58); // e_shentsize
  return h;
}

/** Writes the bombs into `dir`; returns `[name, archive path]` pairs. */
export function writeBombs(dir: string, scale = 1): [string, string][] {
  const out: [string, string][] = [];
  // 1. A zstd layer whose header declares a 1 GiB window, of 2 GiB of zeros (KB on disk).
  const zstdLayer = zstdRle(Math.round(2 * GiB * scale), { windowLog: 30 });
  out.push([
    'zstd-window',
    writeTar(
      path.join(dir, 'zstd-window.oci.tar'),
      ociFiles({
        layers: [zstdLayer],
        layerMediaType: 'application/vnd.oci.image.layer.v1.tar+zstd',
      }),
    ),
  ]);
  // 2. A gzip layer holding one file that starts like an ELF and is 3 GiB long.
  const elfSize = Math.round(3 * GiB * scale);
  const elfLayer = gzipSegments([
    tarHeader('app', { size: elfSize, mode: 0o755 }),
    elfHeader(),
    { zeros: elfSize - 64 + ((512 - (elfSize % 512)) % 512) + 1024 },
  ]);
  out.push([
    'gzip-elf',
    writeTar(
      path.join(dir, 'gzip-elf.oci.tar'),
      ociFiles({ layers: [elfLayer], config: { config: { Entrypoint: ['/app'] } } }),
    ),
  ]);
  // 3. A gzip'd docker save of 80 entries of 16 MiB that are not tars (each starts like JSON).
  const entries = Math.max(2, Math.round(80 * scale));
  const segments: GzipSegment[] = [];
  for (let i = 0; i < entries; i++) {
    segments.push(tarHeader(`junk${i}.json`, { size: 16 * MiB }), Buffer.from('{'), {
      zeros: 16 * MiB - 1,
    });
  }
  segments.push(tar([{ name: 'manifest.json', data: '[]' }]));
  out.push([
    'gzip-save-entries',
    writeGz(path.join(dir, 'gzip-save-entries.tar.gz'), gzipSegments(segments)),
  ]);
  return out;
}

function writeGz(file: string, bytes: Buffer): string {
  writeFileSync(file, bytes);
  return file;
}
