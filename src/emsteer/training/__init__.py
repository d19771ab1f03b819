"""Training shared by every trained intervention: the narrow-task objective and epochs loop
(objective.py) and the per-epoch checkpoint names (checkpoints.py).

Layering: training sits above the steering core (artifacts, hooks, magnitudes, which it uses to
train *through* an intervention) and below the construction methods (emsteer.methods)
and finetuning (emsteer.finetune), which both train with it. Nothing here imports either.
Import from the submodules: this package stays free of torch until they are used.
"""
