#!/usr/bin/env node
// No import cycle between files, nor between folders (each feature folder counts as one, as do db/,
// http/, lib/…): a layer that imports the one above it is a cycle waiting to happen. Tests are left
// out, since they may import from anywhere. Run by .ci/run; exits 1 naming each cycle.
import madge from 'madge';

const result = await madge('src', { fileExtensions: ['ts'], tsConfig: 'tsconfig.json', excludeRegExp: [/\.test\.ts$/] });
const graph = result.obj();

const problems = [];
const fileCycles = result.circular();
for (const cycle of fileCycles) problems.push(`files: ${cycle.join(' → ')} → ${cycle[0]}`);

// A file's unit: features/<name> for a feature, its folder for the rest, itself at the top of src.
const unitOf = (file) => {
  const feature = /^features\/([^/]+)\//.exec(file);
  if (feature) return `features/${feature[1]}`;
  const slash = file.lastIndexOf('/');
  return slash < 0 ? file : file.slice(0, slash);
};
const edges = new Map(); // unit → Map(unit → an example import)
for (const [file, deps] of Object.entries(graph)) {
  const from = unitOf(file);
  if (!edges.has(from)) edges.set(from, new Map());
  for (const dep of deps) {
    const to = unitOf(dep);
    if (from !== to && !edges.get(from).has(to)) edges.get(from).set(to, `${file} → ${dep}`);
  }
}
// Units that reach each other are one strongly connected component (Tarjan); each of more than one unit is a cycle.
let index = 0;
const stack = [];
const meta = new Map();
function connect(v) {
  meta.set(v, { index, low: index, onStack: true });
  index++;
  stack.push(v);
  for (const w of (edges.get(v) ?? new Map()).keys()) {
    if (!meta.has(w)) {
      connect(w);
      meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).low);
    } else if (meta.get(w).onStack) meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).index);
  }
  if (meta.get(v).low === meta.get(v).index) {
    const component = [];
    let w;
    do {
      w = stack.pop();
      meta.get(w).onStack = false;
      component.push(w);
    } while (w !== v);
    if (component.length > 1) {
      const inside = new Set(component);
      const imports = component.flatMap((a) => [...(edges.get(a) ?? [])].filter(([b]) => inside.has(b)).map(([, example]) => example));
      problems.push(`units that import each other: ${component.sort().join(', ')}\n    ${imports.sort().join('\n    ')}`);
    }
  }
}
for (const unit of [...edges.keys()].sort()) if (!meta.has(unit)) connect(unit);

if (problems.length) {
  console.error(`Import cycles (${problems.length}):\n${problems.map((p) => `  ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(`No import cycles among ${Object.keys(graph).length} files and ${edges.size} folders and top-level files.`);
