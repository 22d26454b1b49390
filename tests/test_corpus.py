"""Accuracy on the shared practice corpus, scored with its own scorer (skipped when absent)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import SHARED

CORPUS = SHARED / "corpus"


@pytest.mark.skipif(not (CORPUS / "score.py").exists(), reason="shared corpus not present")
def test_corpus_scores_do_not_regress(tmp_path) -> None:
    out = tmp_path / "score.json"
    cmd = (
        f"{sys.executable} -P -m lpgen.cli suggest {{entry}} {{template_args}} {{env_args}} "
        "--region {region} --account {account} --format json"
    )
    subprocess.run(
        [sys.executable, str(CORPUS / "score.py"), str(CORPUS), "--cmd", cmd, "--json", str(out), "--quiet"],
        check=True, capture_output=True,
    )
    data = json.loads(out.read_text())
    totals = data.get("totals", data)
    # every case: all needed pairs allowed, every decoy denied, nothing extra granted
    cases = {c["case"]: c for c in data["cases"]}
    short = {name: (c.get("missing"), c.get("leaked")) for name, c in cases.items() if c.get("missing") or c.get("leaked")}
    assert not short
    assert totals["mean_sufficiency"] == 1.0
    assert totals["mean_tightness"] == 1.0
    assert totals["total_excess"] == 0
    assert totals["crashed"] == 0


CASES = sorted(p.parent for p in CORPUS.glob("*/case.json") if json.loads(p.read_text()).get("template"))


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_template_names_every_environment_variable(case, monkeypatch) -> None:
    from lpgen import api
    from lpgen.iac import load_template

    label = json.loads((case / "case.json").read_text())
    monkeypatch.chdir(case)
    tpl = load_template(label["template"], region=label["region"], account=label["account"])
    result = api.suggest_for_function(tpl, label.get("function"), [label["entry"]], region=label["region"],
                                      account=label["account"])
    assert not [f.message for f in result.findings if f.code == "LP202"]
