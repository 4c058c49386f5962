// Cancel on an interrupt, counted once: the CLI may run as the child of its own re-run (hugepages.ts),
// whose parent passes on what it receives, and a terminal's Ctrl-C reaches every process of the group,
// so one interrupt can arrive twice within milliseconds. The first calls the handler; repeats within
// `graceMs` are ignored; after that the handler is gone and a further interrupt has its default effect
// (stops the process at once), as a second Ctrl-C should.

/** Calls `h` on the first of `signals`; returns a function that removes the handling. */
export function onInterrupt(signals: readonly NodeJS.Signals[], h: () => void, graceMs = 1000): () => void {
  let fired = false;
  let timer: NodeJS.Timeout | undefined;
  const off = () => {
    clearTimeout(timer);
    for (const s of signals) process.off(s, listener);
  };
  const listener = () => {
    if (fired) return;
    fired = true;
    h();
    timer = setTimeout(off, graceMs);
    timer.unref();
  };
  for (const s of signals) process.on(s, listener);
  return off;
}
