/**
 * What Linux's ELF loader (fs/binfmt_elf.c, load_elf_binary and load_elf_phdrs, x86-64 and
 * arm64 kernels of the 5.x/6.x series) does with a program before its first instruction runs:
 * the checks that make execve(2) fail (`exec format error`, ENOEXEC; `input/output error`, EIO
 * for a short read), and the failures after the point of no return (begin_new_exec), which the
 * kernel turns into a fatal SIGSEGV: the container exits with 139 and prints nothing.
 *
 * Read independently of src/elf's fact parser on purpose: the parser rejects files the kernel
 * accepts (and the reverse), and this verdict must hold for both. Only the file's own fields are
 * read: the ELF header, the program header table and the PT_INTERP bytes. The architecture is
 * judged elsewhere (EG106): the checks here assume a kernel that runs this machine and class.
 */
import type { ByteSource } from './byte-source.js';

/** How the kernel ends an execve of the file, when it does not run it. */
export type KernelExecFailure = 'ENOEXEC' | 'EIO' | 'SIGSEGV' | 'SIGBUS';

export interface KernelExecVerdict {
  failure: KernelExecFailure;
  /** What the kernel checks and this file breaks, with the field and its value. */
  reason: string;
}

const ET_EXEC = 2;
const ET_DYN = 3;
const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const PT_PHDR = 6;
const PT_GNU_STACK = 0x6474e551;
const PT_GNU_PROPERTY = 0x6474e553;
/** MAX_LFS_FILESIZE: mmap refuses file offsets beyond it (EOVERFLOW). */
const MAX_FILE_OFFSET = 0x7fffffffffffffffn;
const PF_X = 1;
/** include/uapi/linux/limits.h */
const PATH_MAX = 4096;
/** load_elf_phdrs refuses a program header table larger than this. */
const MAX_PHDR_TABLE = 65536;
/** ELF_MIN_ALIGN on x86 and on arm64 with 4 KiB pages. */
const PAGE_SIZE = 4096n;
/** TASK_SIZE: the top of user space (x86-64 with 4-level paging; a compat task's 32-bit limit). */
const TASK_SIZE_64 = 0x7ffffffff000n;
const TASK_SIZE_32 = 0xffffe000n;

interface Phdr {
  index: number;
  type: number;
  flags: number;
  offset: bigint;
  vaddr: bigint;
  filesz: bigint;
  memsz: bigint;
}

function reader(bytes: Uint8Array, little: boolean) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    u16: (at: number) => view.getUint16(at, little),
    u32: (at: number) => view.getUint32(at, little),
    u64: (at: number) => view.getBigUint64(at, little),
  };
}

/** e_machine values of the 64-bit and 32-bit little-endian machines Linux runs. */
const LE64_MACHINES = new Set([62, 183, 243, 258]);
const LE32_MACHINES = new Set([3, 40]);

/**
 * How the kernel reads the header: each ELF handler accepts the e_machine values of its class
 * (elf_check_arch: e_machine only, EI_CLASS and EI_DATA are not consulted), reading in the CPU's
 * byte order. Null for a machine outside this model (EG106 says it does not run).
 */
function layoutOf(head: Uint8Array): { is64: boolean; little: boolean } | null {
  const le = head[18]! | (head[19]! << 8);
  if (LE64_MACHINES.has(le)) return { is64: true, little: true };
  if (LE32_MACHINES.has(le)) return { is64: false, little: true };
  if (head[4] === 1 || head[4] === 2) return { is64: head[4] === 2, little: head[5] !== 2 };
  return null;
}

function hex(n: bigint | number): string {
  return `0x${n.toString(16)}`;
}

/**
 * The kernel's verdict on executing this ELF file, or null when the kernel maps it and jumps to
 * its entry point (whatever the program then does). `source` is the whole file. Follows
 * load_elf_binary's order: header, program header table, PT_INTERP, then the mappings and the
 * entry point after the point of no return. Never throws: every read is bounds-checked.
 */
export function kernelExecVerdict(source: ByteSource): KernelExecVerdict | null {
  const enoexec = (reason: string): KernelExecVerdict => ({ failure: 'ENOEXEC', reason });
  const segv = (reason: string): KernelExecVerdict => ({ failure: 'SIGSEGV', reason });
  // The kernel reads the first BINPRM_BUF_SIZE (256) bytes; the header must be among them.
  const head = source.read(0, Math.min(source.size, 64));
  if (
    head.length < 20 ||
    head[0] !== 0x7f ||
    head[1] !== 0x45 ||
    head[2] !== 0x4c ||
    head[3] !== 0x46
  )
    return enoexec('no ELF magic');
  const layout = layoutOf(head);
  if (layout === null) return null;
  const { is64, little } = layout;
  const ehsize = is64 ? 64 : 52;
  if (head.length < ehsize)
    return enoexec(`the file (${source.size} bytes) ends inside the ELF header`);
  const h = reader(head, little);
  const type = h.u16(16);
  if (type !== ET_EXEC && type !== ET_DYN)
    return enoexec(`e_type ${type} is neither ET_EXEC (2) nor ET_DYN (3)`);
  const entry = is64 ? h.u64(24) : BigInt(h.u32(24));
  const phoff = is64 ? h.u64(32) : BigInt(h.u32(28));
  const phentsize = h.u16(is64 ? 54 : 42);
  const phnum = h.u16(is64 ? 56 : 44);
  const phdrSize = is64 ? 56 : 32;
  if (phentsize !== phdrSize)
    return enoexec(`e_phentsize ${phentsize} is not the size of a program header (${phdrSize})`);
  const tableSize = phentsize * phnum;
  if (tableSize === 0) return enoexec('e_phnum is 0: the program has no program header table');
  if (tableSize > MAX_PHDR_TABLE)
    return enoexec(
      `the program header table (${tableSize} bytes) is larger than ${MAX_PHDR_TABLE}`,
    );
  if (phoff + BigInt(tableSize) > BigInt(source.size))
    return enoexec(
      `the program header table (${hex(phoff)}+${hex(tableSize)}) runs past the end of the file (${hex(source.size)})`,
    );
  const table = source.read(Number(phoff), tableSize);
  const t = reader(table, little);
  const phdrs: Phdr[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = i * phentsize;
    phdrs.push(
      is64
        ? {
            index: i,
            type: t.u32(at),
            flags: t.u32(at + 4),
            offset: t.u64(at + 8),
            vaddr: t.u64(at + 16),
            filesz: t.u64(at + 32),
            memsz: t.u64(at + 40),
          }
        : {
            index: i,
            type: t.u32(at),
            offset: BigInt(t.u32(at + 4)),
            vaddr: BigInt(t.u32(at + 8)),
            filesz: BigInt(t.u32(at + 16)),
            memsz: BigInt(t.u32(at + 20)),
            flags: t.u32(at + 24),
          },
    );
  }
  const interp = phdrs.find((p) => p.type === PT_INTERP);
  if (interp) {
    if (interp.filesz > BigInt(PATH_MAX) || interp.filesz < 2n)
      return enoexec(
        `PT_INTERP (segment ${interp.index}) is ${interp.filesz} bytes: the kernel takes 2 to ${PATH_MAX}`,
      );
    if (interp.offset + interp.filesz > BigInt(source.size))
      return {
        failure: 'EIO',
        reason: `PT_INTERP (segment ${interp.index}, ${hex(interp.offset)}+${hex(interp.filesz)}) runs past the end of the file`,
      };
    const name = source.read(Number(interp.offset), Number(interp.filesz));
    if (name[name.length - 1] !== 0)
      return enoexec(`PT_INTERP (segment ${interp.index}) does not end with a NUL byte`);
  }

  // Past this point the old program is gone (begin_new_exec): a failure is a fatal SIGSEGV.
  const loads = phdrs.filter((p) => p.type === PT_LOAD);
  if (loads.length === 0) return segv('no PT_LOAD segment: nothing of the program is mapped');
  const taskSize = is64 ? TASK_SIZE_64 : TASK_SIZE_32;
  for (const p of loads) {
    if (p.filesz > p.memsz)
      return segv(
        `PT_LOAD segment ${p.index} has p_filesz ${hex(p.filesz)} larger than p_memsz ${hex(p.memsz)}`,
      );
    if (p.filesz > 0n && (p.vaddr - p.offset) % PAGE_SIZE !== 0n)
      return segv(
        `PT_LOAD segment ${p.index}: p_offset ${hex(p.offset)} and p_vaddr ${hex(p.vaddr)} differ modulo the page size, so it cannot be mapped`,
      );
    if (p.filesz > 0n && p.offset + roundUp(p.filesz) > MAX_FILE_OFFSET)
      return segv(
        `PT_LOAD segment ${p.index}: file offset ${hex(p.offset)}+${hex(p.filesz)} is beyond what mmap accepts`,
      );
    if (p.vaddr >= taskSize || p.memsz > taskSize - p.vaddr)
      return segv(
        `PT_LOAD segment ${p.index} (${hex(p.vaddr)}+${hex(p.memsz)}) reaches past user space (${hex(taskSize)})`,
      );
  }
  if (type === ET_DYN) {
    // total_mapping_size: one reservation from the first PT_LOAD's page to the last one's end.
    const first = loads[0]!;
    const last = loads[loads.length - 1]!;
    const start = first.vaddr - (first.vaddr % PAGE_SIZE);
    if (last.vaddr + last.memsz <= start || last.vaddr + last.memsz - start > taskSize)
      return segv(
        `the PT_LOAD segments span ${hex(start)} to ${hex(last.vaddr + last.memsz)}: no room for them in user space`,
      );
  }
  // A 64-bit x86 or arm64 task never has READ_IMPLIES_EXEC; a 32-bit one has it without
  // PT_GNU_STACK, when every readable mapping is executable.
  const readImpliesExec = !is64 && !phdrs.some((p) => p.type === PT_GNU_STACK);
  // Segments are mapped in order over each other: the last one holding the entry decides.
  const holder = [...loads].reverse().find((p) => entry >= p.vaddr && entry < p.vaddr + p.memsz);
  if (!holder) return segv(`the entry point ${hex(entry)} lies in no PT_LOAD segment`);
  if (!readImpliesExec && (holder.flags & PF_X) === 0)
    return segv(
      `the entry point ${hex(entry)} lies in PT_LOAD segment ${holder.index}, which is not executable`,
    );
  if (entry >= holder.vaddr + holder.filesz)
    return segv(
      `the entry point ${hex(entry)} lies past the file bytes of PT_LOAD segment ${holder.index} (in zero-filled memory)`,
    );
  // Pages mapped from beyond the end of the file fault with SIGBUS when touched; the kernel
  // touches the last one to zero the bss, the CPU the one with the entry point.
  const fileEnd = roundUp(BigInt(source.size));
  const entryOffset = holder.offset + (entry - holder.vaddr);
  if (entryOffset >= fileEnd)
    return {
      failure: 'SIGBUS',
      reason: `the entry point ${hex(entry)} maps to file offset ${hex(entryOffset)}, past the end of the file (${hex(source.size)})`,
    };
  if (interp) {
    const loaderVerdict = dynamicStartVerdict(phdrs, loads, phoff, is64 ? 16n : 8n);
    if (loaderVerdict) return loaderVerdict;
  }
  return null;
}

function roundUp(n: bigint): bigint {
  return ((n + PAGE_SIZE - 1n) / PAGE_SIZE) * PAGE_SIZE;
}

/** The PT_LOAD whose memory holds [vaddr, vaddr + size) with file bytes, or undefined. */
function mappedFromFile(loads: Phdr[], vaddr: bigint, size: bigint): Phdr | undefined {
  return loads.find((p) => vaddr >= p.vaddr && vaddr + size <= p.vaddr + p.filesz);
}

/**
 * What a dynamic program's loader reads of it before anything else, from memory (glibc's
 * rtld.c dl_main, musl's ldso/dynlink.c): the load address from AT_PHDR and PT_PHDR's p_vaddr,
 * the PT_INTERP name and the PT_DYNAMIC array at their p_vaddr. When these are not where the
 * program's PT_LOADs map them, the loader reads unmapped or wrong memory: SIGSEGV.
 */
function dynamicStartVerdict(
  phdrs: Phdr[],
  loads: Phdr[],
  phoff: bigint,
  dynEntry: bigint,
): KernelExecVerdict | null {
  const segv = (reason: string): KernelExecVerdict => ({ failure: 'SIGSEGV', reason });
  const tableHolder = loads.find((p) => phoff >= p.offset && phoff < p.offset + p.filesz);
  const phdrSeg = phdrs.find((p) => p.type === PT_PHDR);
  if (phdrSeg && tableHolder) {
    const mappedAt = tableHolder.vaddr + (phoff - tableHolder.offset);
    if (phdrSeg.vaddr !== mappedAt)
      return segv(
        `PT_PHDR says the program headers are at ${hex(phdrSeg.vaddr)}, but PT_LOAD segment ${tableHolder.index} maps them at ${hex(mappedAt)}: the loader computes a wrong load address`,
      );
  }
  // The loader starts reading each at its p_vaddr: the PT_INTERP name, the first GNU property
  // note header, the dynamic array's first entry (16 bytes on 64-bit, 8 on 32-bit).
  for (const [type, name] of [
    [PT_INTERP, 'PT_INTERP'],
    [PT_GNU_PROPERTY, 'PT_GNU_PROPERTY'],
    [PT_DYNAMIC, 'PT_DYNAMIC'],
  ] as const) {
    const seg = phdrs.find((p) => p.type === type);
    if (!seg) continue;
    const first = type === PT_INTERP ? 1n : type === PT_DYNAMIC ? dynEntry : 16n;
    const size = first < seg.filesz ? first : seg.filesz;
    if (!mappedFromFile(loads, seg.vaddr, size))
      return segv(
        `${name} (segment ${seg.index}, ${hex(seg.vaddr)}+${hex(seg.filesz)}) is not in the memory the PT_LOAD segments map from the file, where the loader reads it`,
      );
  }
  return null;
}

/** The message runc prints for a failed execve of `path`, or null for a signal (nothing). */
export function kernelFailureMessage(failure: KernelExecFailure, path: string): string | null {
  if (failure === 'ENOEXEC') return `exec ${path}: exec format error`;
  if (failure === 'EIO') return `exec ${path}: input/output error`;
  return null;
}
