import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

SHARED_EM = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "em"


@pytest.fixture
def tiny():
    from tiny import tiny_lm

    return tiny_lm()


@pytest.fixture
def shared_em() -> Path:
    """The public EM datasets beside the checkout; tests that need them skip when absent."""
    if not SHARED_EM.is_dir():
        pytest.skip(f"public EM datasets not found at {SHARED_EM}")
    return SHARED_EM
