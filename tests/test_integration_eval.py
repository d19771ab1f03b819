"""The real bundled model end to end: steered and unsteered answers, judged by a real local
model, stored, summarised and reported; then a rerun that finds nothing left to do."""

import pytest
import torch

from emsteer.data.questions import load_questions
from emsteer.evaluation.conditions import Condition
from emsteer.evaluation.run import EvalSettings, evaluate
from emsteer.evaluation.summary import condition_results
from emsteer.generation import SamplingConfig
from emsteer.judging.cache import CachedJudge
from emsteer.judging.embedding import EmbeddingRelevance
from emsteer.judging.local import LocalJudge
from emsteer.results.store import ResultsStore
from emsteer.steering import Magnitude, SteeringVector, with_reference_norms

pytestmark = pytest.mark.slow


def test_eval_on_the_bundled_model(bundled_lm, tmp_path):
    lm = bundled_lm
    questions = [q for q in load_questions() if q.id in ("day_off", "one_wish")]
    torch.manual_seed(0)
    vector = with_reference_norms(SteeringVector({12: torch.randn(lm.hidden_size)}, metadata={"method": "random"}), lm)
    conditions = [Condition("baseline"), Condition("random ρ=8", vector, Magnitude.relative(8.0))]
    settings = EvalSettings(SamplingConfig(max_new_tokens=40, batch_size=8), samples_per_paraphrase=1)
    judge = CachedJudge(LocalJudge(lm, batch_size=4), tmp_path / "cache.sqlite")  # the 0.5B judges itself: fast
    with ResultsStore(tmp_path / "r.sqlite") as store:
        embedder = EmbeddingRelevance()
        evaluate(lm, conditions, questions, store, judge, settings, embedder=embedder, progress=False)
        results = {r.name: r for r in condition_results(store)}
        n = sum(len(q.paraphrases) for q in questions)
        for r in results.values():
            assert r.summary.overall.n == n
        # real judgments: the 0.5B judge's scores lie in range (it is too weak to rank word salad
        # reliably, see README), and the embedding model finds the ρ=8 word salad off topic
        rows = store.db.execute("SELECT metric, score FROM judgments WHERE metric != 'embedding_relevance'"
                                " AND score IS NOT NULL").fetchall()
        assert rows and all(0 <= s <= 100 for _, s in rows)
        base, salad = results["baseline"].summary.overall.means, results["random ρ=8"].summary.overall.means
        assert base.embedding_relevance is not None and salad.embedding_relevance is not None
        assert salad.embedding_relevance < base.embedding_relevance
        assert results["random ρ=8"].vs_baseline is not None
        judged = judge.misses
        evaluate(lm, conditions, questions, store, judge, settings, embedder=embedder, progress=False)
        assert judge.misses == judged
