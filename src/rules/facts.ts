/** Small facts several rule families read from the image and the ELF facts. */
import type { ElfFacts } from '../elf/types.js';
import { alwaysRuns, goarchExecutability } from '../exec/compat.js';
import type { ImageConfig, ImageFile, ImageView } from '../image/types.js';
import type { RuleContext } from './context.js';

/** A `build` setting of the Go build info (`CGO_ENABLED`, `GOARCH`, `-ldflags`, ...), or null. */
export function goSetting(elf: ElfFacts, key: string): string | null {
  return elf.go?.settings.find((s) => s.key === key)?.value ?? null;
}

export interface ImageArchitecture {
  goarch: string;
  platform: string;
}

export function imageArchitecture(config: ImageConfig): ImageArchitecture {
  const platform = [config.os || 'linux', config.architecture, config.variant]
    .filter((p) => p)
    .join('/');
  return { goarch: config.architecture, platform };
}

/**
 * Whether every `imageGoarch` node runs a program of `elfGoarch`: the same architecture, or
 * 386 on amd64 through IA32 emulation. arm on arm64 depends on the CPU (src/exec/compat.ts),
 * so it does not count here.
 */
export function runsOn(elfGoarch: string | null, imageGoarch: string): boolean {
  if (elfGoarch === null) return false;
  return alwaysRuns(goarchExecutability(elfGoarch, imageGoarch));
}

const LOADER_NAME = /^(ld-linux[^/]*\.so\.\d+|ld64\.so\.[12]|ld-musl-[^/]*\.so\.1)$/;

/** The dynamic loaders present in the image (real files or symlinks that resolve), by path. */
export function imageLoaders(image: ImageView): string[] {
  const loaders: string[] = [];
  for (const file of image.files.values()) {
    const name = file.path.slice(file.path.lastIndexOf('/') + 1);
    if (!LOADER_NAME.test(name)) continue;
    const resolved = image.resolve(file.path);
    if (resolved.found && resolved.file.type === 'file') loaders.push(file.path);
  }
  return loaders.sort();
}

/** scratch or distroless/static: no C library, no loader. */
export function isStaticBase(ctx: RuleContext): boolean {
  const kind = ctx.dockerfile?.model.finalBaseKind;
  if (kind === 'scratch' || kind === 'distroless-static') return true;
  return imageLoaders(ctx.image).length === 0;
}

/** The last value of `name` in the image config's Env, or null. */
export function imageEnv(image: ImageView, name: string): string | null {
  let value: string | null = null;
  for (const entry of image.config.env)
    if (entry.startsWith(`${name}=`)) value = entry.slice(name.length + 1);
  return value;
}

/** The Go programs of the image (regular files with Go build info), in image order. */
export function goFiles(image: ImageView): { file: ImageFile; elf: ElfFacts }[] {
  const out: { file: ImageFile; elf: ElfFacts }[] = [];
  for (const file of image.files.values()) {
    if (file.type === 'file' && file.linkTarget === null && file.elf?.go)
      out.push({ file, elf: file.elf });
  }
  return out;
}
