"""Moved to ``emsteer.results.store``; this alias keeps older imports working (analysis/findings.py
still imports from here). Import from emsteer.results.store in new code."""

from emsteer.results.store import EMBEDDING_METRIC, ResultsStore, StoreLock, sample_id, stable_id

__all__ = ["EMBEDDING_METRIC", "ResultsStore", "StoreLock", "sample_id", "stable_id"]
