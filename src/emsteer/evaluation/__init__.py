"""EM evaluation: from a model and a condition to judged answers in a results store.

- conditions.py what is evaluated (baseline, a steering artifact at a magnitude, a LoRA adapter)
- run.py        generate answers for a question set, judge them, write both through results/
- controls.py   the positive control (the same model made to answer misaligned)
- efficacy.py   narrow-task efficacy (held-out NLL, judged in-domain rate)
- audit.py      the fail-closed verdict of `emsteer audit`
- summary.py    per-condition summaries, paired against each model's baseline

Layering: evaluation sits above results/ (store, metrics), judging/, generation and steering;
studies/ drives it. Metrics live in emsteer.results.metrics.
"""
