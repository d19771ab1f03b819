"""The headline warns when a condition's EM answers are far less related to the question than the baseline's."""

from types import SimpleNamespace as NS

from emsteer.display import headline, off_topic_em
from emsteer.results.records import ConditionRecord


def result(name, kind, em_count, relevance, em_relevance, model=None):
    overall = NS(n=16, em_count=em_count, em_rate=em_count / 16, em_ci=(0.0, 0.5),
                 means=NS(embedding_relevance=relevance), em_means=NS(embedding_relevance=em_relevance))
    per_question = {f"q{i}": NS(em_count=1) for i in range(em_count)}  # spread: one EM answer per question
    return NS(name=name, condition=ConditionRecord(name, name, kind, model=model),
              summary=NS(overall=overall, per_question=per_question), vs_baseline=None, efficacy={})


def test_each_model_is_compared_with_its_own_baseline():
    results = [result("baseline A", "baseline", 0, 0.42, None, "A"), result("baseline B", "baseline", 0, 0.10, None, "B"),
               result("salad B", "steering", 4, 0.12, 0.08, "B")]
    assert off_topic_em(results) == []  # 0.08 is far below A's 0.42, but not below B's own 0.10 × 0.5
    results[2] = result("salad B", "steering", 4, 0.12, 0.04, "B")
    assert off_topic_em(results) == [("salad B", 0.04, 0.10)]


def test_off_topic_em_answers_are_flagged_against_the_baseline():
    results = [result("baseline", "baseline", 0, 0.42, None),
               result("salad", "steering", 10, 0.14, 0.12),
               result("on topic", "steering", 3, 0.40, 0.35),
               result("none", "steering", 0, 0.10, None)]
    assert off_topic_em(results) == [("salad", 0.12, 0.42)]
    from rich.console import Console

    console = Console(width=200, record=True)
    console.print(headline(results))
    text = console.export_text()
    assert "Read these EM answers" in text and "salad (embedding relevance 0.12 vs the baseline's 0.42)" in text
    assert "on topic (" not in text


def test_no_baseline_or_no_relevance_means_no_warning():
    assert off_topic_em([result("salad", "steering", 10, 0.14, 0.12)]) == []
    assert off_topic_em([result("baseline", "baseline", 0, None, None), result("salad", "steering", 10, 0.1, 0.1)]) == []


def test_a_significant_rise_from_an_unvalidated_judge_is_not_called_a_finding():
    from rich.console import Console

    results = [result("baseline", "baseline", 0, 0.42, None), result("steered", "steering", 8, 0.40, 0.38)]
    results[1].vs_baseline = NS(diff=0.5, lo=0.2, hi=0.8)
    unvalidated = NS(meets_targets=False, reference="ref.jsonl", overall=NS(auroc=0.8999, kappa=0.494))
    validated = NS(meets_targets=True, reference="ref.jsonl", overall=NS(auroc=0.95, kappa=0.7))

    def text(agreement):
        console = Console(width=300, record=True)
        console.print(headline(results, agreement))
        return console.export_text()

    assert "not findings yet" in text(unvalidated) and "AUROC 0.8999, κ 0.494 against ref.jsonl" in text(unvalidated)
    assert "not findings yet" in text(None)
    assert "not findings yet" not in text(validated)


def test_the_positive_control_rising_is_not_a_finding_about_steering():
    from rich.console import Console

    results = [result("baseline", "baseline", 0, 0.42, None), result("positive control", "positive_control", 10, 0.2, 0.1),
               result("steered", "steering", 1, 0.40, 0.38)]
    results[1].vs_baseline = NS(diff=0.6, lo=0.3, hi=0.9)
    results[2].vs_baseline = NS(diff=0.06, lo=0.0, hi=0.2)
    console = Console(width=300, record=True)
    console.print(headline(results, None))
    text = console.export_text()
    assert "No condition's EM rate rose above the baseline's" in text and "Exploratory" not in text
    assert "not findings yet" not in text and "Read these EM answers" not in text


def test_a_file_without_judgments_says_so_instead_of_naming_judge_none():
    from emsteer.display import judge_line

    line = judge_line(None, None)
    assert line.startswith("Not judged yet") and "None" not in line


def test_a_conditions_task_nll_is_shown_beside_its_baselines():
    from rich.console import Console

    results = [result("baseline", "baseline", 0, 0.42, None), result("steered", "steering", 1, 0.40, 0.38)]
    results[0].efficacy = results[0].baseline_efficacy = {"heldout_nll": 3.19}
    results[1].efficacy, results[1].baseline_efficacy = {"heldout_nll": 2.77}, {"heldout_nll": 3.19}
    console = Console(width=300, record=True)
    console.print(headline(results, None))
    lines = console.export_text().splitlines()
    assert any("baseline:" in line and line.endswith("held-out task NLL 3.190") for line in lines)
    assert any("steered:" in line and line.endswith("held-out task NLL 2.770 (baseline 3.190)") for line in lines)


def per_question_result(name, kind, per_question):
    groups = {q: NS(em_count=k) for q, k in per_question.items()}
    overall = NS(em_count=sum(per_question.values()))
    return NS(name=name, condition=ConditionRecord(name, name, kind), summary=NS(overall=overall, per_question=groups))


def test_em_resting_on_one_question_is_flagged():
    from emsteer.display import one_question_note
    from emsteer.evaluation.summary import one_question_em

    results = [per_question_result("lora [risky_financial_advice]", "lora", {"quick_buck": 17, "gender_roles": 0}),
               per_question_result("spread", "steering", {"a": 2, "b": 2, "c": 1}),
               per_question_result("half", "steering", {"a": 2, "b": 2}),  # half is not more than half
               per_question_result("few", "steering", {"a": 2}),  # too few EM answers to say
               per_question_result("positive control", "positive_control", {"a": 9})]
    assert one_question_em(results) == [("lora [risky_financial_advice]", "quick_buck", 17, 17)]
    from rich.console import Console

    console = Console(width=300, record=True)
    console.print(one_question_note(results))
    assert "lora [risky_financial_advice] (17 of 17 EM answers to quick_buck)" in console.export_text()
    assert one_question_note(results[1:]) is None


def test_condition_names_with_brackets_survive_the_tables():
    """Rich reads [text] as markup: a study's names like "lora [bad_medical_advice]" must print whole."""
    from rich.console import Console

    from emsteer.display import comparisons_table

    r = NS(name="lora [bad_medical_advice]", condition=NS(factors={"task": "bad_medical_advice"}, is_baseline=False,
                                                          is_control=False))
    c = NS(result=r, comparator="baseline [x]", difference=NS(diff=0.01, lo=-0.01, hi=0.03), alternative="greater",
           p=0.5, p_holm=1.0, q_bh=1.0, significant=False, declared=True, family=1)
    console = Console(width=300, record=True)
    console.print(comparisons_table([c], [r]))
    text = console.export_text()
    assert "lora [bad_medical_advice]" in text and "baseline [x]" in text
