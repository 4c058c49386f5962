// The one cancellation error of the engine and its hosts: thrown when an analysis is cancelled (the
// signal, a closed pool, a disposed worker client). When forward phases were under way it carries the
// last partial report, so a caller can keep what was computed.
import type { Report } from './report';

export class CancelledError extends Error {
  constructor(readonly partial?: Report) {
    super('analysis cancelled');
    this.name = 'CancelledError';
  }
}
