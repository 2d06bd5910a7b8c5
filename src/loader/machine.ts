/**
 * Per-architecture constants of the two loaders: where their interpreters live, the names their
 * build bakes in (Debian multiarch triplet, musl's LDSO_ARCH, AT_PLATFORM), and the test ld.so
 * applies before mapping a candidate library (same class, byte order and e_machine).
 */
import type { ElfFacts } from '../elf/types.js';

type MachineKey = Pick<ElfFacts, 'eMachine' | 'class' | 'endianness' | 'eFlags'>;

/** e_machine values (ELF gABI). */
const EM = {
  I386: 3,
  MIPS: 8,
  PPC64: 21,
  S390: 22,
  ARM: 40,
  X86_64: 62,
  AARCH64: 183,
  RISCV: 243,
  LOONGARCH: 258,
} as const;

const EF_ARM_ABI_FLOAT_HARD = 0x400;

/** Debian's multiarch triplet (the `lib/<triplet>` directories), or null. */
export function multiarchTriplet(elf: MachineKey): string | null {
  switch (elf.eMachine) {
    case EM.X86_64:
      return elf.class === 64 ? 'x86_64-linux-gnu' : 'x86_64-linux-gnux32';
    case EM.I386:
      return 'i386-linux-gnu';
    case EM.AARCH64:
      return 'aarch64-linux-gnu';
    case EM.ARM:
      return elf.eFlags & EF_ARM_ABI_FLOAT_HARD ? 'arm-linux-gnueabihf' : 'arm-linux-gnueabi';
    case EM.PPC64:
      return elf.endianness === 'little' ? 'powerpc64le-linux-gnu' : 'powerpc64-linux-gnu';
    case EM.S390:
      return elf.class === 64 ? 's390x-linux-gnu' : 's390-linux-gnu';
    case EM.RISCV:
      return 'riscv64-linux-gnu';
    case EM.MIPS:
      if (elf.class === 64)
        return elf.endianness === 'little' ? 'mips64el-linux-gnuabi64' : 'mips64-linux-gnuabi64';
      return elf.endianness === 'little' ? 'mipsel-linux-gnu' : 'mips-linux-gnu';
    case EM.LOONGARCH:
      return 'loongarch64-linux-gnu';
    default:
      return null;
  }
}

/** musl's LDSO_ARCH (the `$ARCH` of /lib/ld-musl-$ARCH.so.1 and /etc/ld-musl-$ARCH.path). */
export function muslArch(elf: MachineKey): string | null {
  switch (elf.eMachine) {
    case EM.X86_64:
      return elf.class === 64 ? 'x86_64' : 'x32';
    case EM.I386:
      return 'i386';
    case EM.AARCH64:
      return elf.endianness === 'little' ? 'aarch64' : 'aarch64_be';
    case EM.ARM:
      return (
        'arm' +
        (elf.endianness === 'big' ? 'eb' : '') +
        (elf.eFlags & EF_ARM_ABI_FLOAT_HARD ? 'hf' : '')
      );
    case EM.PPC64:
      return elf.endianness === 'little' ? 'powerpc64le' : 'powerpc64';
    case EM.S390:
      return elf.class === 64 ? 's390x' : null;
    case EM.RISCV:
      return elf.class === 64 ? 'riscv64' : 'riscv32';
    case EM.LOONGARCH:
      return 'loongarch64';
    case EM.MIPS:
      if (elf.class === 64) return elf.endianness === 'little' ? 'mips64el' : 'mips64';
      return elf.endianness === 'little' ? 'mipsel' : 'mips';
    default:
      return null;
  }
}

/** The PT_INTERP glibc's toolchain writes for this machine (glibc shlib-versions). */
export function glibcInterpreter(elf: MachineKey): string | null {
  switch (elf.eMachine) {
    case EM.X86_64:
      return elf.class === 64 ? '/lib64/ld-linux-x86-64.so.2' : '/libx32/ld-linux-x32.so.2';
    case EM.I386:
      return '/lib/ld-linux.so.2';
    case EM.AARCH64:
      return '/lib/ld-linux-aarch64.so.1';
    case EM.ARM:
      return elf.eFlags & EF_ARM_ABI_FLOAT_HARD ? '/lib/ld-linux-armhf.so.3' : '/lib/ld-linux.so.3';
    case EM.PPC64:
      return elf.endianness === 'little' ? '/lib64/ld64.so.2' : '/lib64/ld64.so.1';
    case EM.S390:
      return elf.class === 64 ? '/lib/ld64.so.1' : '/lib/ld.so.1';
    case EM.RISCV:
      return '/lib/ld-linux-riscv64-lp64d.so.1';
    case EM.MIPS:
      return elf.class === 64 ? '/lib64/ld.so.1' : '/lib/ld.so.1';
    case EM.LOONGARCH:
      return '/lib64/ld-linux-loongarch-lp64d.so.1';
    default:
      return null;
  }
}

export function muslInterpreter(elf: MachineKey): string | null {
  const arch = muslArch(elf);
  return arch === null ? null : `/lib/ld-musl-${arch}.so.1`;
}

/** AT_PLATFORM as the kernel passes it (what glibc substitutes for `$PLATFORM`), or null. */
export function atPlatform(elf: MachineKey): string | null {
  switch (elf.eMachine) {
    case EM.X86_64:
      return 'x86_64';
    case EM.I386:
      return 'i686';
    case EM.AARCH64:
      return 'aarch64';
    default:
      return null;
  }
}

/** Same class, byte order and machine: what ld.so's open_verify requires of a library. */
export function sameMachine(a: MachineKey, b: MachineKey): boolean {
  return a.eMachine === b.eMachine && a.class === b.class && a.endianness === b.endianness;
}

export function describeMachine(elf: Pick<ElfFacts, 'machine' | 'class' | 'endianness'>): string {
  return `${elf.machine}, ${elf.class}-bit ${elf.endianness}-endian`;
}
