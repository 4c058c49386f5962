// Transparent huge pages for the CLI's large buffers. Every weight matrix, shuffled copy and Gram
// matrix is a fresh multi-megabyte buffer on first use; the kernel backs it page by page, one fault per
// 4 KiB on first touch. Where a fault is expensive (measured 4.4 ms per MB on a 2-vCPU VM: more than
// the Gram product of the same matrix) that is most of an analysis's time. glibc (≥ 2.35) can ask the
// kernel for 2 MiB pages for its large allocations (GLIBC_TUNABLES=glibc.malloc.hugetlb=1), which
// node's ArrayBuffers come from; the setting is read once at process start, so the CLI re-runs itself
// once under it when it would help: Linux, glibc ≥ 2.35, THP in "madvise" mode ("always" already gives
// huge pages, "never" none), the variable not already set, and THEORY_LENS_HUGEPAGES not 0.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const HUGETLB_TUNABLE = 'glibc.malloc.hugetlb=1';

export interface HugePageProbe {
  platform: string;
  env: NodeJS.ProcessEnv;
  /** Contents of /sys/kernel/mm/transparent_hugepage/enabled, or null. */
  thp: string | null;
  /** glibc's runtime version ('2.36'), or null (not glibc). */
  glibc: string | null;
  /** The CLI's arguments (the command decides whether a re-run pays off). */
  argv: readonly string[];
}

/** Commands that measure weights (the others print text and exit: not worth a second process). */
const HEAVY = (argv: readonly string[]) => !!argv[0] && !['collect', 'measures', 'help', '--help', '-h', '--version', '-v', 'version'].includes(argv[0]);

/** The environment to re-run under, or why not. */
export function hugePageDecision(p: HugePageProbe): { env: NodeJS.ProcessEnv; why: string } | { env: null; why: string } {
  if (p.platform !== 'linux') return { env: null, why: `not Linux (${p.platform})` };
  if (p.env.THEORY_LENS_HUGEPAGES === '0') return { env: null, why: 'THEORY_LENS_HUGEPAGES=0' };
  const tun = p.env.GLIBC_TUNABLES ?? '';
  if (/(^|:)glibc\.malloc\.hugetlb=/.test(tun)) return { env: null, why: `GLIBC_TUNABLES already sets it (${tun})` };
  if (!HEAVY(p.argv)) return { env: null, why: 'this command reads no weights' };
  const mode = /\[(\w+)\]/.exec(p.thp ?? '')?.[1];
  if (mode !== 'madvise') return { env: null, why: mode ? `transparent huge pages are "${mode}"` : 'no transparent huge pages' };
  const [maj, min] = (p.glibc ?? '').split('.').map(Number);
  if (!(maj > 2 || (maj === 2 && min >= 35))) return { env: null, why: p.glibc ? `glibc ${p.glibc} < 2.35 has no hugetlb tunable` : 'not glibc' };
  return { env: { ...p.env, GLIBC_TUNABLES: tun ? `${tun}:${HUGETLB_TUNABLE}` : HUGETLB_TUNABLE }, why: `GLIBC_TUNABLES=${tun ? `${tun}:` : ''}${HUGETLB_TUNABLE}` };
}

/** This process's probe. */
export function probeHugePages(argv: readonly string[]): HugePageProbe {
  let thp: string | null = null;
  try {
    thp = readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8');
  } catch {
    thp = null;
  }
  let glibc: string | null = null;
  if (process.platform === 'linux' && thp !== null) {
    const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
    glibc = header?.glibcVersionRuntime ?? null;
  }
  return { platform: process.platform, env: process.env, thp, glibc, argv };
}

/**
 * Runs this same command again in a child process under `env`, its stdio this one's; resolves with
 * its exit code (a child killed by a signal: that signal is raised here too). SIGINT, SIGTERM and SIGHUP
 * sent to this process are passed on (the CLI ignores a repeat of one within a second, so a signal sent
 * to the whole process group, which reaches both, counts once). Resolves null when the child could not
 * be started (the caller then runs in this process).
 */
export function rerunUnder(env: NodeJS.ProcessEnv): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env });
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    const forward = (s: NodeJS.Signals) => {
      try {
        child.kill(s);
      } catch {
        /* already gone */
      }
    };
    for (const s of signals) process.on(s, forward);
    const done = () => { for (const s of signals) process.off(s, forward); };
    child.once('error', () => {
      done();
      resolve(null);
    });
    child.once('exit', (code, signal) => {
      done();
      if (signal) {
        process.kill(process.pid, signal);
        resolve(128 + 1);
        return;
      }
      resolve(code ?? 1);
    });
  });
}
