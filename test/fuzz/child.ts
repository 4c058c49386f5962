// A fuzzing child process: runs the inputs its parent names, one at a time, in-process, and replies
// with the outcome and its peak resident memory so far (the parent watches the time and the RSS).
import { runInput } from './target';

process.on('message', async (m: { id: number; kind: 'onnx' | 'probe'; file: string }) => {
  const r = await runInput(m.kind, m.file);
  process.send!({ id: m.id, ...r, maxRssKb: process.resourceUsage().maxRSS });
});
process.send!({ ready: true });
