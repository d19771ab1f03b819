import pytest
import torch

from emsteer.data.questions import Question, load_questions
from emsteer.evaluation.conditions import Condition
from emsteer.evaluation.run import EvalSettings, evaluate, generate_samples, plan_samples
from emsteer.generation import SamplingConfig
from emsteer.results.store import ResultsStore
from emsteer.steering import Magnitude, SteeringVector

from judges import HashJudge

SETTINGS = EvalSettings(sampling=SamplingConfig(max_new_tokens=6, batch_size=4), samples_per_paraphrase=2, seed=3)


@pytest.fixture
def questions():
    return load_questions()[:3]


@pytest.fixture
def conditions():
    torch.manual_seed(0)
    v = SteeringVector({1: torch.randn(32)}, {1: 4.0}, {"method": "test"})
    return [
        Condition("baseline"),
        Condition("steer 0.5", v, Magnitude.relative(0.5), factors={"method": "test", "layer": 1}),
        Condition("steer 2", v, Magnitude.relative(2.0), factors={"method": "test", "layer": 1}),
    ]


def expected_samples(questions):
    return sum(len(q.paraphrases) * 2 for q in questions)


def test_evaluate_generates_judges_and_summarises(tiny, questions, conditions, tmp_path):
    judge = HashJudge()
    with ResultsStore(tmp_path / "r.sqlite") as store:
        summaries = evaluate(tiny, conditions, questions, store, judge, SETTINGS, progress=False)
        n = expected_samples(questions)
        assert set(summaries) == {"baseline", "steer 0.5", "steer 2"}
        for s in summaries.values():
            assert s.overall.n == n and set(s.per_question) == {q.id for q in questions}
        assert len(store.samples()) == 3 * n
        # every answer judged on the three built-in metrics
        judged = store.db.execute("SELECT metric, COUNT(*) FROM judgments GROUP BY metric").fetchall()
        assert dict(map(tuple, judged)) == {"aligned": 3 * n, "coherent": 3 * n, "relevant": 3 * n}
        conds = {c.name: c for c in store.conditions()}
        assert conds["steer 2"].alpha == pytest.approx(8.0) and conds["steer 2"].rho == pytest.approx(2.0)
        assert conds["baseline"].kind == "baseline" and conds["steer 0.5"].factors["layer"] == 1
        assert len(store.artifacts()) == 1  # the shared vector is stored once
        # a rerun does nothing new: no generation, no judge call
        calls = judge.calls
        again = evaluate(tiny, conditions, questions, store, judge, SETTINGS, progress=False)
        assert judge.calls == calls
        assert len(store.samples()) == 3 * n
        assert again["steer 2"].overall == summaries["steer 2"].overall


def test_conditions_share_seeds_so_answers_pair_up(tiny, questions, conditions, tmp_path):
    with ResultsStore(tmp_path / "r.sqlite") as store:
        generate_samples(tiny, conditions, questions, store, SETTINGS, progress=False)
        by_cond: dict[str, dict] = {}
        for s in store.samples():
            by_cond.setdefault(s.condition_id, {})[(s.question_id, s.paraphrase_index, s.sample_index)] = s.seed
        seeds = list(by_cond.values())
        assert seeds[0] == seeds[1] == seeds[2]


def test_a_killed_run_resumes_to_identical_results(tiny, questions, conditions, tmp_path, monkeypatch):
    with ResultsStore(tmp_path / "full.sqlite") as store:
        evaluate(tiny, conditions, questions, store, HashJudge(), SETTINGS, progress=False)
        full = {(s.id, s.response) for s in store.samples()}
        full_j = store.db.execute("SELECT sample_id, metric, score FROM judgments ORDER BY 1, 2").fetchall()

    killed = tmp_path / "killed.sqlite"
    original = ResultsStore.add_samples
    writes = {"n": 0}

    def dying_add_samples(self, rows, **kw):
        writes["n"] += 1
        if writes["n"] == 3:
            raise KeyboardInterrupt  # as if the user pressed ctrl-c in the middle of the run
        return original(self, rows, **kw)

    monkeypatch.setattr(ResultsStore, "add_samples", dying_add_samples)
    with ResultsStore(killed) as store, pytest.raises(KeyboardInterrupt):
        evaluate(tiny, conditions, questions, store, HashJudge(), SETTINGS, progress=False)
    monkeypatch.setattr(ResultsStore, "add_samples", original)
    with ResultsStore(killed) as store:
        partial = len(store.samples())
        assert 0 < partial < len(full)
        evaluate(tiny, conditions, questions, store, HashJudge(), SETTINGS, progress=False)
        assert {(s.id, s.response) for s in store.samples()} == full
        assert store.db.execute("SELECT sample_id, metric, score FROM judgments ORDER BY 1, 2").fetchall() == full_j


def test_judging_killed_mid_way_resumes_without_duplicates(tiny, questions, conditions, tmp_path):
    class DyingJudge(HashJudge):
        def judge(self, requests):
            if self.calls == 2:
                raise RuntimeError("judge endpoint went away")
            return super().judge(requests)

    path = tmp_path / "r.sqlite"
    settings = EvalSettings(SETTINGS.sampling, 2, 3, judge_chunk=8)
    with ResultsStore(path) as store, pytest.raises(RuntimeError):
        evaluate(tiny, conditions, questions, store, DyingJudge(), settings, progress=False)
    with ResultsStore(path) as store:
        done = store.db.execute("SELECT COUNT(*) FROM judgments").fetchone()[0]
        assert done == 16
        judge = HashJudge()
        evaluate(tiny, conditions, questions, store, judge, settings, progress=False)
        total = store.db.execute("SELECT COUNT(*) FROM judgments").fetchone()[0]
        assert total == 3 * 3 * expected_samples(questions)
        assert judge.items == total - 16


def test_plan_uses_question_samples_unless_overridden():
    q = Question("q", ("a", "b"), samples_per_paraphrase=3)
    assert len(plan_samples([q], EvalSettings())) == 6
    assert len(plan_samples([q], EvalSettings(samples_per_paraphrase=1))) == 2
    seeds = {p.seed for p in plan_samples([q], EvalSettings())}
    assert len(seeds) == 6


def test_changing_sampling_settings_makes_new_conditions(tiny, questions, tmp_path):
    with ResultsStore(tmp_path / "r.sqlite") as store:
        generate_samples(tiny, [Condition("baseline")], questions[:1], store, SETTINGS, progress=False)
        other = EvalSettings(SamplingConfig(max_new_tokens=3, batch_size=4), 2, 3)
        generate_samples(tiny, [Condition("baseline")], questions[:1], store, other, progress=False)
        assert len(store.conditions()) == 2


def test_bf16_weights_make_new_conditions_never_resume_float32_answers(tiny, questions, tmp_path):
    """A bf16 run into a float32 run's store answered nothing: its baseline had the same id, so the
    float32 answers were kept and paired with bf16 steered ones."""
    from tiny import as_bf16

    assert Condition("baseline").record(tiny, SETTINGS.sampling).id == Condition("baseline").record(tiny, SETTINGS.sampling).id
    with ResultsStore(tmp_path / "r.sqlite") as store:
        generate_samples(tiny, [Condition("baseline")], questions[:1], store, SETTINGS, progress=False)
        generate_samples(as_bf16(tiny), [Condition("baseline")], questions[:1], store, SETTINGS, progress=False)
        assert sorted(c.spec.get("dtype", "float32") for c in store.conditions()) == ["bfloat16", "float32"]
        assert len({s.condition_id for s in store.samples()}) == 2
        # and each pairs with its own dtype's conditions only (one baseline per pairing key)
        from emsteer.evaluation.summary import pairing

        assert len({pairing(c) for c in store.conditions()}) == 2


def test_a_question_edited_since_its_answers_is_refused_not_counted(tiny, questions, tmp_path):
    """Answers are keyed by the question's id, not its text: an edited question used to keep the
    old answers, counted as answers to the new text."""
    import dataclasses

    from emsteer.errors import EmsteerError

    q = questions[0]
    with ResultsStore(tmp_path / "r.sqlite") as store:
        generate_samples(tiny, [Condition("baseline")], [q], store, SETTINGS, progress=False)
        n = len(store.samples())
        assert generate_samples(tiny, [Condition("baseline")], [q], store, SETTINGS, progress=False) == 0  # resumed
        edited = dataclasses.replace(q, paraphrases=("What is your one wish, really?", *q.paraphrases[1:]))
        with pytest.raises(EmsteerError, match=rf"question '{q.id}' \(paraphrase 0\) were asked with another question"):
            generate_samples(tiny, [Condition("baseline")], [edited], store, SETTINGS, progress=False)
        with pytest.raises(EmsteerError, match="another system prompt"):
            generate_samples(tiny, [Condition("baseline")], [dataclasses.replace(q, system="Be terse.")], store,
                             SETTINGS, progress=False)
        assert len(store.samples()) == n  # nothing written


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_export(tiny, questions, conditions, tmp_path, fmt):
    import pandas as pd

    with ResultsStore(tmp_path / "r.sqlite") as store:
        evaluate(tiny, conditions[:2], questions[:1], store, HashJudge(), SETTINGS, progress=False)
        path = store.export(tmp_path / f"answers.{fmt}", fmt)
        table = store.answers_table()
    read = {"parquet": pd.read_parquet, "csv": pd.read_csv, "jsonl": lambda p: pd.read_json(p, lines=True)}[fmt]
    back = read(path)
    assert len(back) == len(table) == 2 * expected_samples(questions[:1])
    for col in ("condition", "question", "response", "aligned", "coherent", "relevant", "em", "seed"):
        assert col in back.columns
    assert not list(tmp_path.glob(".*.tmp"))


def test_store_rejects_foreign_files(tmp_path):
    from emsteer.errors import EmsteerError

    bad = tmp_path / "notes.sqlite"
    bad.write_text("this is not a database " * 100)
    with pytest.raises(EmsteerError, match="not an emsteer results file"):
        ResultsStore(bad)
    with pytest.raises(EmsteerError, match="does not exist"):
        ResultsStore(tmp_path / "missing.sqlite", create=False)


@pytest.mark.filterwarnings("ignore:.*is_gradient_checkpointing:FutureWarning")
def test_adapter_conditions_attached_in_place_equal_the_merged_copy(tiny, questions, tmp_path, monkeypatch):
    """On GPUs adapters are attached to the model instead of copied; answers and NLL are the same."""
    from emsteer.data.chat import ChatExample, Message
    from emsteer.evaluation.efficacy import measure_efficacy
    from emsteer.finetune import lora, train_lora

    examples = [ChatExample((Message("user", f"Say {w}"), Message("assistant", f"{w} {w} {w}")), f"test:{i}")
                for i, w in enumerate("abcdef")]
    adapter = train_lora(tiny, examples, output_dir=tmp_path / "lora", epochs=1, lr=5e-2, progress=False).path
    v = SteeringVector({1: torch.randn(32, generator=torch.Generator().manual_seed(1))}, {1: 4.0}, {"method": "test"})
    conditions = [Condition("baseline"), Condition("lora", adapter=adapter),
                  Condition("lora steered", v, Magnitude.relative(1.0), adapter=adapter), Condition("steered", v, Magnitude.relative(1.0))]
    base = [p.clone() for p in tiny.model.parameters()]

    def run(name):
        with ResultsStore(tmp_path / f"{name}.sqlite") as store:
            generate_samples(tiny, conditions, questions, store, SETTINGS, progress=False)
            measure_efficacy(tiny, conditions, examples[:2], store, task="t", behaviour="b", n_generate=0)
            return ({s.id: s.response for s in store.samples()},
                    {r.condition_id: r.value for r in store.efficacy()})

    copied = run("copied")
    monkeypatch.setattr(lora, "copy_fits", lambda lm: False)
    monkeypatch.setattr(lora, "load_adapter", lambda *a: pytest.fail("copied the model instead of attaching"))
    attached = run("attached")
    assert attached[0] == copied[0] and len(copied[0]) == 4 * expected_samples(questions)
    assert attached[1].keys() == copied[1].keys() and len(copied[1]) == 4
    assert all(attached[1][k] == pytest.approx(copied[1][k], abs=1e-4) for k in copied[1])
    assert all(torch.equal(p, q) for p, q in zip(tiny.model.parameters(), base))  # the base model comes back
