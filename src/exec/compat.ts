/**
 * Which nodes can execute an ELF program: one model for every rule that compares a program's
 * machine with the image's platform (EG106 for the ELF header, EG205 and the Go triple rules
 * for GOARCH). A 64-bit kernel runs its own machine and, through a compat layer, some 32-bit
 * programs:
 * - amd64: i386 programs through IA32 emulation (CONFIG_IA32_EMULATION, on in every
 *   distribution kernel; since 6.7 it can be switched off at boot with `ia32_emulation=false`).
 *   x32 programs (x86-64 code in a 32-bit ELF) need CONFIG_X86_X32_ABI, off in the distribution
 *   kernels: they are refused.
 * - arm64: 32-bit arm programs only on CPUs that implement AArch32 at EL0 (Cortex-A53/A72,
 *   Neoverse N1: AWS Graviton2, Ampere Altra) and kernels with CONFIG_COMPAT; many arm64 servers
 *   have no AArch32 (AWS Graviton3/4, Ampere One, Apple silicon), where the kernel refuses them.
 * Whether the program then finds its loader and 32-bit libraries is the loader's question
 * (an i386 dynamic program needs /lib/ld-linux.so.2), not this model's.
 */

/** e_machine values (ELF gABI). */
const EM_386 = 3;
const EM_ARM = 40;
const EM_X86_64 = 62;
const EM_AARCH64 = 183;

export interface MachineOf {
  /** The GOARCH this machine, class and byte order correspond to (ElfFacts.goarch), or null. */
  goarch: string | null;
  eMachine: number;
  class: 32 | 64;
  endianness: 'little' | 'big';
}

export type Executability =
  | { runs: 'native' }
  /** Runs through the 64-bit kernel's compat layer; `how` says which. */
  | { runs: 'compat'; how: string }
  /** Runs on some nodes of the platform only; `depends` says on what. */
  | { runs: 'depends'; depends: string }
  | { runs: 'no'; why: string };

/** The ELF machine of each GOARCH's kernel (the node), as the image platform names it. */
const NODE_MACHINE: Record<string, MachineOf> = {
  amd64: { goarch: 'amd64', eMachine: EM_X86_64, class: 64, endianness: 'little' },
  '386': { goarch: '386', eMachine: EM_386, class: 32, endianness: 'little' },
  arm64: { goarch: 'arm64', eMachine: EM_AARCH64, class: 64, endianness: 'little' },
  arm: { goarch: 'arm', eMachine: EM_ARM, class: 32, endianness: 'little' },
};

function sameMachine(a: MachineOf, b: MachineOf): boolean {
  return a.eMachine === b.eMachine && a.class === b.class && a.endianness === b.endianness;
}

/**
 * Whether a node of `nodeGoarch` (the image platform's architecture, Go's name) executes a
 * program of machine `elf`. On a platform without a compat layer here, a program runs when its
 * GOARCH is the platform's.
 */
export function executability(elf: MachineOf, nodeGoarch: string): Executability {
  const node = NODE_MACHINE[nodeGoarch];
  if (node ? sameMachine(elf, node) : elf.goarch === nodeGoarch) return { runs: 'native' };
  if (nodeGoarch === 'amd64' && elf.eMachine === EM_386 && elf.class === 32)
    return {
      runs: 'compat',
      how: 'a 32-bit x86 program, run by the amd64 kernel through IA32 emulation',
    };
  if (nodeGoarch === 'amd64' && elf.eMachine === EM_X86_64 && elf.class === 32)
    return {
      runs: 'no',
      why: 'an x32 program (x86-64 code in a 32-bit ELF): distribution kernels are built without CONFIG_X86_X32_ABI',
    };
  if (
    nodeGoarch === 'arm64' &&
    elf.eMachine === EM_ARM &&
    elf.class === 32 &&
    elf.endianness === 'little'
  )
    return {
      runs: 'depends',
      depends:
        'a 32-bit arm program runs on an arm64 node only if its CPU implements AArch32 (Graviton2, Ampere Altra do; Graviton3/4, Ampere One do not)',
    };
  return { runs: 'no', why: 'a different machine' };
}

/** The same question for a GOARCH (Go build info, a Dockerfile's declared GOARCH). */
export function goarchExecutability(goarch: string, nodeGoarch: string): Executability {
  const machine = NODE_MACHINE[goarch];
  if (goarch === nodeGoarch) return { runs: 'native' };
  if (!machine) return { runs: 'no', why: 'a different architecture' };
  return executability(machine, nodeGoarch);
}

/** True when every node of the platform runs it (native or compat), as runtime truth needs. */
export function alwaysRuns(e: Executability): boolean {
  return e.runs === 'native' || e.runs === 'compat';
}
