"""Inspect (inspect_ai) bridge, optional extra ``emsteer[inspect]``.

- ``provider.py``: model provider ``emsteer/MODEL`` — any Inspect eval on a steered model:
  ``inspect eval TASK --model emsteer/bundled -M vector=v.safetensors -M relative=0.2``.
- ``task.py``: task ``emsteer/em`` — the question set, emsteer's judges, EM metrics.
- ``_registry.py``: what Inspect loads through the ``inspect_ai`` entry point of this package.
"""
