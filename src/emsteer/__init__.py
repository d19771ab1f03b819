"""emsteer: does activation steering induce emergent misalignment?"""

__version__ = "0.1.0"
