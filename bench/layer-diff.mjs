// Lists what an install step added or changed in a root filesystem, so the step can become one
// image layer the way a `RUN apt-get install` would.
// Usage: node bench/layer-diff.mjs BEFORE AFTER CHANGED_LIST DELETED_LIST
// Both lists are NUL-separated paths relative to the root ("./usr/bin/gcc"), ready for
// `tar --null --no-recursion -T`. A path is "changed" when it is new, or its type, mode, owner,
// size, mtime or link target differs; AFTER is a full copy of BEFORE (cp -a keeps mtimes to the
// nanosecond), so an untouched file compares equal without reading its content.
import { lstatSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const [before, after, changedOut, deletedOut] = process.argv.slice(2);
if (!deletedOut) {
  console.error('usage: node bench/layer-diff.mjs BEFORE AFTER CHANGED_LIST DELETED_LIST');
  process.exit(2);
}

function walk(root) {
  const entries = new Map();
  const pending = ['.'];
  while (pending.length > 0) {
    const rel = pending.pop();
    const st = lstatSync(path.join(root, rel), { bigint: true });
    entries.set(rel, st);
    if (st.isDirectory()) {
      for (const name of readdirSync(path.join(root, rel))) pending.push(`${rel}/${name}`);
    }
  }
  return entries;
}

function sameEntry(rel, a, b) {
  if (a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid) return false;
  // A directory's size and mtime change whenever an entry is added; only its own metadata
  // (mode and owner) matters for the layer, the new entries are listed themselves.
  if (a.isDirectory()) return true;
  if (a.size !== b.size || a.mtimeNs !== b.mtimeNs || a.rdev !== b.rdev) return false;
  if (a.isSymbolicLink()) {
    return readlinkSync(path.join(before, rel)) === readlinkSync(path.join(after, rel));
  }
  return true;
}

const beforeEntries = walk(before);
const afterEntries = walk(after);
const changed = [];
for (const [rel, st] of afterEntries) {
  if (rel === '.') continue;
  const old = beforeEntries.get(rel);
  if (!old || !sameEntry(rel, old, st)) changed.push(rel);
}
const deleted = [...beforeEntries.keys()].filter((rel) => !afterEntries.has(rel));
changed.sort();
deleted.sort();
writeFileSync(changedOut, changed.map((p) => `${p}\0`).join(''));
writeFileSync(deletedOut, deleted.map((p) => `${p}\0`).join(''));
console.log(`${changed.length} new or changed, ${deleted.length} deleted (${after} vs ${before})`);
