/**
 * The hidden loads of the loader simulation (src/loader/hidden-loads.ts) read for EG113–EG115:
 * what libc.so.6 would dlopen for each program of the image later on, grouped so that one
 * missing library or module is reported once, with the programs that reach for it.
 */
import type { HiddenLoad } from '../../loader/index.js';
import type { RuleContext } from '../context.js';
import { isStartable, oncePerScan, relevantSimulations } from './loads.js';

/** One hidden load, the same for every program in `programs` (simulation order). */
export interface HiddenLoadGroup<L extends HiddenLoad = HiddenLoad> {
  load: L;
  programs: string[];
  /** Some program is the entrypoint, in PATH, or put there by the Dockerfile. */
  startable: boolean;
}

function groupKey(load: HiddenLoad): string {
  switch (load.kind) {
    case 'unwinder':
      return `${load.kind}\0${load.libc}\0${load.found}\0${load.message}`;
    case 'nss':
      return `${load.kind}\0${load.libc}\0${load.database}\0${load.config}\0${load.services.map((s) => `${s.name}=${s.available}`).join(',')}`;
    case 'gconv':
      return `${load.kind}\0${load.libc}\0${load.found}\0${load.searchedDirs.join(':')}`;
  }
}

const allGroups = oncePerScan((ctx: RuleContext) => {
  const groups = new Map<string, HiddenLoadGroup>();
  for (const { sim } of relevantSimulations(ctx)) {
    if (sim.mode !== 'executable') continue;
    for (const load of sim.hiddenLoads) {
      const key = groupKey(load);
      let group = groups.get(key);
      if (!group) {
        group = { load, programs: [], startable: false };
        groups.set(key, group);
      }
      group.programs.push(sim.path);
      group.startable ||= isStartable(ctx, sim.path);
    }
  }
  return [...groups.values()];
});

/** The groups of one kind of hidden load, in simulation order. */
export function hiddenLoadGroups<K extends HiddenLoad['kind']>(
  ctx: RuleContext,
  kind: K,
): HiddenLoadGroup<Extract<HiddenLoad, { kind: K }>>[] {
  // Filtered on the discriminant, so each group's load is of kind K.
  return allGroups(ctx).filter((g) => g.load.kind === kind) as HiddenLoadGroup<
    Extract<HiddenLoad, { kind: K }>
  >[];
}
