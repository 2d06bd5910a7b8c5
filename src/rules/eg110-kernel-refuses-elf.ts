/**
 * EG110: an ELF program the image starts that Linux's ELF loader refuses (execve fails with
 * `exec format error`) or maps and then kills at once (SIGSEGV, exit 139; SIGBUS, exit 135),
 * judged from the checks of fs/binfmt_elf.c and what the dynamic loader first reads
 * (src/elf/kernel-exec.ts). Error for the entrypoint chain, the Dockerfile's files and programs
 * in PATH; nothing for other files (libraries are never executed directly).
 */
import type { Finding } from '../findings.js';
import { blameFile, finding, isExecutableFile, type Rule } from './context.js';
import { entrypointExec } from './support/exec.js';
import { isStartable, LIBRARY_NAME } from './support/loads.js';
import { kernelFailureMessage } from '../elf/kernel-exec.js';

export const EG110: Rule = {
  id: 'EG110',
  name: 'kernel-refuses-elf',
  defaultLevel: 'error',
  shortDescription: 'ELF program the kernel refuses or kills at once',
  fullDescription:
    "An ELF program the image can start breaks one of the kernel's checks of fs/binfmt_elf.c (e_type, e_phentsize, program header table, PT_INTERP, PT_LOAD alignment and addresses, p_filesz against p_memsz, the entry point): execve fails with exec format error, or the process dies before its first instruction with SIGSEGV.",
  runtimeError: 'exec /app: exec format error',
  why: [
    'Before a program runs, the kernel checks its ELF header and program headers. A type other',
    'than ET_EXEC/ET_DYN (an object file, a core dump), a wrong program header size, no or too',
    'many program headers, or a PT_INTERP that is empty, longer than PATH_MAX or not',
    'NUL-terminated make `execve` fail with `ENOEXEC`. Past that point the old process image is',
    'gone, so a segment that cannot be mapped (file offset and address not congruent modulo the',
    'page size, an address in kernel space, p_filesz larger than p_memsz), no PT_LOAD at all, or',
    'an entry point outside executable memory kill the process with SIGSEGV: exit status 139 and',
    'no output. Such files come from broken post-processing (a patcher, a packer, a truncated',
    'download or copy), not from a working toolchain.',
  ].join('\n'),
  fix: [
    'Rebuild the program, or copy it again from its source; check what rewrote it:',
    '',
    '```diff',
    '-RUN upx --best /out/app',
    '+RUN go build -o /out/app .',
    '```',
  ].join('\n'),
  safeToIgnore: 'Never for a file that is executed.',
  tags: ['reliability', 'elf', 'kernel', 'container'],
  precision: 'high',
  confirmedBy: 'load',
  check(ctx) {
    const findings: Finding[] = [];
    const chain = entrypointExec(ctx);
    const inChain = new Set(chain?.steps.map((s) => s.resolved) ?? []);
    for (const file of ctx.image.files.values()) {
      const verdict = file.kernelExec;
      if (file.type !== 'file' || verdict === null || file.linkTarget !== null) continue;
      const started = inChain.has(file.path);
      if (!started) {
        if (!isExecutableFile(file.mode) || !isStartable(ctx, file.path)) continue;
        if (file.elf?.linkage === 'shared-library' || LIBRARY_NAME.test(file.path)) continue;
      }
      const signal = verdict.failure === 'SIGSEGV' || verdict.failure === 'SIGBUS';
      const execPath = started && chain?.steps[0]?.path ? chain.steps[0].path : file.path;
      const found = finding(
        'EG110',
        EG110.defaultLevel,
        file.path,
        signal
          ? `The kernel maps ${file.path} but the process dies at once with ${verdict.failure} (exit ${verdict.failure === 'SIGSEGV' ? 139 : 135}): ${verdict.reason}`
          : `The kernel refuses to execute ${file.path} (${verdict.failure === 'EIO' ? 'input/output error' : 'exec format error'}): ${verdict.reason}`,
        [
          started
            ? 'started by the image (its entrypoint or a #! interpreter of it)'
            : "an executable the image can start (the Dockerfile's, or in PATH)",
          `fs/binfmt_elf.c: ${verdict.reason}`,
        ],
        blameFile(ctx, file.path),
      );
      // A signal prints nothing: the finding foretells the exit status instead of a line.
      findings.push({
        ...found,
        runtimeError: signal
          ? `killed by ${verdict.failure} before its first instruction: exit status ${verdict.failure === 'SIGSEGV' ? 139 : 135}, no output`
          : (kernelFailureMessage(verdict.failure, execPath) as string),
      });
    }
    return findings;
  },
};
