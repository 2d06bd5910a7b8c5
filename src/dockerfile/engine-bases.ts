/**
 * The engine's view of the base images a Dockerfile names (BaseImageConfig), for the action,
 * which runs right after `docker build` when those images are in the engine: Config.Env and
 * Config.WorkingDir from `docker image inspect`, and whether `gcc` or `cc` is in a directory of
 * the image's PATH, read from a created, never started, container's filesystem through the
 * archive API's stat (what `docker container cp` asks first). BuildKit applies the same image
 * config to a stage (dockerfile2llb takes it from its MetaResolver). Images the engine does not
 * have, or that it cannot inspect, are left out: the model then reads the name only.
 */
import type Docker from 'dockerode';
import { dockerClient } from '../image/open.js';
import type { BaseImageConfig } from './types.js';

/** The compilers cmd/go looks for by default (`go env CC`: gcc, else cc). */
const COMPILERS = ['gcc', 'cc'];

/** An absolute PATH list from Config.Env; Docker's default PATH when the image sets none. */
function pathDirs(env: string[]): string[] {
  const value = env.find((e) => e.startsWith('PATH='))?.slice('PATH='.length);
  const dirs = (value ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':');
  return dirs.filter((d) => d.startsWith('/'));
}

async function exists(container: Docker.Container, path: string): Promise<boolean> {
  try {
    // docker-modem hands back the HEAD response as a stream: unread, it holds its socket open
    // and the process never exits (the answer is in the status; the body is empty).
    const response = (await container.infoArchive({ path })) as NodeJS.ReadableStream & {
      destroy?: () => void;
    };
    response.resume();
    response.destroy?.();
    return true;
  } catch {
    return false;
  }
}

async function readOne(docker: Docker, reference: string): Promise<BaseImageConfig | null> {
  let info: Docker.ImageInspectInfo;
  try {
    info = await docker.getImage(reference).inspect();
  } catch {
    return null;
  }
  const env = info.Config?.Env ?? [];
  let compiler: boolean | null = null;
  let container: Docker.Container | null = null;
  try {
    container = await docker.createContainer({
      Image: reference,
      Entrypoint: ['/exit139-guard-probe'],
      NetworkDisabled: true,
    });
    compiler = false;
    for (const dir of pathDirs(env)) {
      for (const name of COMPILERS)
        if (!compiler) compiler = await exists(container, `${dir}/${name}`);
    }
  } catch {
    compiler = null;
  } finally {
    if (container) await container.remove({ force: true }).catch(() => undefined);
  }
  return { env, workingDir: info.Config?.WorkingDir || null, compiler };
}

/**
 * Looks up each reference in the engine at `dockerHost`. Returns the configs it found, keyed
 * by the reference as given. Never throws for a missing image or an unreachable engine.
 */
export async function engineBaseImages(
  references: string[],
  dockerHost: string | undefined,
): Promise<Map<string, BaseImageConfig>> {
  const found = new Map<string, BaseImageConfig>();
  if (references.length === 0) return found;
  let docker: Docker;
  try {
    docker = await dockerClient(dockerHost);
  } catch {
    return found;
  }
  for (const reference of new Set(references)) {
    const config = await readOne(docker, reference);
    if (config) found.set(reference, config);
  }
  return found;
}
