#!/usr/bin/env python3
"""Calibration of the randomization estimate's gates (src/engine/kernels/shuffleEstimate.ts) — not a test.

`npm run bench:randsweep` (numpy). For 24 entry families (Gaussian, Student-t ν 2.2–6, lognormal σ 0.5–1.3,
Pareto 2.5–5, Gaussian rows or columns scaled ×10–×20, planted spikes ×40, a power-law spectrum plus noise)
at five shapes (768², 768×2304, 3072×768, 1536², 1024×4096), it computes W's spectrum, the exact shuffled
spectra of 3 numpy permutations, and the block estimate of 5 more permutations, replicated here from
shuffleEstimate.ts / metrics/randomization.ts: k = min(4, ⌊short/384⌋) diagonal blocks of the shuffled matrix,
their eigenvalues mapped to full size (bulk × c, outliers through the rank-one formula), capped at the largest
entry's outlier, which replaces the top value when larger. It prints, per family, the estimate's
d_rand − exact mean d_rand and ‖Wʳ‖₂ relative error, the standout fraction, the largest entry's share of ‖W‖_F² and Hill's tail index (the gates' inputs), then for several
(standout limit, tail-index floor) pairs: how many trials pass and the worst errors among them. The shipped
gate is ESTIMATE_MAX_STANDOUT = 0.04 with ESTIMATE_MIN_TAIL_INDEX = 2.5. The TypeScript estimate itself is
checked against numpy's exact spectra in test/kernels/shuffleEstimate.test.ts.
Environment: RANDSWEEP_SHAPES="768x768,768x2304" to shrink the run (the full one takes ~6 min on 2 cores).
"""
import os

import numpy as np


def eigs(a):
    g = a.T @ a if a.shape[0] >= a.shape[1] else a @ a.T
    return np.clip(np.linalg.eigvalsh(g), 0, None)


def js(a, b, bins=100):
    """esdDistance (src/engine/kernels/esd.ts): Jensen–Shannon distance of 100-bin histograms of log10 λ."""
    top = max(a.max(), b.max())
    la, lb = np.log10(a[a > 1e-10 * top]), np.log10(b[b > 1e-10 * top])
    lo, hi = min(la.min(), lb.min()), max(la.max(), lb.max())
    wd = (hi - lo) / bins or 1.0
    h = lambda x: np.bincount(np.minimum(bins - 1, np.floor((x - lo) / wd).astype(int)), minlength=bins) / len(x)
    p, q = h(la), h(lb)
    m = (p + q) / 2
    kl = lambda x: np.sum(x[x > 0] * np.log2(x[x > 0] / m[x > 0]))
    return float(np.sqrt(max(0.0, 0.5 * kl(p) + 0.5 * kl(q))))


def edge(m, n, s2):
    return s2 * (np.sqrt(m) + np.sqrt(n)) ** 2


def rank_one(t2, m, n, s2):
    with np.errstate(divide='ignore', invalid='ignore', over='ignore'):
        return np.where(t2 > s2 * np.sqrt(m * n), (t2 + s2 * m) * (t2 + s2 * n) / np.maximum(t2, 1e-300), np.nan)


def map_block(mu, m, n, mb, nb, s2):
    mu = np.maximum(mu, 0)
    c = edge(m, n, 1) / edge(mb, nb, 1)
    a, b = s2 * mb, s2 * nb
    d = mu - a - b
    t2 = (d + np.sqrt(np.maximum(0, d * d - 4 * a * b))) / 2
    o = rank_one(t2, m, n, s2)
    o = np.where(np.isnan(o), edge(m, n, s2), o)
    return np.where(mu <= edge(mb, nb, s2), c * mu, np.minimum(c * mu, o))


def estimate(w, perm):
    """The block estimate: (mapped eigenvalues, block eigenvalues above their edge, a block's short side)."""
    m, n = w.shape
    k = min(4, min(m, n) // 384)
    mb, nb = m // k, n // k
    s2 = float(np.sum(w * w) / w.size)
    x = w.ravel()[perm[: k * mb * nb]]
    r, standout = [], 0
    for b in range(k):
        mu = eigs(x[b * mb * nb:(b + 1) * mb * nb].reshape(mb, nb))
        standout += int((mu > edge(mb, nb, s2)).sum())
        r.append(map_block(mu, m, n, mb, nb, s2))
    r = np.concatenate(r)
    spike = rank_one(np.abs(w).max() ** 2, m, n, s2)
    if not np.isnan(spike):
        r = np.minimum(r, spike)  # no single entry's outlier exceeds the largest entry's
        if spike > r.max():
            r[r.argmax()] = spike
    return r, standout, min(mb, nb)


def hill(w, fraction=3e-4, least=32):
    """entryTailIndex: Hill's estimate from the K = max(32, ⌈3e-4·n⌉) largest |w|."""
    a = np.sort(np.abs(w.ravel()))[::-1]
    k = max(least, int(np.ceil(fraction * a.size)))
    return float(1 / np.mean(np.log(a[:k] / a[k])))


rng = np.random.default_rng(12345)


def family(kind, p, m, n):
    g = rng.standard_normal
    if kind == 'gaussian':
        return g((m, n))
    if kind == 'student-t':
        return rng.standard_t(p, (m, n))
    if kind == 'lognormal':
        return np.exp(p * g((m, n))) * np.sign(g((m, n)))
    if kind == 'pareto':
        return (rng.pareto(p, (m, n)) + 1) * np.sign(g((m, n)))
    if kind == 'rows-scaled':  # the GPT-2 benchmark's kind: 8 rows scaled by 1…p
        w = g((m, n))
        for _ in range(8):
            w[rng.integers(m)] *= 1 + (p - 1) * rng.random()
        return w
    if kind == 'cols-scaled':  # p columns ×10
        w = g((m, n))
        for _ in range(int(p)):
            w[:, rng.integers(n)] *= 10
        return w
    if kind == 'spikes':  # p entries ×40
        w = g((m, n))
        w.ravel()[rng.integers(w.size, size=int(p))] *= 40
        return w
    if kind == 'power-law':  # spectrum 4/(1+i)^p plus noise
        k = min(m, n)
        u, _ = np.linalg.qr(g((m, k)))
        v, _ = np.linalg.qr(g((n, k)))
        return (u * (4 / (1 + np.arange(k)) ** p)) @ v.T + 0.02 * g((m, n))
    raise ValueError(kind)


FAMILIES = [('gaussian', 0), ('power-law', 0.6), ('lognormal', 0.5), ('lognormal', 0.8), ('lognormal', 1.0), ('lognormal', 1.1),
            ('lognormal', 1.2), ('lognormal', 1.3), ('student-t', 2.2), ('student-t', 2.5), ('student-t', 3), ('student-t', 3.5),
            ('student-t', 4), ('student-t', 6), ('pareto', 2.5), ('pareto', 3), ('pareto', 5), ('rows-scaled', 11), ('rows-scaled', 15),
            ('rows-scaled', 20), ('cols-scaled', 10), ('cols-scaled', 20), ('spikes', 200), ('spikes', 500)]


def main():
    shapes = [tuple(int(x) for x in s.split('x')) for s in os.environ.get('RANDSWEEP_SHAPES', '768x768,768x2304,3072x768,1536x1536,1024x4096').split(',')]
    trials = []
    print('| shape | family | exact d_rand | standout fraction | largest entry\'s share of ‖W‖_F² | Hill α̂ (∞: not screened in) | d_rand estimate − exact | ‖Wʳ‖₂ estimate / exact − 1 |')
    print('|---|---|---|---|---|---|---|---|')
    for m, n in shapes:
        for kind, p in FAMILIES:
            w = family(kind, p, m, n).astype(np.float32).astype(np.float64)
            e = eigs(w)
            d, top = [], []
            for s in range(3):
                er = eigs(w.ravel()[np.random.default_rng(s).permutation(w.size)].reshape(m, n))
                d.append(js(e, er))
                top.append(np.sqrt(er.max()))
            x2 = w.ravel() ** 2
            share = float(x2.max() / x2.sum())
            # the tail index is estimated only when the largest entry holds > TAIL_SCREEN (1e-3) of ‖W‖_F²
            alpha = hill(w) if share > 1e-3 else float('inf')
            rows = []
            for s in range(5):
                r, so, side = estimate(w, np.random.default_rng(100 + s).permutation(w.size))
                rows.append(dict(frac=so / side, bias=js(e, r) - np.mean(d), rel=np.sqrt(r.max()) / np.mean(top) - 1, alpha=alpha, name=f'{m}×{n} {kind} {p}'))
            trials += rows
            f = [x['frac'] for x in rows]
            b = [x['bias'] for x in rows]
            q = [x['rel'] for x in rows]
            print(f'| {m}×{n} | {kind} {p} | {np.mean(d):.3f} ± {np.std(d):.3f} | {min(f):.3f}–{max(f):.3f} | {share:.1e} | {alpha:.2f} | {min(b):+.3f} … {max(b):+.3f} | {min(q):+.3f} … {max(q):+.3f} |', flush=True)
    print(f'\n{len(trials)} trials. Gates: estimate when standout fraction ≤ limit and Hill α̂ ≥ floor (else solved exactly).')
    print('| standout limit | tail-index floor | trials estimated | worst abs(d_rand error) | worst abs(‖Wʳ‖₂ error) | families with abs(d error) > 0.04 |')
    print('|---|---|---|---|---|---|')
    for limit in (0.03, 0.04, 0.05, 0.06):
        for floor in (0, 2.5, 3.0):
            ok = [t for t in trials if t['frac'] <= limit and t['alpha'] >= floor]
            bad = sorted({t['name'] for t in ok if abs(t['bias']) > 0.04})
            mark = ' (shipped)' if (limit, floor) == (0.04, 2.5) else ''
            print(f"| {limit}{mark} | {floor} | {len(ok)} | {max(abs(t['bias']) for t in ok):.3f} | {max(abs(t['rel']) for t in ok):.3f} | {', '.join(bad) or '–'} |")


if __name__ == '__main__':
    main()
