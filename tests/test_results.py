"""docs/RESULTS.md's generated sections agree with the committed CSVs, and the generator's rules."""

from pathlib import Path

import pytest

from alife.cli import main
from alife.errors import ExperimentError
from alife.experiments.results import Figures, render, update

DOCS = Path(__file__).resolve().parent.parent / "docs"

CSV = """width,depth,n_in,n_out,samples,max_rel_err,median_rel_err,frac_switches_on
16,1,7,4,40,2e-07,1e-07,0.5
16,2,7,4,40,4e-07,1e-07,0.25
"""


def test_results_md_is_what_the_csvs_give():
    """Re-generating every section from docs/figures leaves docs/RESULTS.md as committed: the
    text cannot drift from the data (fix: `python run.py results`, or re-run the experiment)."""
    text = (DOCS / "RESULTS.md").read_text()
    new = render(text, Figures(DOCS / "figures"))
    stale = [line for line in new.splitlines() if line not in text.splitlines()]
    assert new == text, f"RESULTS.md is stale; generated lines not in it: {stale[:5]}"


@pytest.fixture
def folder(tmp_path):
    figures = tmp_path / "figures"
    figures.mkdir()
    (figures / "relu_switch.csv").write_text(CSV)
    return tmp_path


def _doc(body):
    return f"# R\n\nhand-written\n\n<!-- results:relu_switch:begin -->\n{body}" \
           "<!-- results:relu_switch:end -->\n\nmore prose\n"


def test_render_replaces_only_between_markers(folder):
    text = render(_doc("stale 0.90\n"), Figures(folder / "figures"))
    assert "stale" not in text and "hand-written" in text and text.endswith("more prose\n")
    assert "| 16 | 2.0e-07 | 4.0e-07 | 1.0e-07 | 0.25 |" in text
    assert "**4.0e-07**" in text and "80 random" not in text  # numbers come from the CSV
    assert render(text, Figures(folder / "figures")) == text  # a fixed point


def test_update_and_check(folder):
    doc = folder / "RESULTS.md"
    doc.write_text(_doc(""))
    assert update(doc, check=True) and doc.read_text() == _doc("")  # check leaves the file
    assert update(doc) and not update(doc, check=True)
    assert main(["results", "--doc", str(doc), "--check"]) == 0
    doc.write_text(doc.read_text().replace("0.25", "0.26"))
    assert main(["results", "--doc", str(doc), "--check"]) == 1
    assert main(["results", "--doc", str(doc)]) == 0 and "0.26" not in doc.read_text()


@pytest.mark.parametrize("text, message", [
    ("<!-- results:nope:begin -->\n<!-- results:nope:end -->\n", "unknown results section"),
    ("<!-- results:summary:end -->\n", "without its begin"),
    ("<!-- results:summary:begin -->\n", "no end marker"),
    ("<!-- results:summary:begin -->\n<!-- results:timings:begin -->\n", "begins inside"),
])
def test_bad_markers_are_clear_errors(folder, text, message):
    with pytest.raises(ExperimentError, match=message):
        render(text, Figures(folder / "figures"))


def test_missing_csv_names_the_file(tmp_path):
    with pytest.raises(ExperimentError, match="relu_switch.csv is missing"):
        render(_doc(""), Figures(tmp_path))
    assert main(["results", "--doc", str(tmp_path / "none.md")]) == 1


def test_experiment_into_a_figures_folder_rewrites_its_results(tmp_path, capsys):
    """`run.py experiment NAME --out X/figures` rewrites X/RESULTS.md, timings included."""
    doc = tmp_path / "RESULTS.md"
    doc.write_text(_doc("old\n") + "<!-- results:timings:begin -->\n<!-- results:timings:end -->\n")
    out = tmp_path / "figures"
    assert main(["experiment", "relu_switch", "--quick", "--out", str(out), "--seed", "2"]) == 0
    assert "rewrote" in capsys.readouterr().out
    text = doc.read_text()
    assert "old" not in text and "| 64 |" in text
    row = next(line for line in text.splitlines() if line.startswith("| 1 relu_switch"))
    assert "--seed 2 --quick`" in row
    assert Figures(out).rows("relu_switch_timing")[0]["cpu_s"] > 0
