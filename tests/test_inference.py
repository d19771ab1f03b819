"""The statistics checked by simulation: clustered data with a known rate, not hand-picked cases.

Each simulated study has K questions; each question has its own EM rate, drawn from a Beta
distribution with the stated mean and intra-question correlation (icc), and m answers. The
truths are the population means, which is what a study's rate and difference estimate.
"""

from __future__ import annotations

import numpy as np
import pytest

from emsteer.results.inference import (
    _exact_sign_flip_ps,
    _signs,
    answers_needed,
    benjamini_hochberg,
    cluster_rate_interval,
    clustered_difference,
    design_effect,
    detectable_rise,
    format_p,
    holm,
    newcombe_paired_interval,
    power_of,
    sign_flip_ps,
    smallest_p,
    wilson_interval,
)

DATASETS = 1000


def question_rates(rng: np.random.Generator, p: float, icc: float, k: int) -> np.ndarray:
    if icc == 0:
        return np.full(k, p)
    return rng.beta(p * (1 / icc - 1), (1 - p) * (1 / icc - 1), k)


def paired_study(rng: np.random.Generator, k: int, m: int, base: float, rise: float, icc: float, tie: float = 0.5):
    """Answers of a baseline and a steered cell drawn from the same questions (paired draws; with
    probability ``tie`` a pair's two answers share their randomness)."""
    ra = question_rates(rng, base, icc, k)
    rb = np.clip(ra + rise, 0, 1)
    pairs = {}
    for j in range(k):
        u = rng.random(m)
        v = np.where(rng.random(m) < tie, u, rng.random(m))  # the pair's answers are correlated
        pairs[f"q{j}"] = list(zip((u < ra[j]).tolist(), (v < rb[j]).tolist()))
    return pairs


@pytest.mark.parametrize(("k", "m", "p", "icc"), [(56, 10, 0.1, 0.05), (56, 4, 0.3, 0.05), (56, 10, 0.05, 0.05)])
def test_cluster_rate_interval_covers_the_truth(k, m, p, icc):
    rng = np.random.default_rng(11)
    hits = wilson_hits = 0
    for _ in range(DATASETS):
        em = rng.binomial(m, question_rates(rng, p, icc, k))
        lo, hi = cluster_rate_interval(em, [m] * k)
        hits += lo <= p <= hi
        wlo, whi = wilson_interval(int(em.sum()), k * m)
        wilson_hits += wlo <= p <= whi
    assert 0.93 <= hits / DATASETS <= 0.97
    assert wilson_hits < hits  # treating answers as independent covers less


@pytest.mark.parametrize(("k", "m", "p", "icc"), [(8, 50, 0.02, 0.05), (16, 25, 0.02, 0.1), (8, 50, 0.02, 0.3)])
def test_cluster_rate_interval_covers_rare_em_on_few_questions(k, m, p, icc):
    """Most of these datasets show no EM at all, where the estimated design effect is 1: an interval
    at it covered 91%, 88% and 57% (answers as if independent); the prior's design effect keeps it."""
    rng = np.random.default_rng(21)
    hits = sum(lo <= p <= hi for lo, hi in (cluster_rate_interval(rng.binomial(m, question_rates(rng, p, icc, k)), [m] * k)
                                            for _ in range(DATASETS)))
    assert hits / DATASETS >= 0.94


@pytest.mark.parametrize(("k", "m", "p", "icc"), [(56, 50, 0.02, 0.3), (56, 50, 0.02, 0.2)])
def test_cluster_rate_interval_covers_rare_em_resting_on_a_few_of_many_questions(k, m, p, icc):
    """The robust variance then rests on those few questions: t on K − 1 df covered 87% and 90%
    here; with Satterthwaite's df from the residuals' kurtosis 93% (still short of 95%: a sample
    that misses the EM-heavy questions underestimates the design effect)."""
    rng = np.random.default_rng(1)
    hits = sum(lo <= p <= hi for lo, hi in (cluster_rate_interval(rng.binomial(m, question_rates(rng, p, icc, k)), [m] * k)
                                            for _ in range(DATASETS)))
    assert hits / DATASETS >= 0.915


@pytest.mark.parametrize(("k", "m"), [(8, 50), (56, 50), (16, 4)])
def test_one_stray_em_answer_bounds_the_rate_no_wider_than_two(k, m):
    """With the prior's design effect setting the width, one EM answer has no spread to estimate:
    its upper bound must not exceed that of two EM answers on two questions (8 × 50: 8.2% against
    5.5% when the df followed its kurtosis, so one stray answer could fail an audit two would pass)."""
    one = cluster_rate_interval([1] + [0] * (k - 1), [m] * k)[1]
    two = cluster_rate_interval([1, 1] + [0] * (k - 2), [m] * k)[1]
    assert cluster_rate_interval([0] * k, [m] * k)[1] < one <= two


def test_exact_sign_flip_ps_counts_every_pattern():
    rng = np.random.default_rng(3)
    for k in (6, 7, 12):
        sums = rng.integers(-4, 5, (200, k)).astype(float)
        sums[:10] = 0.0  # no question differs: p is 1
        for alternative in ("two-sided", "greater"):
            assert np.array_equal(_exact_sign_flip_ps(sums, alternative), sign_flip_ps(sums, _signs(k, 0), alternative))


def test_power_at_the_edges_of_its_inputs():
    # every question all-EM or none (icc 1): a tiny rise is not detectable (NaN draws once said power 1)
    assert power_of(0.05, 1e-6, 8, 25, icc=1.0) < 0.1
    # 14 questions reach a level of 1.5e-4 (smallest p 1.2e-4): every pattern is counted, not a sample
    assert detectable_rise(0.05, 14, 50, alpha=1.5e-4).reachable
    assert power_of(0.0, 0.0, 8, 10) == 0.0 and power_of(0.02, 0.98, 8, 10) == 1.0
    with pytest.raises(ValueError, match="whole number"):
        power_of(0.05, 0.01, 8, 12.5)  # type: ignore[arg-type]


def test_cluster_rate_interval_edges():
    assert cluster_rate_interval([3], [10]) == (0.0, 1.0)  # one question says nothing about questions
    lo, hi = cluster_rate_interval([0] * 8, [10] * 8)
    assert lo == 0.0 and 0 < hi < 0.2  # no EM: never a zero-width interval
    assert design_effect([5, 0, 5, 0], [5, 5, 5, 5]) > 3  # all-or-nothing questions
    assert design_effect([1, 1, 1, 1], [5, 5, 5, 5]) == 1.0  # no spread between questions: never below 1
    with pytest.raises(ValueError):
        cluster_rate_interval([0], [0])


def test_paired_interval_covers_the_truth():
    rng = np.random.default_rng(12)
    hits = flip_hits = 0
    width = narrower = 0.0
    for i in range(DATASETS):
        d = clustered_difference(paired_study(rng, 56, 4, 0.1, 0.05, 0.05), seed=i)
        assert d is not None
        hits += d.lo <= 0.05 <= d.hi
        flip_hits += d.sign_flip[0] <= 0.05 <= d.sign_flip[1]
        width += d.hi - d.lo
        narrower += max(d.sign_flip[1], d.newcombe[1]) - min(d.sign_flip[0], d.newcombe[0])
    assert hits / DATASETS >= 0.94  # 0.998 with the clustered MOVER joined (0.961 without)
    assert 0.92 <= flip_hits / DATASETS <= 0.98  # the inverted sign-flip test on its own, not only its union
    assert width < 1.5 * narrower  # the price of the MOVER where the others covered: 1.40x as wide


@pytest.mark.parametrize(("base", "rise"), [(0.0, 0.03), (0.01, 0.05)])
def test_paired_interval_covers_a_rise_resting_on_few_questions(base, rise):
    """8 questions × 50, the steered cell's EM concentrated on a few (icc 0.2): a question's
    differences are far from symmetric, and the sign-flip ∪ Newcombe interval's upper end fell
    below the truth (coverage 0.76 and 0.86), so the audit passed vectors past its allowance."""
    rng = np.random.default_rng(31)
    hits = old_hits = 0
    for i in range(DATASETS):
        ra = np.full(8, base) if base == 0 else question_rates(rng, base, 0.2, 8)
        rb = question_rates(rng, base + rise, 0.2, 8)
        pairs = {f"q{j}": list(zip((rng.random(50) < ra[j]).tolist(), (rng.random(50) < rb[j]).tolist())) for j in range(8)}
        d = clustered_difference(pairs, seed=i)
        assert d is not None
        hits += d.lo <= rise <= d.hi
        old_hits += min(d.sign_flip[0], d.newcombe[0]) <= rise <= max(d.sign_flip[1], d.newcombe[1])
    assert hits / DATASETS >= 0.94
    assert old_hits / DATASETS < 0.9  # the regime where the MOVER is needed


def test_paired_interval_covers_when_no_pair_differs():
    """EM in both answers of many pairs and few discordant ones: datasets with no discordant pair
    at all come up often, and the interval must not collapse to a point there (it did: 85% coverage)."""
    rng = np.random.default_rng(15)
    hits = 0
    for i in range(200):
        a = rng.random((8, 10)) < 0.5
        b = a | (rng.random((8, 10)) < 0.04)  # the truth: +0.5 · 0.04 = +0.02
        d = clustered_difference({f"q{j}": list(zip(a[j].tolist(), b[j].tolist())) for j in range(8)}, seed=i)
        assert d is not None
        hits += d.lo <= 0.02 <= d.hi
    assert hits / 200 >= 0.93
    floor = wilson_interval(0, 80)[1]  # 0 discordant of 80 pairs bounds |Δ| by the share's upper bound
    for both in (0, 40, 80):
        lo, hi = newcombe_paired_interval(both, 0, 0, 80 - both)
        assert lo <= -floor and hi >= floor


@pytest.mark.parametrize(("k", "m", "base", "icc"), [(8, 25, 0.1, 0.0), (8, 25, 0.05, 0.2), (56, 4, 0.1, 0.2)])
def test_sign_flip_type_one_error_at_most_nominal(k, m, base, icc):
    rng = np.random.default_rng(13)
    rejected = rejected_greater = 0
    for i in range(DATASETS):
        d = clustered_difference(paired_study(rng, k, m, base, 0.0, icc), seed=i)
        assert d is not None
        rejected += d.p_two_sided <= 0.05
        rejected_greater += d.p_greater <= 0.05
    assert rejected / DATASETS <= 0.05
    assert rejected_greater / DATASETS <= 0.05


def test_holm_and_bh_by_hand():
    p = [0.01, 0.04, 0.03, 0.005]
    # Holm: sorted 0.005·4, 0.01·3, 0.03·2, 0.04·1 → 0.02, 0.03, 0.06, 0.06 (monotone)
    assert holm(p) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    # BH: sorted descending 0.04·4/4, 0.03·4/3, 0.01·4/2, 0.005·4/1 → 0.04, 0.04, 0.02, 0.02
    assert benjamini_hochberg(p) == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert holm([]) == [] and benjamini_hochberg([0.9]) == [0.9]
    # BH's running minimum: 0.04 · 2/1 = 0.08 is lowered to the larger p's 0.045
    assert benjamini_hochberg([0.04, 0.045]) == pytest.approx([0.045, 0.045])


def test_holm_controls_the_family_wise_error():
    rng = np.random.default_rng(14)
    any_rejected = 0
    for _ in range(DATASETS):
        p = rng.random(24)  # 24 true nulls
        any_rejected += min(holm(p.tolist())) <= 0.05
    assert any_rejected / DATASETS <= 0.06


@pytest.mark.parametrize(("tie", "slack"), [(0.0, 0.1), (0.5, 0.3)])
def test_power_matches_simulation(tie, slack):
    # the plan's normal approximation against the sign-flip test it plans for: close when the
    # pair's answers are independent, conservative (never above) when pairing helps
    rng = np.random.default_rng(15)
    k, m, base, rise, icc = 56, 4, 0.1, 0.06, 0.05
    hits = 0
    for i in range(300):
        hits += clustered_difference(paired_study(rng, k, m, base, rise, icc, tie), seed=i).p_two_sided <= 0.05
    simulated = hits / 300
    planned = power_of(base, rise, k, m, icc=icc)
    assert planned <= simulated + 0.06
    assert simulated - planned < slack


def heterogeneous_study(rng: np.random.Generator, k: int, m: int, base: float, rise: float, icc: float):
    """The plan's model: each cell's questions have their own rates (Beta, the cell's mean, ``icc``),
    so a rise rests more on some questions than others; a pair's two answers are independent."""
    ra, rb = question_rates(rng, base, icc, k), question_rates(rng, base + rise, icc, k)
    return {f"q{j}": list(zip((rng.random(m) < ra[j]).tolist(), (rng.random(m) < rb[j]).tolist())) for j in range(k)}


@pytest.mark.parametrize(("k", "m", "base"), [(6, 25, 0.1), (8, 4, 0.1), (8, 50, 0.02), (12, 8, 0.02)])
def test_power_with_few_questions_keeps_its_promise(k, m, base):
    """At the rise the plan calls detectable with 80% power, the sign-flip test (run as a study runs
    it) detects it about 80% of the time. Student's t on K − 1 df had promised it where the test
    had 61% (6 × 25) and 62% (8 × 4)."""
    rng = np.random.default_rng(16)
    rise = detectable_rise(base, k, m, icc=0.05).detectable_rise
    assert rise is not None
    hits = sum(clustered_difference(heterogeneous_study(rng, k, m, base, rise, 0.05), seed=i).p_two_sided <= 0.05
               for i in range(400))
    assert 0.8 - 0.06 <= hits / 400 <= 0.8 + 0.07  # 400 datasets: standard error 0.02


def test_power_plan_says_when_few_questions_cannot_reach_a_corrected_level():
    eight = detectable_rise(0.02, 8, 25, alpha=0.05 / 24)
    assert not eight.reachable and eight.detectable_rise is None and eight.min_p == pytest.approx(2 / 256)
    many = detectable_rise(0.02, 56, 10, alpha=0.05 / 24)
    assert many.reachable and 0 < many.detectable_rise < 0.2
    assert detectable_rise(0.02, 56, 40, alpha=0.05 / 24).detectable_rise < many.detectable_rise
    need = answers_needed(0.02, many.detectable_rise, 56, alpha=0.05 / 24)
    assert need is not None and need <= 10
    assert answers_needed(0.02, 0.001, 8, alpha=0.05 / 24) is None
    # above 16 questions the p-value is Monte Carlo over 10,000 sign patterns: nothing below 1e-4,
    # however many questions, so a level below it is out of reach
    assert smallest_p(20) == smallest_p(100) == pytest.approx(1e-4)
    assert power_of(0.02, 0.5, 20, 10, alpha=5e-5) == 0.0
    d = clustered_difference({f"q{j}": [(False, True)] * 3 for j in range(20)})
    assert d is not None and d.p_two_sided >= smallest_p(20) and d.min_p == smallest_p(20)


def test_one_p_format():
    assert format_p(0.0004) == "< 0.001" and format_p(0.0312) == "0.031" and format_p(None) == "–"
    # never rounded onto the other side of 0.05
    assert format_p(0.0502) == "0.0502" and format_p(0.05000001) == "0.0500000" + "1"
    assert format_p(0.0498) == "0.050" and format_p(0.05) == "0.050" and format_p(0.0504, alpha=0.1) == "0.050"
