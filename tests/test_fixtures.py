"""Fixture handlers with reviewed golden policies and reports of unresolved calls.

Each handler marks its lines: ``# OK`` where lpgen must grant, ``# unresolved`` where it
must report instead of guessing. ``python scripts/update_golden.py`` regenerates the goldens
after a reviewed change.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from lpgen import api

HERE = Path(__file__).parent
HANDLERS = sorted((HERE / "fixtures" / "handlers").glob("*.py"))
GOLDEN = HERE / "golden" / "handlers"


def _result(path: Path) -> dict[str, object]:
    result = api.suggest([str(path)], env={"TABLE": "orders"}, region="us-east-1", account="123456789012")
    assert result.analysis is not None
    return {
        "policy": result.policy.to_json(),
        "unresolved": [f"{Path(u.location.path).name}:{u.location.line}" for u in result.analysis.unresolved],
        "evidence_lines": sorted({e.line for p in result.permissions for e in p.evidence}),
    }


@pytest.mark.parametrize("path", HANDLERS, ids=lambda p: p.stem)
def test_fixture_handler_matches_its_golden_policy(path: Path) -> None:
    got = _result(path)
    golden = GOLDEN / f"{path.stem}.json"
    if os.environ.get("LPGEN_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(got, indent=2, sort_keys=True) + "\n")
    assert got == json.loads(golden.read_text())
    lines = path.read_text().splitlines()
    ok = [i for i, ln in enumerate(lines, 1) if "# OK" in ln]
    unresolved = [i for i, ln in enumerate(lines, 1) if "# unresolved" in ln]
    assert set(ok) <= set(got["evidence_lines"]), (ok, got["evidence_lines"])  # type: ignore[arg-type]
    reported = {int(u.split(":")[1]) for u in got["unresolved"]}  # type: ignore[union-attr]
    for line in unresolved:
        assert line in reported or line + 1 in reported, (line, reported)


def test_the_library_takes_path_objects_as_it_takes_strings() -> None:
    handler = HANDLERS[0]
    as_text = api.suggest([str(handler)], env={"TABLE": "orders"}, region="us-east-1", account="123456789012")
    as_path = api.suggest([handler], env={"TABLE": "orders"}, region="us-east-1", account="123456789012")
    assert as_path.policy.to_json() == as_text.policy.to_json()
    assert as_path.permissions
    # A handler named from its folder, the folder given as a Path too.
    named = api.suggest([], root=handler.parent, handler=f"{handler.stem}.handler", env={"TABLE": "orders"},
                        region="us-east-1", account="123456789012", libraries=[handler.parent])
    assert named.analysis is not None and named.analysis.entry.startswith(f"{handler.stem}.handler")
