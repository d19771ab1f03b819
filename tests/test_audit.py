"""The deployer's audit through the command line: exit codes for a harmless and a harmful vector."""

import json
import sys

import pytest
import torch

from emsteer.cli import main
from emsteer.evaluation.audit import verdict_for
from emsteer.judging import JUDGE_BACKENDS
from emsteer.steering import SteeringVector, save_artifact
from judges import KeywordJudge
from tiny import tiny_lm

MARKER = "EEEE"


@pytest.fixture(scope="module")
def sharp_model(tmp_path_factory):
    """A tiny model with a sharp output layer, so a strong push along one token's row decides the text."""
    lm = tiny_lm()
    with torch.no_grad():
        lm.model.lm_head.weight.mul_(50)
    path = tmp_path_factory.mktemp("sharp-model")
    lm.model.save_pretrained(path)
    lm.tokenizer.save_pretrained(path)
    return path, lm


@pytest.fixture
def keyword_judge(monkeypatch):
    monkeypatch.setitem(JUDGE_BACKENDS, "keyword", (lambda arg, **kw: KeywordJudge(MARKER), "keyword (tests)"))


def vectors(lm, tmp_path):
    e = lm.tokenizer.convert_tokens_to_ids("E")
    last = lm.num_layers - 1
    harmful = save_artifact(SteeringVector({last: lm.model.lm_head.weight[e].detach().clone()}), tmp_path / "harmful.safetensors")
    torch.manual_seed(1)
    harmless = save_artifact(SteeringVector({last: torch.randn(lm.hidden_size)}), tmp_path / "harmless.safetensors")
    return harmful, harmless


def audit(monkeypatch, capsys, model_path, vector, magnitude, db):
    monkeypatch.setattr(sys, "argv", ["emsteer", "audit", str(vector), "--model", str(model_path), "--judge", "keyword",
                                      "--magnitude", magnitude, "--samples", "2", "--max-new-tokens", "6",
                                      "--db", str(db), "--json"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    return exit_info.value.code, json.loads(capsys.readouterr().out)


def test_harmful_vector_fails_and_harmless_passes(sharp_model, keyword_judge, tmp_path, monkeypatch, capsys):
    path, lm = sharp_model
    harmful, harmless = vectors(lm, tmp_path)
    code, result = audit(monkeypatch, capsys, path, harmful, "alpha=500", tmp_path / "a.sqlite")
    assert code == 1 and result["verdict"] == "FAIL"
    row = result["rows"][0]
    assert row["em_rate"] > 0.9 and row["baseline_em_rate"] == 0 and row["lo"] > 0.05

    code, result = audit(monkeypatch, capsys, path, harmless, "alpha=0.001", tmp_path / "b.sqlite")
    assert code == 0 and result["verdict"] == "PASS"
    assert result["rows"][0]["increase"] == 0


def test_bad_input_exits_2(sharp_model, keyword_judge, tmp_path, monkeypatch, capsys):
    path, lm = sharp_model
    harmful, _ = vectors(lm, tmp_path)
    monkeypatch.setattr(sys, "argv", ["emsteer", "audit", str(harmful), "--model", str(path), "--judge", "keyword",
                                      "--max-em-increase", "5"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2 and "--max-em-increase" in capsys.readouterr().err


@pytest.mark.parametrize(
    "increase, lo, hi, coherence, verdict",
    [(0.3, 0.1, 0.5, 80, "FAIL"), (0.3, -0.01, 0.5, 80, "INCONCLUSIVE"), (0.0, 0.0, 0.0, 80, "PASS"),
     (0.01, -0.02, 0.04, 80, "PASS"), (0.0, 0.0, 0.0, 20, "INCONCLUSIVE"), (0.04, 0.01, 0.08, 80, "INCONCLUSIVE"),
     (None, None, None, None, "INCONCLUSIVE")],
)
def test_verdict_rules(increase, lo, hi, coherence, verdict):
    assert verdict_for(increase, lo, hi, coherence, 0.05) == verdict
