// The randomization test (Martin & Mahoney 2021): the ESD of W with its entries shuffled (seeded),
// its distance to W's ESD, and its λ_max (a spike that survives shuffling is a "correlation trap").
// Layers with a short side ≥ 768 get the shuffled ESD estimated from k diagonal blocks of the shuffled
// matrix (kernels/shuffleEstimate.ts: a quarter of the work at k = 2) unless `randomizeExact` or their
// entries are heavy-tailed (a tail index below 2.5, or too many block eigenvalues above the bulk);
// smaller layers, those, and every layer with `randomizeExact` get every eigenvalue of the whole
// shuffled matrix.
import { esdDistance, sampleElements, sampleScratchSize, shuffleElements, singularValues, timed, timedAsync } from '../kernels';
import { scratch } from '../kernels/scratch';
import { blockPlan, bulkEdge, entryTailIndex, ESTIMATE_MAX_STANDOUT, ESTIMATE_MIN_TAIL_INDEX, mapBlockEigenvalues, rankOneOutlier, tailCount, TAIL_SCREEN } from '../kernels/shuffleEstimate';
import { stats } from './marchenkoPastur';
import { entries, finiteEntries, fullSpectrum, sigmaMax } from './shared';
import type { LayerContext, LayerMetric } from './types';

/** The exact shuffled spectrum: every eigenvalue of W with its entries shuffled. */
async function exactShuffled(ctx: LayerContext): Promise<Float64Array> {
  const n = ctx.task.matrix.length;
  const w = timed('shuffle', () => shuffleElements(ctx.task.matrix, ctx.options.seed, { out: scratch('shuffle', n) }));
  return (await singularValues(w, ctx.stored.rows, ctx.stored.cols, { precision: ctx.precision, threads: ctx.task.gramThreads, finite: finiteEntries(ctx) })).eig;
}

/**
 * The estimated shuffled spectrum (kernels/shuffleEstimate.ts): the k diagonal blocks' eigenvalues mapped
 * to full size, plus the outlier of W's largest entry, which every shuffle contains (a sample of the
 * entries holds it only with probability 1/k): (x² + s²m)(x² + s²n)/x² when x² > s²√(mn), put in place
 * of the top estimate when larger, and a cap on every mapped value.
 */
async function estimatedShuffled(ctx: LayerContext, plan: NonNullable<ReturnType<typeof blockPlan>>, lplus: number): Promise<Float64Array | { standout: number; solved: number } | { tailIndex: number }> {
  const { rows, cols } = ctx.stored;
  const { blocks, blockRows, blockCols } = plan;
  const n = ctx.task.matrix.length;
  // tails so heavy that a few entries set s² (ESTIMATE_MIN_TAIL_INDEX): exact, before drawing any block
  const { maxAbs, fro } = entries(ctx);
  const tailIndex = maxAbs * maxAbs > TAIL_SCREEN * fro * fro ? timed('tailIndex', () => entryTailIndex(ctx.task.matrix)) : null;
  if (tailIndex != null && tailIndex < ESTIMATE_MIN_TAIL_INDEX) return { tailIndex };
  const per = blockRows * blockCols;
  // the first entries of the same permutation the exact path uses (shuffleElements), k·m′·n′ of them
  const sample = timed('sample', () => sampleElements(ctx.task.matrix, blocks * per, ctx.options.seed, { out: scratch('shuffle', sampleScratchSize(n)) }));
  const s2 = lplus / (Math.sqrt(rows) + Math.sqrt(cols)) ** 2;
  const k = Math.min(blockRows, blockCols);
  const r = new Float64Array(blocks * k);
  const edge = bulkEdge(blockRows, blockCols, s2);
  let standout = 0;
  // a tall block is filled as its transpose's shape (wide): the sample is a uniformly random sequence of
  // distinct entries, so the wide fill has the law of the tall block's transpose (the same eigenvalues
  // in law), and its Gram needs no transposition
  const [fillRows, fillCols] = blockRows > blockCols ? [blockCols, blockRows] : [blockRows, blockCols];
  for (let b = 0; b < blocks; b++) {
    const mu = (await singularValues(sample.subarray(b * per, (b + 1) * per), fillRows, fillCols, { precision: ctx.precision, threads: ctx.task.gramThreads, finite: true })).eig;
    for (let i = 0; i < mu.length; i++) if (mu[i] > edge) standout++;
    // heavy-tailed entries: the blocks misrepresent the shuffled spectrum (ESTIMATE_MAX_STANDOUT); the
    // count only grows, so the blocks left need not be solved once it is past the limit
    if (standout > ESTIMATE_MAX_STANDOUT * k) return { standout, solved: b + 1 };
    r.set(mapBlockEigenvalues(mu, rows, cols, blockRows, blockCols, s2), b * k);
  }
  const spike = rankOneOutlier(maxAbs ** 2, rows, cols, s2);
  if (spike != null) {
    // no single entry's outlier exceeds the largest entry's: a block outlier mapped above it came from two
    // large entries sharing a block's row or column, which a block (1/k of the rows) makes k times likelier
    // than the whole matrix does (one trial in 600 of the calibration read ‖Wʳ‖₂ 34% high before this cap)
    let top = 0;
    for (let i = 0; i < r.length; i++) {
      if (r[i] > spike) r[i] = spike;
      if (r[i] > r[top]) top = i;
    }
    if (spike > r[top]) r[top] = spike;
  }
  return r;
}

const shuffled = (ctx: LayerContext) =>
  ctx.once('shuffled', async () => {
    const eig = await fullSpectrum(ctx);
    if (!eig || !ctx.options.randomize || !((await sigmaMax(ctx)) > 0)) return undefined;
    const st = await stats(ctx);
    const plan = ctx.options.randomizeExact || !finiteEntries(ctx) || !(st?.mpBulkMax != null && st.mpBulkMax > 0) ? null : blockPlan(ctx.stored.rows, ctx.stored.cols);
    const r: Float64Array = await timedAsync('randomize', async () => {
      const est = plan ? await estimatedShuffled(ctx, plan, st!.mpBulkMax!) : null;
      if (plan && est && 'tailIndex' in est) {
        ctx.notes.randDistance = `exact: the entries' tail index is ${est.tailIndex.toFixed(2)} (Hill, the largest ${tailCount(ctx.task.matrix.length)} |w|), below ${ESTIMATE_MIN_TAIL_INDEX}: a few entries dominate ‖W‖_F, which the block estimate would misrepresent`;
      } else if (plan && est && 'standout' in est) {
        ctx.notes.randDistance = `exact: ${est.standout} eigenvalues of ${est.solved === plan.blocks ? 'the' : `${est.solved} of the`} ${plan.blocks} ${plan.blockRows}×${plan.blockCols} blocks stand above their bulk (more than ${ESTIMATE_MAX_STANDOUT * 100}% of a block's ${Math.min(plan.blockRows, plan.blockCols)}: heavy-tailed entries), which the block estimate would misrepresent`;
      } else if (plan && est instanceof Float64Array) {
        ctx.notes.randDistance = `estimated (the default): the shuffled ESD from ${plan.blocks} diagonal ${plan.blockRows}×${plan.blockCols} blocks of the shuffled matrix mapped to full size, and the outlier of the largest entry; randomizeExact (--randomize-exact) computes every eigenvalue`;
        return est;
      }
      return exactShuffled(ctx);
    });
    let rmax = 0;
    for (let i = 0; i < r.length; i++) if (r[i] > rmax) rmax = r[i];
    if (st?.mpBulkMax != null && rmax > 1.5 * st.mpBulkMax) {
      ctx.flag({ id: 'correlationTrap', severity: 'info', message: `a spike survives shuffling (λ_max after shuffling ${rmax.toPrecision(3)} > 1.5·λ₊): unusually large individual weights (a "correlation trap", Martin & Mahoney)` });
    }
    return { eig, r, rmax };
  });

export const randDistance: LayerMetric = {
  id: 'randDistance',
  info: {
    name: 'Distance to the shuffled ESD',
    symbol: 'd_rand',
    formula: 'Jensen–Shannon distance between histograms of log₁₀λ of W and of W with its entries shuffled (short side ≥ 768: the shuffled ESD estimated from k diagonal blocks, within 0.045 of the exact in a 600-trial calibration, unless heavy-tailed entries; randomizeExact for every eigenvalue)',
    reference: 'Martin & Mahoney 2021 (randomization test)',
    group: 'heavyTailed',
  },
  compute: async (ctx) => {
    const s = await shuffled(ctx);
    return s && esdDistance(s.eig, s.r);
  },
};

export const randSpectralNorm: LayerMetric = {
  id: 'randSpectralNorm',
  info: {
    name: 'Spectral norm after shuffling',
    symbol: '‖Wʳ‖₂',
    formula: 'σ_max of W with its entries shuffled (seeded; short side ≥ 768: estimated from the blocks and the largest entry\'s outlier, within 4.5% of the exact, 1% on Gaussian-like entries)',
    reference: 'Martin & Mahoney 2021 (correlation traps)',
    group: 'heavyTailed',
  },
  compute: async (ctx) => {
    const s = await shuffled(ctx);
    return s && Math.sqrt(s.rmax);
  },
};
