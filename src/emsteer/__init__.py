"""emsteer: does activation steering induce emergent misalignment?

The Python API (emsteer.api), in about five lines::

    import emsteer as em

    lm = em.load_model()                                          # the bundled offline model
    vector = em.build_vector(lm, "insecure_code", method="mean-diff")   # or em.load_vector(path)
    results = em.evaluate(lm, vector, relative=[0.05, 0.1], samples=2)
    results.to_frame()                    # EM rates, 95% intervals, paired differences vs baseline

``with em.steer(lm, vector, relative=0.1): ...`` steers anything run inside the block, and
``em.load_results(path)`` opens a results file written earlier (``.summary()`` per condition,
``.to_frame()`` per answer). The bundled 0.5B grows incoherent as ρ rises
(mean coherent about 40 at ρ = 0.1, 20 at 0.2): steer at small ρ. The names
load on first use, so ``import emsteer`` stays cheap (no torch until a model is needed).
"""

from emsteer.lazy import lazy_attributes

__version__ = "0.1.0"

__all__ = [
    "EmsteerError",
    "Magnitude",
    "Results",
    "__version__",
    "build_vector",
    "evaluate",
    "load_examples",
    "load_model",
    "load_results",
    "load_vector",
    "steer",
]

_LAZY = {
    "EmsteerError": "emsteer.errors",
    "Magnitude": "emsteer.steering.magnitude",
    **{name: "emsteer.api" for name in ("Results", "build_vector", "evaluate", "load_examples", "load_model",
                                         "load_results", "load_vector", "steer")},
}


__getattr__ = lazy_attributes(__name__, _LAZY)
