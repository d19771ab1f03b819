"""The headline warns when a condition's EM answers are far less related to the question than the baseline's."""

from types import SimpleNamespace as NS

from emsteer.display import headline, off_topic_em


def result(name, kind, em_count, relevance, em_relevance):
    overall = NS(n=16, em_count=em_count, em_rate=em_count / 16, em_ci=(0.0, 0.5),
                 means=NS(embedding_relevance=relevance), em_means=NS(embedding_relevance=em_relevance))
    return NS(name=name, condition=NS(kind=kind), summary=NS(overall=overall), vs_baseline=None, efficacy={})


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
