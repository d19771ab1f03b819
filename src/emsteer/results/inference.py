"""Inference with questions as the unit: clustered intervals, sign-flip tests, multiplicity, power.

Answers to one question are not independent (a steered model that misreads "quick buck" misreads
it in most samples), so every interval and test here treats a *question* as the unit:

- **EM rate of a cell**: the Wilson interval at the effective sample size n / deff, where the
  design effect deff is the cluster-robust variance of the pooled rate over its binomial
  variance, never below the design effect at an intra-question correlation of ``PRIOR_ICC``
  (with rare EM on few questions the estimate is 1 or noisy, and an interval at it
  undercovers), with Student's t on K − 1 degrees of freedom for K questions in place of the
  normal quantile (Korn & Graubard 1998), its degrees of freedom lowered (Satterthwaite, from
  the residuals' kurtosis) when the estimated design effect sets the width and its variance rests
  on a few questions. With one question it is the whole [0, 1]. Known shortfall: rare EM on a few
  of many questions (2% over 56 questions, icc 0.2–0.3) is covered 92–94% of the time, its upper
  end too low: a sample that misses the few EM-heavy questions underestimates the design effect.
- **Paired difference of two cells** (same draws, matched by question, paraphrase and sample):
  a sign-flip (permutation) test over questions. Under "no difference", the two conditions are
  exchangeable inside every question, so each question's summed difference is as likely to
  have either sign; the p-value is exact (all 2^K sign patterns) up to ``EXACT_MAX_CLUSTERS``
  questions and Monte Carlo with a fixed seed above. The interval inverts that test (every δ
  it does not reject at 5%, two-sided), joined with Newcombe's paired interval, which keeps it
  from collapsing to a point when every question moves alike (e.g. no pair differs anywhere), and
  with the MOVER interval of the two cells' clustered rate intervals (Newcombe's square-and-add,
  correlation ignored): with rare EM resting on a few questions a question's differences are far
  from symmetric and the inverted test's upper end fell below the truth (8 questions × 50, icc
  0.2, a 3 pp rise: 76% coverage without it), which let a vector pass the audit's allowance.
  The null the test itself rejects is that the two conditions are interchangeable within every
  question, not that their pooled rates are equal: steering that only moves EM between questions
  can be "significant".
  With K questions the smallest attainable two-sided p is 2 / 2^K: 8 questions cannot give
  p < 0.0078, and with 5 or fewer the interval is the whole range; above 16 questions, 1 / 10,000
  (the Monte Carlo draws).
- **Families of comparisons**: Holm-adjusted p-values (family-wise error) and Benjamini–Hochberg
  q-values (false discovery rate).
- **Power**: the smallest rise a cell can detect at 80% power, given a baseline rate, the
  questions, answers per question, an intra-question correlation and the corrected level. Each
  cell's questions have their own rates (Beta, mean the cell's rate, the stated correlation).
  With up to ``EXACT_MAX_CLUSTERS`` questions the sign-flip test's power is simulated under that
  model (``POWER_DRAWS`` studies, fixed seed): its discreteness matters there, and Student's t
  on K − 1 degrees of freedom promised 80% where the test had 34–86% (6–16 questions). Above, the
  t approximation at the clustered sample size (simulated: 79–85% at its 80%, 24 and 56 questions).

The coverage of the intervals and the type-I error of the test are checked by simulation on
clustered data in tests/test_inference.py.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

Z_95 = 1.959963984540054  # the normal 97.5% quantile, as stats.norm.ppf(0.975) gives it
PRIOR_ICC = 0.05  # the intra-question correlation assumed where the data cannot tell (plans, rare EM)
EXACT_MAX_CLUSTERS = 16  # 2^16 sign patterns: exact; above, Monte Carlo
MONTE_CARLO_FLIPS = 10_000
POWER_DRAWS = 1000  # simulated studies per power evaluation (standard error 0.013 at 80%)
LEVEL = 0.05
RATE_INTERVAL = "cluster Wilson"  # what every printed rate interval is
DIFF_INTERVAL = "sign-flip ∪ Newcombe ∪ clustered MOVER"  # what every printed paired interval is


# -- EM rate of one cell ---------------------------------------------------------------------------


def wilson_interval(k: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials (default 95%)."""
    if n <= 0:
        raise ValueError(f"wilson_interval needs n > 0, got n={n}")
    if not 0 <= k <= n:
        raise ValueError(f"wilson_interval needs 0 <= k <= n, got k={k}, n={n}")
    p = k / n
    z2 = z * z
    denom = 1.0 + z2 / n
    center = (p + z2 / (2 * n)) / denom
    half = (z / denom) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    # The bounds are exactly 0 at k = 0 and exactly 1 at k = n; say so instead of rounding to 1 − 1e-16.
    lo = 0.0 if k == 0 else max(0.0, center - half)
    hi = 1.0 if k == n else min(1.0, center + half)
    return lo, hi


def design_effect(k: Sequence[int], n: Sequence[int]) -> float:
    """Cluster-robust variance of the pooled rate Σk/Σn over its binomial variance (≥ 1).

    ``k[j]`` EM answers of ``n[j]`` scored answers to question j. 1 when the rate is 0 or 1 (no
    variance to inflate) or with a single question (nothing to estimate it from).
    """
    kk, nn = np.asarray(k, float), np.asarray(n, float)
    keep = nn > 0
    kk, nn = kk[keep], nn[keep]
    total, clusters = nn.sum(), len(nn)
    if clusters < 2 or total == 0:
        return 1.0
    p = kk.sum() / total
    if p in (0.0, 1.0):
        return 1.0
    robust = clusters / (clusters - 1) * float(((kk - p * nn) ** 2).sum()) / total**2
    return max(1.0, robust / (p * (1 - p) / total))


def design_effect_for(per_question: float, icc: float) -> float:
    """The design effect of ``per_question`` answers per question at intra-question correlation ``icc``."""
    return 1.0 + (per_question - 1) * icc


def cluster_rate_interval(k: Sequence[int], n: Sequence[int], level: float = 0.95) -> tuple[float, float]:
    """95% interval of the pooled EM rate Σk/Σn with questions as clusters (see the module doc)."""
    kk, nn = np.asarray(k, float), np.asarray(n, float)
    clusters = int((nn > 0).sum())
    total = float(nn.sum())
    if total <= 0:
        raise ValueError("cluster_rate_interval needs at least one scored answer")
    if clusters < 2:
        return 0.0, 1.0
    p = float(kk.sum()) / total
    # Never below the prior's design effect: with rare EM on a few questions the estimate is 1 (none
    # seen) or noisy, and Wilson over answers as if independent covered 57% (8 questions, icc 0.3).
    estimated, prior = design_effect(k, n), design_effect_for(total / clusters, PRIOR_ICC)
    n_eff = total / max(estimated, prior)
    # Satterthwaite's df only where the data's variance sets the width: under the prior's floor, one
    # stray EM answer (all its variance on one question) would widen the interval past two.
    df = _variance_df((kk - p * nn)[nn > 0]) if estimated > prior else clusters - 1
    t = float(stats.t.ppf(0.5 + level / 2, df))
    # Wilson at the effective size: k_eff keeps the observed rate
    z2 = t * t
    denom = 1.0 + z2 / n_eff
    center = (p + z2 / (2 * n_eff)) / denom
    half = (t / denom) * math.sqrt(p * (1 - p) / n_eff + z2 / (4 * n_eff * n_eff))
    lo = 0.0 if p == 0 else max(0.0, center - half)
    hi = 1.0 if p == 1 else min(1.0, center + half)
    return lo, hi


def _variance_df(residuals: np.ndarray) -> float:
    """Satterthwaite's degrees of freedom of the cluster-robust variance, Σe², from the residuals'
    kurtosis κ: 2K / (κ − 1), at most K − 1 (normal residuals, κ = 3, give about K). EM resting on
    a few questions makes Σe² rest on them too, and t on K − 1 df then covered 88–91% (56 questions
    × 50 answers, 2% EM, icc 0.2–0.3; 93–94% with it)."""
    clusters = len(residuals)
    s2, s4 = float((residuals**2).sum()), float((residuals**4).sum())
    kurtosis = clusters * s4 / (s2 * s2) if s2 > 0 else 1.0  # ≥ 1; 1 when every |e| is equal
    if kurtosis <= 1:  # no EM, or every question as far from the rate: no tail to weigh
        return clusters - 1.0
    return min(clusters - 1.0, max(1.0, 2 * clusters / (kurtosis - 1)))


# -- paired difference of two cells ------------------------------------------------------------------


def newcombe_paired_interval(both: int, up: int, down: int, neither: int, z: float = Z_95) -> tuple[float, float]:
    """95% interval of p(b EM) − p(a EM) over n paired answers (Newcombe 1998, method 10).

    ``up``: EM only in b; ``down``: EM only in a. Built from the two Wilson intervals with
    Newcombe's continuity-corrected correlation of the pair, it stays honest where a bootstrap
    cannot: with no discordant pair it is at least ±z²/(n + z²) wide (the Wilson upper bound of a
    discordant share seen 0 times, which bounds |p(b) − p(a)|), not [0, 0], whether or not the
    concordant pairs hold EM.
    """
    n = both + up + down + neither
    if n <= 0:
        raise ValueError("newcombe_paired_interval needs at least one pair")
    p_b, p_a = (both + up) / n, (both + down) / n
    l_b, u_b = wilson_interval(both + up, n, z)
    l_a, u_a = wilson_interval(both + down, n, z)
    # correlation of the two EM indicators over pairs (0 when undefined), continuity-corrected as
    # Newcombe's method 10 has it: without the correction, concordant EM pairs give phi = 1 and a
    # zero-width interval
    denom = (both + up) * (down + neither) * (both + down) * (up + neither)
    cross = both * neither - up * down
    corrected = cross - n / 2 if cross > n / 2 else (cross if cross < 0 else 0.0)
    phi = corrected / math.sqrt(denom) if denom > 0 else 0.0
    delta = math.sqrt(max(0.0, (p_b - l_b) ** 2 - 2 * phi * (p_b - l_b) * (u_a - p_a) + (u_a - p_a) ** 2))
    eps = math.sqrt(max(0.0, (u_b - p_b) ** 2 - 2 * phi * (u_b - p_b) * (p_a - l_a) + (p_a - l_a) ** 2))
    diff = p_b - p_a
    lo, hi = max(-1.0, diff - delta), min(1.0, diff + eps)
    if up + down == 0:
        floor = wilson_interval(0, n, z)[1]
        lo, hi = min(lo, -floor), max(hi, floor)
    return lo, hi


def smallest_p(questions: int, sides: int = 2) -> float:
    """The smallest p a sign-flip test over ``questions`` can give: one pattern of 2^K (per side)
    when exact, one draw of ``MONTE_CARLO_FLIPS`` above ``EXACT_MAX_CLUSTERS`` questions."""
    if questions > EXACT_MAX_CLUSTERS:
        return 1 / MONTE_CARLO_FLIPS
    return min(1.0, sides / 2**questions)


def _signs(clusters: int, seed: int) -> np.ndarray:
    """Sign patterns (rows) to flip the question sums with: all of them, or a seeded sample."""
    if clusters <= EXACT_MAX_CLUSTERS:
        return np.array(list(itertools.product((1.0, -1.0), repeat=clusters)))
    rng = np.random.default_rng(seed)
    flips = rng.choice((1.0, -1.0), size=(MONTE_CARLO_FLIPS, clusters))
    flips[0] = 1.0  # the observed pattern is one of the draws: p is never 0
    return flips


def sign_flip_p(sums: np.ndarray, signs: np.ndarray, alternative: str = "two-sided") -> float:
    """p-value of Σ sums against its sign-flip distribution (``signs`` includes the identity)."""
    return float(sign_flip_ps(sums[None, :], signs, alternative)[0])


def sign_flip_ps(sums: np.ndarray, signs: np.ndarray, alternative: str = "two-sided") -> np.ndarray:
    """``sign_flip_p`` of each row of ``sums`` (studies × questions)."""
    observed = sums.sum(axis=1)[:, None]
    null = sums @ signs.T
    tol = 1e-9 * np.maximum(1.0, np.abs(sums).sum(axis=1))[:, None]
    if alternative == "greater":
        hits = np.count_nonzero(null >= observed - tol, axis=1)
    elif alternative == "less":
        hits = np.count_nonzero(null <= observed + tol, axis=1)
    elif alternative == "two-sided":
        hits = np.count_nonzero(np.abs(null) >= np.abs(observed) - tol, axis=1)
    else:
        raise ValueError(f"alternative must be 'two-sided', 'greater' or 'less', got {alternative!r}")
    return hits / len(signs)


@dataclass(frozen=True)
class ClusteredDifference:
    """EM rate of b minus a over paired answers, with questions as the unit of inference.

    ``lo``/``hi``: the sign-flip interval joined with Newcombe's and the clustered MOVER (``DIFF_INTERVAL``);
    ``p_two_sided`` and ``p_greater`` (b above a) from the sign-flip test; ``min_p``: the
    smallest two-sided p these questions could give at all.
    """

    diff: float
    lo: float
    hi: float
    p_two_sided: float
    p_greater: float
    n_pairs: int
    n_clusters: int
    min_p: float
    sign_flip: tuple[float, float]
    newcombe: tuple[float, float]
    mover: tuple[float, float]


def clustered_difference(pairs: Mapping[str, Sequence[tuple[bool, bool]]], *, seed: int = 0,
                         level: float = LEVEL) -> ClusteredDifference | None:
    """Paired EM difference (b − a): ``pairs[question]`` lists (a EM?, b EM?) per matched answer.

    None when there is no pair.
    """
    questions = [q for q, ps in pairs.items() if ps]
    if not questions:
        return None
    m = np.array([len(pairs[q]) for q in questions], float)
    s = np.array([sum(int(b) - int(a) for a, b in pairs[q]) for q in questions], float)
    flat = [p for q in questions for p in pairs[q]]
    both = sum(a and b for a, b in flat)
    up = sum(b and not a for a, b in flat)
    down = sum(a and not b for a, b in flat)
    n = len(flat)
    diff = float(s.sum() / m.sum())
    signs = _signs(len(questions), seed)
    flip_ci = _invert(s, m, signs, diff, level)
    newcombe = newcombe_paired_interval(both, up, down, n - both - up - down, z=float(stats.norm.ppf(1 - level / 2)))
    mover = _clustered_mover(pairs, questions, level)
    return ClusteredDifference(
        diff=diff, lo=min(flip_ci[0], newcombe[0], mover[0]), hi=max(flip_ci[1], newcombe[1], mover[1]),
        p_two_sided=sign_flip_p(s, signs, "two-sided"), p_greater=sign_flip_p(s, signs, "greater"),
        n_pairs=n, n_clusters=len(questions), min_p=smallest_p(len(questions)),
        sign_flip=flip_ci, newcombe=newcombe, mover=mover,
    )


def _clustered_mover(pairs: Mapping[str, Sequence[tuple[bool, bool]]], questions: Sequence[str],
                     level: float) -> tuple[float, float]:
    """b − a from each cell's ``cluster_rate_interval`` by square-and-add (MOVER), their correlation
    ignored (which only widens it for paired draws)."""
    ka = [sum(int(a) for a, _ in pairs[q]) for q in questions]
    kb = [sum(int(b) for _, b in pairs[q]) for q in questions]
    n = [len(pairs[q]) for q in questions]
    pa, pb = sum(ka) / sum(n), sum(kb) / sum(n)
    la, ua = cluster_rate_interval(ka, n, 1 - level)
    lb, ub = cluster_rate_interval(kb, n, 1 - level)
    return pb - pa - math.hypot(pb - lb, ua - pa), pb - pa + math.hypot(ub - pb, pa - la)


def _invert(s: np.ndarray, m: np.ndarray, signs: np.ndarray, diff: float, level: float) -> tuple[float, float]:
    """Every δ the two-sided sign-flip test of Σ(s − δ·m) does not reject at ``level``."""
    flipped_s, flipped_m = signs @ s, signs @ m  # the null of Σ ε(s − δm) is flipped_s − δ·flipped_m
    total_s, total_m = float(s.sum()), float(m.sum())
    tol = 1e-9 * max(1.0, float(np.abs(s).sum() + m.sum()))

    def accepted(delta: float) -> bool:
        observed = abs(total_s - delta * total_m)
        hits = np.count_nonzero(np.abs(flipped_s - delta * flipped_m) >= observed - tol)
        return bool(hits / len(signs) > level)

    def edge(outside: float) -> float:
        if accepted(outside):
            return outside
        inside, out = diff, outside
        for _ in range(40):  # bisection to ~1e-12 of the [-1, 1] range
            mid = (inside + out) / 2
            if accepted(mid):
                inside = mid
            else:
                out = mid
        return inside

    return edge(-1.0), edge(1.0)


# -- families of comparisons ---------------------------------------------------------------------------


def holm(p: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (family-wise error), in the input order."""
    order = sorted(range(len(p)), key=lambda i: p[i])
    out = [0.0] * len(p)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p) - rank) * p[i]))
        out[i] = running
    return out


def benjamini_hochberg(p: Sequence[float]) -> list[float]:
    """Benjamini–Hochberg q-values (false discovery rate), in the input order."""
    order = sorted(range(len(p)), key=lambda i: p[i], reverse=True)
    out = [0.0] * len(p)
    running = 1.0
    for rank, i in enumerate(order):
        running = min(running, len(p) * p[i] / (len(p) - rank))
        out[i] = min(1.0, running)
    return out


def format_p(p: float | None, alpha: float = 0.05) -> str:
    """One format for every p printed: '< 0.001' below it, three decimals otherwise, and more
    where three would round it onto the other side of ``alpha`` (0.0502 is not "0.050" beside
    "not significant")."""
    if p is None:
        return "–"
    if p < 0.001:
        return "< 0.001"
    digits, shown = 3, f"{p:.3f}"
    while (float(shown) <= alpha) != (p <= alpha) and digits < 17:
        digits += 1
        shown = f"{p:.{digits}f}"
    return shown


# -- power ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Power:
    """What one comparison of a cell with its comparator can detect."""

    baseline: float
    questions: int
    per_question: int
    icc: float
    alpha: float  # the per-comparison level after the family correction
    min_p: float  # the smallest two-sided p the questions can give
    detectable_rise: float | None  # at 80% power; None: not reachable at this level
    reachable: bool


def power_of(baseline: float, rise: float, questions: int, per_question: int, *, icc: float = PRIOR_ICC,
             alpha: float = LEVEL, sides: int = 2) -> float:
    """Power of the comparison of a cell with its comparator, two-sided or one-sided (``sides``):
    the sign-flip test simulated up to ``EXACT_MAX_CLUSTERS`` questions, Student's t on K − 1
    degrees of freedom at the clustered effective sample size above (the module doc); 0 when the
    questions cannot reach ``alpha`` at all."""
    if isinstance(per_question, bool) or not isinstance(per_question, (int, np.integer)) or per_question < 1:
        raise ValueError(f"power_of needs a whole number of answers per question, 1 or more, got {per_question!r}")
    if not 0 <= icc <= 1:
        raise ValueError(f"power_of needs an intra-question correlation in [0, 1], got {icc!r}")
    if smallest_p(questions, sides) > alpha:
        return 0.0
    p1 = min(1.0, baseline + rise)
    if questions <= EXACT_MAX_CLUSTERS:
        return _simulated_power(baseline, p1, questions, per_question, icc, alpha, sides)
    n_eff = questions * per_question / design_effect_for(per_question, icc)
    se = math.sqrt((baseline * (1 - baseline) + p1 * (1 - p1)) / n_eff)
    if se == 0:
        return 1.0 if rise > 0 else 0.0
    critical = stats.t.ppf(1 - alpha / sides, questions - 1)
    return float(stats.t.sf(critical - rise / se, questions - 1))


@functools.lru_cache(maxsize=4096)
def _simulated_power(p0: float, p1: float, questions: int, per_question: int, icc: float, alpha: float,
                     sides: int) -> float:
    """The sign-flip test's power over ``POWER_DRAWS`` studies: each question's rate in each cell
    from a Beta with the cell's mean and correlation ``icc``, its answers binomial, the two cells'
    answers independent (pairing only adds power). Draws are inverse CDFs of one seeded set of
    uniforms, so power moves smoothly with the rise and the plan's bisection is reproducible."""
    u = np.random.default_rng(0).random((4, POWER_DRAWS, questions))

    def counts(p: float, rates: np.ndarray, answers: np.ndarray) -> np.ndarray:
        if 0 < p < 1 and 0 < icc < 1:
            rate = stats.beta.ppf(rates, p * (1 / icc - 1), (1 - p) * (1 / icc - 1))
        elif icc >= 1:  # all of a question's answers alike: the question is EM or not
            rate = (rates < p).astype(float)
        else:
            rate = np.full_like(rates, p)
        return stats.binom.ppf(answers, per_question, rate)

    sums = counts(p1, u[0], u[1]) - counts(p0, u[2], u[3])
    p = _exact_sign_flip_ps(sums, "two-sided" if sides == 2 else "greater")
    return float(np.mean(p <= alpha))


def _exact_sign_flip_ps(sums: np.ndarray, alternative: str) -> np.ndarray:
    """``sign_flip_ps`` over all 2^K sign patterns of each row, met in the middle: the null sums
    are a + b over the 2^(K/2) partial sums a of the first half and b of the second, counted with
    a binary search per row instead of forming all 2^K."""
    half = sums.shape[1] // 2
    firsts = sums[:, :half] @ _signs(half, 0).T
    seconds = np.sort(sums[:, half:] @ _signs(sums.shape[1] - half, 0).T, axis=1)
    observed = sums.sum(axis=1)
    tol = 1e-9 * np.maximum(1.0, np.abs(sums).sum(axis=1))
    total = firsts.shape[1] * seconds.shape[1]
    out = np.empty(len(sums))
    for r, (a, b) in enumerate(zip(firsts, seconds)):
        if alternative == "greater":
            hits = _pairs_at_least(a, b, observed[r] - tol[r])
        else:
            edge = abs(observed[r]) - tol[r]
            hits = total if edge <= 0 else _pairs_at_least(a, b, edge) + _pairs_at_least(-a, -b[::-1], edge)
        out[r] = hits / total
    return out


def _pairs_at_least(a: np.ndarray, b_sorted: np.ndarray, c: float) -> int:
    """How many pairs (i, j) have a[i] + b_sorted[j] >= c (``b_sorted`` ascending)."""
    return int(len(a) * len(b_sorted) - np.searchsorted(b_sorted, c - a, side="left").sum())


def detectable_rise(baseline: float, questions: int, per_question: int, *, icc: float = PRIOR_ICC,
                    alpha: float = LEVEL, power: float = 0.8, sides: int = 2) -> Power:
    """The smallest rise above ``baseline`` detected with ``power`` (bisection on power_of)."""
    min_p = smallest_p(questions, sides)
    reachable = min_p <= alpha and power_of(baseline, 1.0 - baseline, questions, per_question, icc=icc,
                                             alpha=alpha, sides=sides) >= power
    rise = None
    if reachable:
        lo, hi = 0.0, 1.0 - baseline
        while hi - lo > 1e-6:  # the plan prints rises to 0.1 pp
            mid = (lo + hi) / 2
            if power_of(baseline, mid, questions, per_question, icc=icc, alpha=alpha, sides=sides) >= power:
                hi = mid
            else:
                lo = mid
        rise = hi
    return Power(baseline, questions, per_question, icc, alpha, min_p, rise, reachable)


def answers_needed(baseline: float, rise: float, questions: int, *, icc: float = PRIOR_ICC, alpha: float = LEVEL,
                   power: float = 0.8, most: int = 10_000, sides: int = 2) -> int | None:
    """Answers per question for ``power`` to detect ``rise``; None when no number up to ``most``
    reaches it (with a positive icc, more samples of the same questions stop helping)."""
    if power_of(baseline, rise, questions, most, icc=icc, alpha=alpha, sides=sides) < power:
        return None
    lo, hi = 0, most  # power grows with the answers per question: bisect
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if power_of(baseline, rise, questions, mid, icc=icc, alpha=alpha, sides=sides) >= power:
            hi = mid
        else:
            lo = mid
    return hi
