"""The README stays a newcomer's page (≤ 12 KB, links inside the repository) and says what the
bundled models are exactly as the code does; the docs/ pages it points to exist."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_readme_is_short():
    assert len((ROOT / "README.md").read_bytes()) <= 12 * 1024


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_link_stays_in_the_repository_and_resolves(page):
    for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
        assert "://" not in target and not target.startswith(("/", "mailto:")), (page.name, target)
        path = (page.parent / target.split("#")[0]).resolve()
        assert path.exists() and ROOT in path.parents, (page.name, target)


def test_readme_states_each_bundled_models_provenance():
    from emsteer.models import BUNDLED_MODELS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for spec in BUNDLED_MODELS.values():
        row = next(line for line in readme.splitlines() if line.startswith(f"| `{spec.name}`"))
        assert spec.sha256 in row and spec.revision in row and f"{spec.size:,}" in row
        assert spec.upstream.split(",")[0] in row and "Q4_K_M" in row and spec.licence.split()[0] in row
    assert "sha256" in readme and "Git LFS object id" in readme


def test_the_docs_use_the_one_cli_grammar():
    """No page teaches a deprecated spelling (--db, generate --n, --magnitude rho=…) as the way to do it."""
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for line in text.splitlines():
            if "deprecat" in line or "old spellings" in line:
                continue
            assert not re.search(r"emsteer (eval|audit)[^`\n]*--db\b", line), (page.name, line)
            assert not re.search(r"emsteer generate[^`\n]* --n \d", line), (page.name, line)
            assert not re.search(r"emsteer (audit|export-vector)[^`\n]*--magnitude", line), (page.name, line)


def test_findings_quote_the_declared_comparisons_as_rebuilt():
    """Each declared comparison in docs/findings/declared.csv (python scripts/rebuild_findings.py)
    appears in docs/findings.md with the counts the stores give: prose and data cannot drift apart."""
    import csv

    text = (ROOT / "docs" / "findings.md").read_text(encoding="utf-8")
    with open(ROOT / "docs" / "findings" / "declared.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows
    table = [line for line in text.splitlines() if line.startswith("|")]
    for r in rows:
        count = f"{r['em_count']} / {r['n_scored']}"
        against = f"{r['against_em_count']} / {r['against_n_scored']}"
        # the labels' counts in their own cells, the judge's in the last cell, of one table row
        cells = f"| {count} | {against} |" if r["scored_by"].startswith(("agent:", "human:")) else f"| {count} vs {against} |"
        assert any(cells in line for line in table), (r["stage"], r["scored_by"], r["condition"], cells)
