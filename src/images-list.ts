/**
 * The list of images of one scan: the action's `images` input and the CLI's `--images FILE`,
 * one image per line with its own build facts. Kept apart from the action's inputs so that the
 * CLI reads it without the Actions toolkit.
 */
import { existsSync, statSync } from 'node:fs';
import { InputError } from './errors.js';

/** One line of the `images` input: an image with its own build facts. */
export interface ImageInput {
  /** As the user wrote it: named in the comment and the SARIF category. */
  name: string;
  image: string | null;
  /** Absolute path of the archive or folder. */
  imageArchive: string | null;
  dockerfile: string | null;
  target: string | null;
  buildArgs: Record<string, string>;
  /** `all` scans every platform of an OCI index. */
  platform: string | null;
}

const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/;

/** Throws InputError naming `where` unless `platform` is os/arch[/variant] (or `all`). */
export function checkPlatform(where: string, platform: string, allowAll: boolean): void {
  if (allowAll && platform === 'all') return;
  if (!PLATFORM.test(platform))
    throw new InputError(
      `${where} must be os/arch[/variant], e.g. linux/arm64${allowAll ? ', or all' : ''}, not '${platform}'`,
    );
}

/**
 * The `images` input: one image per line, `REF-OR-PATH [dockerfile=F] [target=T] [platform=P]
 * [build-args=K=V,K=V]`; `#` starts a comment. A first word that names an existing file or
 * folder of the workspace is an archive, anything else a reference in the engine.
 */
export function parseImagesInput(
  text: string,
  resolve: (p: string) => string,
  source = "input 'images'",
): ImageInput[] {
  const images: ImageInput[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') return;
    const where = `${source} line ${index + 1}`;
    const [name, ...fields] = line.split(/\s+/);
    const image: ImageInput = {
      name: name!,
      image: null,
      imageArchive: null,
      dockerfile: null,
      target: null,
      buildArgs: {},
      platform: null,
    };
    if (existsSync(resolve(name!))) image.imageArchive = resolve(name!);
    else image.image = name!;
    for (const field of fields) {
      const eq = field.indexOf('=');
      const key = eq > 0 ? field.slice(0, eq) : '';
      const value = field.slice(eq + 1);
      if (key === 'dockerfile') {
        const file = resolve(value);
        if (!existsSync(file) || !statSync(file).isFile())
          throw new InputError(`${where}: dockerfile ${value} is not a file`);
        image.dockerfile = file;
      } else if (key === 'target') image.target = value;
      else if (key === 'platform') {
        checkPlatform(`${where}: platform`, value, true);
        image.platform = value;
      } else if (key === 'build-args') {
        for (const pair of value.split(',').filter((p) => p !== '')) {
          const at = pair.indexOf('=');
          if (at <= 0) throw new InputError(`${where}: build-args expects K=V,K=V, not '${pair}'`);
          image.buildArgs[pair.slice(0, at)] = pair.slice(at + 1);
        }
      } else {
        throw new InputError(
          `${where}: '${field}' is not one of dockerfile=, target=, platform=, build-args=`,
        );
      }
    }
    images.push(image);
  });
  return images;
}
