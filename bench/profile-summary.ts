// Reads a V8 CPU profile (`node --cpu-prof`, or the bench's --node-arg=--cpu-prof) and prints
// where the main thread's time went: idle (waiting in epoll), garbage collection, native calls
// (mostly system calls: send, recv, fdatasync hand-offs), and JavaScript grouped by file, with
// the hottest functions. `node dist/bench/profile-summary.js FILE.cpuprofile [--from MS --to MS] [--top N]`
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  samples: number;
  /** Share of samples, 0..1, per category: idle, gc, native, program, and one per JS file. */
  categories: [string, number][];
  /** The hottest functions (self time), share of samples. */
  functions: [string, number][];
}

/** The category of one sample's leaf frame. */
function category(f: CallFrame): string {
  if (f.functionName === '(idle)') return 'idle (event loop waiting)';
  if (f.functionName === '(garbage collector)') return 'garbage collector';
  if (f.functionName === '(program)') return 'V8/Node internals (program)';
  if (f.url === '') return `native: ${f.functionName || '(anonymous)'}`;
  if (f.url.startsWith('node:')) return 'node: core JS (dgram, fs, timers, promises)';
  const m = /\/dist\/(src\/[^/]+)\//.exec(f.url);
  if (m) return `hydra ${m[1]}/`;
  if (f.url.includes('/node_modules/')) return 'node_modules';
  return f.url.replace(/^.*\//, '');
}

function label(f: CallFrame): string {
  const file = f.url.replace(/^.*\/dist\//, '').replace(/^file:\/\//, '');
  return `${f.functionName || '(anonymous)'} ${file ? `${file}:${f.lineNumber + 1}` : ''}`.trim();
}

/** Self-time shares over the samples between `fromMs` and `toMs` (profile time, from its start). */
export function summarizeProfile(p: CpuProfile, fromMs = 0, toMs = Infinity, top = 15): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
  const cats = new Map<string, number>();
  const fns = new Map<string, number>();
  let t = 0;
  let n = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i]! / 1000;
    if (t < fromMs || t > toMs) continue;
    const f = byId.get(p.samples[i]!);
    if (!f) continue;
    n++;
    const c = category(f);
    cats.set(c, (cats.get(c) ?? 0) + 1);
    const l = label(f);
    fns.set(l, (fns.get(l) ?? 0) + 1);
  }
  const share = (m: Map<string, number>): [string, number][] =>
    [...m].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, n > 0 ? v / n : 0]);
  return { samples: n, categories: share(cats), functions: share(fns).slice(0, top) };
}

export function formatProfileSummary(s: ProfileSummary): string {
  const pct = (x: number): string => `${(100 * x).toFixed(1).padStart(5)} %`;
  const lines = [`${s.samples} samples (main thread)`, '', 'by category:'];
  for (const [k, v] of s.categories) if (v >= 0.005) lines.push(`  ${pct(v)}  ${k}`);
  lines.push('', 'hottest functions (self):');
  for (const [k, v] of s.functions) lines.push(`  ${pct(v)}  ${k}`);
  return lines.join('\n');
}

function arg(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} needs a number ≥ 0`);
  return v;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, '/'))) {
  const file = process.argv[2];
  if (!file || file.startsWith('--')) {
    process.stderr.write('usage: node dist/bench/profile-summary.js FILE.cpuprofile [--from MS] [--to MS] [--top N]\n');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  process.stdout.write(formatProfileSummary(summarizeProfile(profile, arg('from') ?? 0, arg('to') ?? Infinity, arg('top') ?? 15)) + '\n');
}
