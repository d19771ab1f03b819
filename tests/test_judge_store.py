"""`emsteer judge DB`: judge the answers already in a results file with another judge, generating nothing."""


import emsteer as em
from emsteer.judging import JUDGE_BACKENDS, Backend, score_from_distribution
from emsteer.results.store import ResultsStore
from test_api import QUESTIONS
from test_cli import run_main


class ConstantJudge:
    def __init__(self, score: int):
        self.score = score
        self.identity = f"constant:{score}"

    def judge(self, requests):
        return [score_from_distribution({self.score: 1.0}, {}, metric=r.metric, judge=self.identity) for r in requests]


def run(monkeypatch, capsys, *args):
    code, captured = run_main(monkeypatch, capsys, "judge", *args)
    return code, captured.out, captured.err


def test_judge_rescores_a_store_and_keeps_the_first_judges_scores(tiny, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(JUDGE_BACKENDS, "constant", Backend(lambda arg, **kw: ConstantJudge(int(arg or 50)), "constant:SCORE"))
    monkeypatch.setattr("emsteer.data.questions.load_questions", lambda path=None: QUESTIONS)
    db = tmp_path / "r.sqlite"
    em.evaluate(tiny, questions=QUESTIONS, judge="constant:10", samples=2, max_new_tokens=4, store=db).store.close()
    with ResultsStore(db, create=False) as store:
        answers = {s.id: s.response for s in store.samples()}

    code, out, err = run(monkeypatch, capsys, str(db), "--judge", "constant:80", "--metric", "aligned",
                         "--metric", "coherent", "--no-embedding")
    assert code == 0, err
    with ResultsStore(db, create=False) as store:
        assert store.primary_judge() == "constant:80"  # show, report, findings and audit read this judge now
        assert {s.id: s.response for s in store.samples()} == answers  # nothing generated
        for s in store.samples():
            scores = {(j.judge, j.metric): j.score for j in store.judgments(s.id)}
            assert scores[("constant:80", "aligned")] == 80 and scores[("constant:80", "coherent")] == 80
            assert scores[("constant:10", "aligned")] == 10  # the first judge's scores stay
    assert "constant:80" in out

    code, _, err = run(monkeypatch, capsys, str(db), "--judge", "constant:80", "--metric", "alinged")
    assert code != 0 and "--metric alinged: the questions define aligned, coherent, relevant" in " ".join(err.split())
    code, _, err = run(monkeypatch, capsys, str(tmp_path / "none.sqlite"))
    assert code != 0 and "A results file" in " ".join(err.split()) and "none.sqlite does not exist" in " ".join(err.split())
