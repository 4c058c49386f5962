// The fuzzer: `npm run fuzz -- --count N [--seed S] [--jobs J] [--timeout-ms T] [--budget-mb M] [--out DIR]`.
// Mutates the seeds (seeds.ts) with mutate.ts, runs every input in-process inside long-lived child
// processes (target.ts) under a watchdog (an input over T ms of CPU time, default 5000, or 12·T of wall
// time is a hang: the child is killed and replaced) and a memory ceiling (the child's peak RSS over M MB, default 512, is
// over-budget; its RSS is also polled and the child killed past 2·M), and prints the outcome table.
// Inputs that are not ok/clean are written to DIR (default fuzz-findings/) for the regression manifest.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mutateBytes, mutateCheckpoint, mutateProbe, mutateTree, rng } from './mutate';
import { checkpointSeeds, onnxSeeds, probeSeeds, type FuzzKind, type Seed } from './seeds';
import type { Outcome, RunResult } from './target';

export interface FuzzOptions {
  count: number;
  seed?: number;
  jobs?: number;
  timeoutMs?: number;
  budgetMb?: number;
  /** Folder for inputs that were not ok/clean; null: keep none. */
  out?: string | null;
  log?: (s: string) => void;
  /** Checked between inputs: true stops the run early (the summary counts what ran). */
  stop?: () => boolean;
}

export interface Finding {
  index: number;
  seed: string;
  outcome: Outcome;
  message?: string;
  why?: string;
  file?: string;
}

export interface FuzzSummary {
  count: number;
  seed: number;
  counts: Record<FuzzKind, Record<Outcome, number>>;
  findings: Finding[];
  peakRssMb: number;
  largestInputBytes: number;
  slowestMs: number;
  seconds: number;
}

const OUTCOMES: Outcome[] = ['ok', 'clean', 'unclear', 'hang', 'over-budget'];
const KINDS: FuzzKind[] = ['onnx', 'probe', 'checkpoint'];

/** The input number `i` of a run: which seed, and its mutated bytes (a pure function of seed and i). */
export function makeInput(seeds: Seed[], seed: number, i: number): { from: Seed; bytes: Uint8Array } {
  const r = rng((Math.imul(seed, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0);
  const onnx = seeds.filter((s) => s.kind === 'onnx');
  const probes = seeds.filter((s) => s.kind === 'probe');
  const checkpoints = seeds.filter((s) => s.kind === 'checkpoint');
  const u = r();
  const from = u < 0.25 ? probes[Math.floor(r() * probes.length)] : u < 0.45 && checkpoints.length ? checkpoints[Math.floor(r() * checkpoints.length)] : onnx[Math.floor(r() * onnx.length)];
  let bytes: Uint8Array | null = null;
  if (from.kind === 'probe') bytes = mutateProbe(from.bytes, r);
  else if (from.kind === 'checkpoint') bytes = mutateCheckpoint(from.bytes, r);
  else if (r() < 0.65) bytes = mutateTree(from.bytes, r);
  return { from, bytes: bytes ?? mutateBytes(from.bytes, r) };
}

class Child {
  proc!: ChildProcess;
  private ready!: Promise<void>;
  constructor() {
    this.start();
  }
  start(): void {
    this.proc = fork(join(__dirname, 'child.ts'), [], { execArgv: ['--import', 'tsx', '--max-old-space-size=1024'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    this.proc.stderr?.resume();
    this.ready = new Promise((res) => this.proc.once('message', () => res()));
  }
  restart(): void {
    this.proc.removeAllListeners('message');
    this.proc.kill('SIGKILL');
    this.start();
  }
  /** CPU time (user + system) of the child so far, in ms (Linux /proc; 0 elsewhere). */
  cpuMs(): number {
    try {
      const f = readFileSync(`/proc/${this.proc.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
    } catch {
      return 0;
    }
  }
  rssMb(): number {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${this.proc.pid}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : 0;
    } catch {
      return 0;
    }
  }
  async run(kind: FuzzKind, file: string, timeoutMs: number, budgetMb: number): Promise<RunResult & { rssMb: number; ms: number }> {
    await this.ready;
    const t0 = performance.now();
    return new Promise((resolve) => {
      let settled = false;
      const finish = (r: RunResult & { rssMb: number }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearInterval(poll);
        this.proc.removeListener('message', onMessage);
        this.proc.removeListener('exit', onExit);
        resolve({ ...r, ms: performance.now() - t0 });
      };
      const onMessage = (m: RunResult & { maxRssKb: number }) => finish({ outcome: m.outcome, message: m.message, why: m.why, rssMb: m.maxRssKb / 1024 });
      const onExit = () => {
        finish({ outcome: 'unclear', why: 'the process died', rssMb: 0 });
        this.start();
      };
      // A hang is over timeoutMs of the child's CPU time (a shared machine can starve a process of wall
      // time), or over 12 × timeoutMs of wall time whatever the CPU says.
      const cpu0 = this.cpuMs();
      const timer = setTimeout(() => {
        finish({ outcome: 'hang', why: `over ${12 * timeoutMs} ms of wall time`, rssMb: this.rssMb() });
        this.restart();
      }, 12 * timeoutMs);
      const poll = setInterval(() => {
        const rss = this.rssMb();
        const cpu = this.cpuMs() - cpu0;
        if (cpu > timeoutMs) {
          finish({ outcome: 'hang', why: `over ${timeoutMs} ms of CPU time`, rssMb: rss });
          this.restart();
        } else if (rss > 2 * budgetMb) {
          finish({ outcome: 'over-budget', why: `RSS ${rss.toFixed(0)} MB while running`, rssMb: rss });
          this.restart();
        }
      }, 25);
      this.proc.on('message', onMessage);
      this.proc.once('exit', onExit);
      this.proc.send({ id: 0, kind, file });
    });
  }
  close(): void {
    this.proc.removeAllListeners();
    this.proc.kill('SIGKILL');
  }
}

export async function fuzz(o: FuzzOptions): Promise<FuzzSummary> {
  const seed = o.seed ?? 1;
  const jobs = Math.max(1, o.jobs ?? 1);
  const timeoutMs = o.timeoutMs ?? 5000;
  const budgetMb = o.budgetMb ?? 512;
  const log = o.log ?? (() => {});
  const seeds = [...onnxSeeds(), ...probeSeeds(), ...checkpointSeeds()];
  const work = mkdtempSync(join(tmpdir(), 'tl-fuzz-'));
  for (const s of seeds) for (const [name, data] of s.beside ?? []) writeFileSync(join(work, name), data);
  if (o.out) mkdirSync(o.out, { recursive: true });
  const counts = Object.fromEntries(KINDS.map((kind) => [kind, Object.fromEntries(OUTCOMES.map((k) => [k, 0]))])) as FuzzSummary['counts'];
  const findings: Finding[] = [];
  let peakRssMb = 0;
  let largest = 0;
  let slowest = 0;
  const t0 = performance.now();
  let next = 0;
  const children = Array.from({ length: jobs }, () => new Child());
  await Promise.all(children.map(async (child, j) => {
    while (next < o.count && !o.stop?.()) {
      const i = next++;
      const { from, bytes } = makeInput(seeds, seed, i);
      largest = Math.max(largest, bytes.length);
      const file = join(work, `input-${j}${from.ext}`);
      writeFileSync(file, bytes);
      const r = await child.run(from.kind, file, timeoutMs, budgetMb);
      let outcome = r.outcome;
      if (outcome !== 'hang' && r.rssMb > budgetMb) outcome = 'over-budget';
      peakRssMb = Math.max(peakRssMb, r.rssMb);
      slowest = Math.max(slowest, r.ms);
      counts[from.kind][outcome]++;
      if (r.rssMb > budgetMb * 0.8) child.restart(); // a fresh process, so the next input's peak is its own
      if (outcome !== 'ok' && outcome !== 'clean') {
        const f: Finding = { index: i, seed: from.name, outcome, ...(r.message ? { message: r.message.replace(file, '<input>') } : {}), ...(r.why ? { why: r.why } : {}) };
        if (o.out) {
          f.file = join(o.out, `${outcome}-${i}-${from.name}`);
          writeFileSync(f.file, bytes);
        }
        findings.push(f);
        log(`#${i} ${from.name}: ${outcome}${r.why ? ` (${r.why})` : ''}${f.message ? `: ${f.message}` : ''}`);
      }
      if ((i + 1) % 1000 === 0) log(`${i + 1}/${o.count} inputs, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }
  }));
  children.forEach((c) => c.close());
  rmSync(work, { recursive: true, force: true });
  const ran = KINDS.reduce((a, kind) => a + OUTCOMES.reduce((b, k) => b + counts[kind][k], 0), 0);
  return { count: ran, seed, counts, findings, peakRssMb, largestInputBytes: largest, slowestMs: slowest, seconds: (performance.now() - t0) / 1000 };
}

export function table(s: FuzzSummary): string {
  const rows = [['kind', ...OUTCOMES, 'total']];
  for (const k of KINDS) {
    const c = s.counts[k];
    rows.push([k, ...OUTCOMES.map((o) => String(c[o])), String(OUTCOMES.reduce((a, o) => a + c[o], 0))]);
  }
  rows.push(['all', ...OUTCOMES.map((o) => String(KINDS.reduce((a, k) => a + s.counts[k][o], 0))), String(s.count)]);
  const w = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  const lines = rows.map((r) => r.map((c, j) => (j ? c.padStart(w[j]) : c.padEnd(w[j]))).join('  '));
  lines.push('', `seed ${s.seed}, ${s.count} inputs in ${s.seconds.toFixed(1)} s; peak RSS of any fuzzing process ${s.peakRssMb.toFixed(0)} MB; slowest input ${s.slowestMs.toFixed(0)} ms wall; largest input ${s.largestInputBytes} bytes`);
  return lines.join('\n');
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const arg = (name: string, d: number) => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : d;
  };
  const outIdx = argv.indexOf('--out');
  // SIGTERM / SIGINT: finish the inputs in flight and print the table of what ran.
  let stopping = false;
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => (stopping = true));
  fuzz({
    stop: () => stopping,
    count: arg('--count', 1000), seed: arg('--seed', 1), jobs: arg('--jobs', 1), timeoutMs: arg('--timeout-ms', 5000), budgetMb: arg('--budget-mb', 512),
    out: outIdx >= 0 ? argv[outIdx + 1] : 'fuzz-findings', log: (s) => process.stderr.write(s + '\n'),
  }).then((s) => {
    process.stdout.write(table(s) + '\n');
    const bad = s.findings.length;
    process.exit(bad ? 1 : 0);
  });
}
