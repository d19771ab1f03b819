"""Studies: study configs (config.py), the grid runner (runner.py; distributed.py over Ray), the
power plan (plan.py) and the main job of `emsteer run` (main_job.py).

The names below are what the outside (the CLI) uses; they load on first use, so importing the
package costs nothing (`emsteer --help` reads MAIN_JOB_DEFAULTS only).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emsteer.lazy import lazy_attributes

if TYPE_CHECKING:
    from emsteer.studies.config import load_study
    from emsteer.studies.distributed import run_study_ray
    from emsteer.studies.main_job import MAIN_JOB_DEFAULTS, main_job_config
    from emsteer.studies.plan import plan_for
    from emsteer.studies.runner import run_study

__all__ = ["MAIN_JOB_DEFAULTS", "load_study", "main_job_config", "plan_for", "run_study", "run_study_ray"]

_LAZY = {
    "load_study": "emsteer.studies.config",
    "run_study_ray": "emsteer.studies.distributed",
    **{name: "emsteer.studies.main_job" for name in ("MAIN_JOB_DEFAULTS", "main_job_config")},
    "plan_for": "emsteer.studies.plan",
    "run_study": "emsteer.studies.runner",
}


__getattr__ = lazy_attributes(__name__, _LAZY)
