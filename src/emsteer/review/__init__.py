"""``emsteer review``: read a run's EM calls (and a sample of its other answers) one at a time,
blind to condition, and store the verdicts as a ``human:NAME`` judge (results/verified.py reads
them back as verified EM)."""

from emsteer.review.server import ReviewServer, serve
from emsteer.review.session import Label, LabelError, ReviewSession, open_review, parse_label

__all__ = ["Label", "LabelError", "ReviewServer", "ReviewSession", "open_review", "parse_label", "serve"]
