"""Training shared by every trained intervention: the narrow-task objective and epochs loop
(objective.py) and the per-epoch checkpoint names (checkpoints.py).

Layering: training sits above the steering core (artifacts, hooks, magnitudes, which it uses to
train *through* an intervention) and below the construction methods (emsteer.methods)
and finetuning (emsteer.finetune), which both train with it. Nothing here imports either.
The names below are what the outside (the CLI) uses; they load on first use, so this package
stays free of torch until one is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emsteer.lazy import lazy_attributes

if TYPE_CHECKING:
    from emsteer.training.objective import MemorySavers, assistant_nll

__all__ = ["MemorySavers", "assistant_nll"]

_LAZY = {name: "emsteer.training.objective" for name in __all__}


__getattr__ = lazy_attributes(__name__, _LAZY)
