// Display names of the measure and metric groups (the registry's `group` ids), for every view: the
// report's Measures table, the comparison table, exports. An id not listed reads as itself with its
// words split ("fooBar" → "Foo bar"), never as a bare internal id.

const GROUP_NAMES: Record<string, string> = {
  count: 'Size',
  norm: 'Norms',
  spectral: 'Spectral norms',
  heavyTailed: 'Heavy-tailed spectra (WeightWatcher)',
  init: 'Distance from the initial weights',
  accuracy: 'Accuracy and loss on the probes',
  margin: 'Output margins',
  pathNorm: 'Path-norm',
  flatness: 'Flatness (PAC-Bayes)',
  sharpness: 'Sharpness',
  bound: 'Bounds on the test error',
  bounds: 'Bounds on the test error',
  distance: 'Distance between checkpoints',
  metric: 'Your metrics',
  metrics: 'Your metrics',
  other: 'Other',
};

export function groupName(id: string): string {
  const known = GROUP_NAMES[id];
  if (known) return known;
  const words = id.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').trim().toLowerCase();
  return words ? words[0].toUpperCase() + words.slice(1) : id;
}
