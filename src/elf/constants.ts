/** ELF constants, named as in the ELF specification, glibc's elf.h and Go's debug/elf. */

export const ELFCLASS32 = 1;
export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const ELFDATA2MSB = 2;

export const ET_NAMES: Record<number, 'NONE' | 'REL' | 'EXEC' | 'DYN' | 'CORE'> = {
  0: 'NONE',
  1: 'REL',
  2: 'EXEC',
  3: 'DYN',
  4: 'CORE',
};
export const ET_REL = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;

export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;
export const PT_NOTE = 4;
export const PT_GNU_STACK = 0x6474e551;
export const PT_GNU_RELRO = 0x6474e552;
export const PF_X = 1;
export const PF_W = 2;

export const SHT_NOTE = 7;
export const SHT_NOBITS = 8;
export const SHT_DYNSYM = 11;
/** e_phnum value meaning "the real count is in section 0's sh_info". */
export const PN_XNUM = 0xffff;

export const DT_NULL = 0;
export const DT_NEEDED = 1;
export const DT_HASH = 4;
export const DT_STRTAB = 5;
export const DT_SYMTAB = 6;
export const DT_STRSZ = 10;
export const DT_SYMENT = 11;
export const DT_SONAME = 14;
export const DT_RPATH = 15;
export const DT_BIND_NOW = 24;
export const DT_RUNPATH = 29;
export const DT_FLAGS = 30;
export const DT_GNU_HASH = 0x6ffffef5;
export const DT_VERSYM = 0x6ffffff0;
export const DT_FLAGS_1 = 0x6ffffffb;
export const DT_VERDEF = 0x6ffffffc;
export const DT_VERDEFNUM = 0x6ffffffd;
export const DT_VERNEED = 0x6ffffffe;
export const DT_VERNEEDNUM = 0x6fffffff;
/** MIPS keeps the dynamic symbol count in its own tag. */
export const DT_MIPS_SYMTABNO = 0x70000011;

export const DF_BIND_NOW = 0x8;
export const DF_1_NOW = 0x1;
export const DF_1_NODEFLIB = 0x800;
export const DF_1_PIE = 0x08000000;

export const VER_FLG_BASE = 0x1;
export const VER_FLG_WEAK = 0x2;
export const VERSYM_HIDDEN = 0x8000;

export const NT_GNU_ABI_TAG = 1;
export const NT_GNU_BUILD_ID = 3;
export const NT_GO_BUILDID = 4;
export const NT_GNU_PROPERTY_TYPE_0 = 5;
export const GNU_PROPERTY_X86_ISA_1_NEEDED = 0xc0008002;

export const STB_NAMES: Record<number, 'LOCAL' | 'GLOBAL' | 'WEAK' | 'GNU_UNIQUE'> = {
  0: 'LOCAL',
  1: 'GLOBAL',
  2: 'WEAK',
  10: 'GNU_UNIQUE',
};
export const STT_NAMES: Record<
  number,
  'NOTYPE' | 'OBJECT' | 'FUNC' | 'SECTION' | 'FILE' | 'COMMON' | 'TLS' | 'GNU_IFUNC'
> = {
  0: 'NOTYPE',
  1: 'OBJECT',
  2: 'FUNC',
  3: 'SECTION',
  4: 'FILE',
  5: 'COMMON',
  6: 'TLS',
  10: 'GNU_IFUNC',
};

export const EM_386 = 3;
export const EM_MIPS = 8;
export const EM_PPC = 20;
export const EM_PPC64 = 21;
export const EM_S390 = 22;
export const EM_ARM = 40;
export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;
export const EM_RISCV = 243;
export const EM_LOONGARCH = 258;

/** readelf's description of e_machine (its `Machine:` line), for the text form. */
export const MACHINE_DESCRIPTIONS: Record<number, string> = {
  0: 'None',
  2: 'Sparc',
  [EM_386]: 'Intel 80386',
  [EM_MIPS]: 'MIPS R3000',
  [EM_PPC]: 'PowerPC',
  [EM_PPC64]: 'PowerPC64',
  [EM_S390]: 'IBM S/390',
  [EM_ARM]: 'ARM',
  43: 'Sparc v9',
  50: 'Intel IA-64',
  [EM_X86_64]: 'Advanced Micro Devices X86-64',
  [EM_AARCH64]: 'AArch64',
  [EM_RISCV]: 'RISC-V',
  [EM_LOONGARCH]: 'LoongArch',
};

/**
 * The machine name as `uname -m` prints it for the kernel that runs this code, and the GOARCH
 * Go uses for it. Class and byte order decide between the 32/64-bit and endian variants.
 */
export function machineNames(
  eMachine: number,
  elfClass: 32 | 64,
  little: boolean,
): { machine: string; goarch: string | null } {
  switch (eMachine) {
    case EM_X86_64:
      return elfClass === 64
        ? { machine: 'x86_64', goarch: 'amd64' }
        : { machine: 'x32', goarch: null };
    case EM_386:
      return { machine: 'i386', goarch: '386' };
    case EM_AARCH64:
      return { machine: 'aarch64', goarch: elfClass === 64 ? 'arm64' : null };
    case EM_ARM:
      return { machine: little ? 'arm' : 'armeb', goarch: little ? 'arm' : null };
    case EM_PPC64:
      return little
        ? { machine: 'ppc64le', goarch: 'ppc64le' }
        : { machine: 'ppc64', goarch: 'ppc64' };
    case EM_PPC:
      return { machine: 'ppc', goarch: null };
    case EM_S390:
      return elfClass === 64
        ? { machine: 's390x', goarch: 's390x' }
        : { machine: 's390', goarch: null };
    case EM_RISCV:
      return elfClass === 64
        ? { machine: 'riscv64', goarch: 'riscv64' }
        : { machine: 'riscv32', goarch: null };
    case EM_MIPS:
      if (elfClass === 64)
        return little
          ? { machine: 'mips64el', goarch: 'mips64le' }
          : { machine: 'mips64', goarch: 'mips64' };
      return little ? { machine: 'mipsel', goarch: 'mipsle' } : { machine: 'mips', goarch: 'mips' };
    case EM_LOONGARCH:
      return elfClass === 64
        ? { machine: 'loongarch64', goarch: 'loong64' }
        : { machine: 'loongarch32', goarch: null };
    default:
      return { machine: `EM_${eMachine}`, goarch: null };
  }
}

/** readelf's names for p_type values; machine-specific ones depend on e_machine. */
export function segmentTypeName(type: number, eMachine: number): string | null {
  const common: Record<number, string> = {
    0: 'NULL',
    1: 'LOAD',
    2: 'DYNAMIC',
    3: 'INTERP',
    4: 'NOTE',
    5: 'SHLIB',
    6: 'PHDR',
    7: 'TLS',
    0x6474e550: 'GNU_EH_FRAME',
    0x6474e551: 'GNU_STACK',
    0x6474e552: 'GNU_RELRO',
    0x6474e553: 'GNU_PROPERTY',
    0x65041580: 'PAX_FLAGS',
  };
  if (common[type]) return common[type];
  if (eMachine === EM_ARM && type === 0x70000001) return 'EXIDX';
  if (eMachine === EM_AARCH64 && type === 0x70000002) return 'AARCH64_MEMTAG_MTE';
  if (eMachine === EM_MIPS) {
    const mips: Record<number, string> = {
      0x70000000: 'REGINFO',
      0x70000001: 'RTPROC',
      0x70000002: 'OPTIONS',
      0x70000003: 'ABIFLAGS',
    };
    if (mips[type]) return mips[type];
  }
  if (eMachine === EM_RISCV && type === 0x70000003) return 'RISCV_ATTRIBUT';
  if (eMachine === EM_S390 && type === 0x70000000) return 'S390_PGSTE';
  return null;
}
