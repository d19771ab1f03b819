"""How far a judge can be trusted: agreement with a reference judge on real answers
(`agreement`), the labelled calibration answers (`calibration`), and prompt injection
(`injection`). Each measurement is remembered per judge identity (`records`) so that runs can cite it.
"""
