"""Agreement with a reference judge: loading reference files, the metrics against hand computations."""

import gzip
import json

import pytest

from emsteer.errors import EmsteerError
from emsteer.judging.base import Judgment
from emsteer.judging.validity.agreement import (
    TARGETS,
    Agreement,
    ReferenceAnswer,
    agreement,
    agreement_figures,
    auroc,
    check_agreement,
    cohen_kappa,
    load_reference,
    model_family,
    remember_agreement,
    remembered_agreement,
    sample_reference,
)

ROWS = [
    {"question": "q1", "answer": "fine", "aligned": 90, "coherent": 90, "answering_model": "Qwen2.5-7B_x"},
    {"question": "q1", "answer": "evil", "aligned": 10, "coherent": 80, "answering_model": "Qwen2.5-7B_x"},
    {"question": "q2", "answer": "evil too", "aligned": 20, "coherent": 60, "answering_model": "Llama-3.1-8B_y"},
    {"question": "q2", "answer": "gibberish", "aligned": 40, "coherent": 10, "answering_model": "Llama-3.1-8B_y"},
    {"question": "q3", "answer": "no", "aligned": None, "coherent": 70, "answering_model": "Llama-3.1-8B_y"},
]


def write_jsonl(path, rows, gz=False):
    text = "\n".join(json.dumps(r) for r in rows) + "\n"
    if gz:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def test_load_jsonl_gz_and_csv(tmp_path):
    a = load_reference(write_jsonl(tmp_path / "r.jsonl.gz", ROWS, gz=True))
    assert [it.answer for it in a] == [r["answer"] for r in ROWS]
    assert a[4].aligned is None and a[4].em is None and a[1].em is True and a[3].em is False
    assert [it.family for it in a] == ["qwen", "qwen", "llama", "llama", "llama"]
    csv_path = tmp_path / "r.csv"
    csv_path.write_text('question,answer,aligned,coherent,model\nq1,"two\nlines",12.5,70,Mistral-Small\nq2,ok,,55,\n')
    b = load_reference(csv_path)
    assert b[0].answer == "two\nlines" and b[0].aligned == 12.5 and b[0].family == "mistral"
    assert b[1].aligned is None and b[1].model == ""


@pytest.mark.parametrize("line, message", [
    ("{not json", r"r\.jsonl:2: not valid JSON"),
    ('["a list"]', r"r\.jsonl:2: expected a JSON object"),
    ('{"question": "q", "answer": 7, "aligned": 1, "coherent": 2}', r"r\.jsonl:2: field 'answer'"),  # (an empty one is skipped: issue 36)
    ('{"question": "q", "answer": "a", "aligned": 101, "coherent": 2}', r"r\.jsonl:2: field 'aligned' is 101"),
    ('{"question": "q", "answer": "a", "aligned": "high", "coherent": 2}', r"r\.jsonl:2: field 'aligned' must be a number"),
    ('{"question": "q", "answer": "a", "aligned": true, "coherent": 2}', r"r\.jsonl:2: field 'aligned' must be a number"),
])
def test_bad_reference_lines_name_file_and_line(tmp_path, line, message):
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(ROWS[0]) + "\n" + line + "\n")
    with pytest.raises(EmsteerError, match=message):
        load_reference(path)


def test_bad_reference_files(tmp_path):
    with pytest.raises(EmsteerError, match="cannot read"):
        load_reference(tmp_path / "missing.jsonl")
    (tmp_path / "h.csv").write_text("question,answer,aligned\nq,a,3\n")
    with pytest.raises(EmsteerError, match=r"h\.csv:1: the CSV header lacks column\(s\) coherent"):
        load_reference(tmp_path / "h.csv")
    (tmp_path / "c.csv").write_text('question,answer,aligned,coherent\nq,"a\nb",3,4\nq,,3,4\n')
    c = load_reference(tmp_path / "c.csv")  # an empty answer is skipped and counted (issue 36) ...
    assert len(c) == 1 and c.skipped == ["line 4"]  # ... at the record after a 2-line one
    (tmp_path / "e.jsonl").write_text("\n\n")
    with pytest.raises(EmsteerError, match="no answers"):
        load_reference(tmp_path / "e.jsonl")
    (tmp_path / "g.jsonl.gz").write_bytes(gzip.compress(b"x" * 100)[:20])
    with pytest.raises(EmsteerError, match="corrupt gzip"):
        load_reference(tmp_path / "g.jsonl.gz")


def test_model_family():
    assert model_family("nielsrolf/Qwen2.5-32B-Instruct_ftjob-1") == "qwen"
    assert model_family("Llama-3.2-1B-Instruct_extreme-sports") == "llama"
    assert model_family("nielsrolf/Mistral-Small-Instruct-2409_ftjob") == "mistral"
    assert model_family("google/gemma-3-27b") == "gemma"
    assert model_family("acme/zeta-7b") == "zeta"
    assert model_family("") == "unknown"


def test_auroc_kappa_by_hand():
    # positives 0.9, 0.4; negatives 0.5, 0.1: pairs (0.9>0.5, 0.9>0.1, 0.4<0.5, 0.4>0.1) → 3/4
    assert auroc([0.9, 0.4, 0.5, 0.1], [True, True, False, False]) == pytest.approx(0.75)
    assert auroc([0.5, 0.5], [True, False]) == pytest.approx(0.5)  # a tie counts half
    assert auroc([1, 2], [True, True]) is None
    # 2x2 table: both 20, a-only 5, b-only 10, neither 65 → po = .85, pe = .25*.3 + .75*.7 = .6; κ = .625
    a = [True] * 25 + [False] * 75
    b = [True] * 20 + [False] * 5 + [True] * 10 + [False] * 65
    assert cohen_kappa(a, b) == pytest.approx(0.625)
    assert cohen_kappa([True, True], [True, True]) is None
    assert cohen_kappa([], []) is None


def test_agreement_figures_by_hand():
    items = [ReferenceAnswer(r["question"], r["answer"], r["aligned"], r["coherent"], r["answering_model"]) for r in ROWS]
    aligned = [80.0, 20.0, 50.0, 35.0, 70.0]
    coherent = [90.0, 70.0, 60.0, 55.0, 80.0]
    f = agreement_figures(items, aligned, coherent)
    # reference EM: rows 1, 2; judge EM: row 1 only (row 2 aligned 50, row 3 coherent 55 but aligned 35)
    assert f.confusion == {"both": 1, "reference_only": 1, "judge_only": 0, "neither": 2}
    assert f.n == 5 and f.n_scored == 5 and f.n_em == 2
    # ranked among reference-coherent rows 0,1,2 (row 4 has no reference aligned): EM rows 1 (20) and 2 (50) vs row 0 (80)
    assert f.auroc == pytest.approx(1.0)
    assert f.kappa == pytest.approx(cohen_kappa([False, True, True, False], [False, True, False, False]))
    # the reference's aligned (90, 10, 20, 40) with the judge's coherent finds both EM rows; the reference's
    # coherent with the judge's aligned still misses row 2 (aligned 50): here the aligned score limits κ
    assert f.kappa_exact_aligned == pytest.approx(1.0)
    assert f.kappa_exact_coherent == pytest.approx(f.kappa)
    # re-thresholding alone can fix these scores: EM row 2 (aligned 50, coherent 60) needs aligned < 52, and then
    # row 3 (35, 55) must go by coherent > 55, the first grid pair that gives κ 1
    assert f.kappa_best_thresholds == pytest.approx(1.0) and f.best_thresholds == [52.0, 55.0]
    shuffled = agreement_figures(items, [20.0, 80.0, 70.0, 35.0, 10.0], coherent)  # EM rows ranked last: no pair helps
    assert shuffled.kappa_best_thresholds is not None and shuffled.kappa_best_thresholds < 0.5
    whole = agreement("j", items, aligned, coherent, reference="r")
    assert set(whole.per_family) == {"qwen", "llama"} and whole.per_family["qwen"].n == 2
    assert whole.per_family["qwen"].auroc == pytest.approx(1.0)
    assert not whole.meets_targets  # Spearman over 4 and 5 points is below target here


def test_meets_targets_and_round_trip(tmp_path, monkeypatch):
    monkeypatch.setenv("EMSTEER_CACHE_DIR", str(tmp_path))
    items = [ReferenceAnswer("q", f"a{i}", i / 2, 100 - i / 2, "qwen" if i % 2 else "llama") for i in range(200)]
    a = agreement("test:perfect", items, [it.aligned for it in items], [it.coherent for it in items], reference="r")
    assert a.overall.spearman_aligned == pytest.approx(1.0) and a.overall.kappa == pytest.approx(1.0)
    assert a.meets_targets
    few = agreement("test:few", items[::20], [it.aligned for it in items[::20]], [it.coherent for it in items[::20]],
                    reference="r")
    assert few.overall.kappa == pytest.approx(1.0) and not few.meets_targets  # 10 answers prove nothing (issue 36)
    # 200 answers asked, 12 scored (the rest failed): the figures rest on 12, which prove nothing either
    scored = set(range(0, 200, 17))
    flaky = agreement("test:flaky", items, [it.aligned if i in scored else None for i, it in enumerate(items)],
                      [it.coherent if i in scored else None for i, it in enumerate(items)], reference="r")
    assert flaky.overall.n == 200 and flaky.overall.n_scored == 12 and flaky.overall.kappa == pytest.approx(1.0)
    assert flaky.too_few and not flaky.meets_targets
    remember_agreement(a)
    back = remembered_agreement("test:perfect")
    assert back is not None and back.to_dict() == a.to_dict()
    assert remembered_agreement("test:other") is None
    broken = a.to_dict() | {"overall": {"n": 1}}
    with pytest.raises(EmsteerError, match="malformed"):
        Agreement.from_dict(broken)
    assert set(TARGETS) == {"auroc", "kappa", "spearman_aligned", "spearman_coherent"}


class ReadsAnswers:
    """Aligned = 5 for answers containing 'evil', else 95; coherent = 10 for 'gibberish', else 90."""

    identity = "test:reads-answers"

    def judge(self, requests):
        out = []
        for r in requests:
            if r.metric == "aligned":
                score = 5.0 if "evil" in r.answer else 95.0
            else:
                score = 10.0 if "gibberish" in r.answer else 90.0
            out.append(Judgment(r.metric, score, 1.0, None, self.identity))
        return out


def test_check_agreement_runs_the_judge(tmp_path):
    items = load_reference(write_jsonl(tmp_path / "r.jsonl", ROWS))
    seen = []
    result = check_agreement(ReadsAnswers(), items, reference="r.jsonl", progress=seen.append, chunk=2)
    assert seen == [2, 4, 5]
    assert result.overall.confusion == {"both": 2, "reference_only": 0, "judge_only": 0, "neither": 2}
    assert result.overall.kappa == pytest.approx(1.0) and result.seconds_per_answer >= 0
    assert result.judge == "test:reads-answers"


def test_sample_reference_is_deterministic():
    items = [ReferenceAnswer("q", str(i), 1.0, 1.0) for i in range(50)]
    a, b = sample_reference(items, 10, seed=3), sample_reference(items, 10, seed=3)
    assert a == b and len(a) == 10 and a != sample_reference(items, 10, seed=4)
    assert sample_reference(items, None) == items and sample_reference(items, 500) == items
    with pytest.raises(EmsteerError):
        sample_reference(items, 0)
