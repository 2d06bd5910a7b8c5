/** A copy of an ELF file with the section header fields of its ELF header zeroed (e_shoff, e_shnum, e_shstrndx). */
export function withoutSectionHeaders(bytes: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(bytes);
  const is64 = copy[4] === 2;
  const [shoff, shoffSize, shnum, shstrndx] = is64 ? [40, 8, 60, 62] : [32, 4, 48, 50];
  copy.fill(0, shoff, shoff + shoffSize);
  copy.fill(0, shnum, shnum + 2);
  copy.fill(0, shstrndx, shstrndx + 2);
  return copy;
}
