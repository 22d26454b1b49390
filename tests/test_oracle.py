"""Property-based oracle: lpgen's policy for a random handler package allows every pair the
program needs and denies every decoy; building, diffing and serialising are well-behaved.

The normal run checks 500 programs; ``HYPOTHESIS_PROFILE=bench`` checks 5,000.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from strategies import ACCOUNT, REGION, Program, programs

from lpgen import api
from lpgen.permissions.arns import parse_arn
from lpgen.permissions.iam_data import resource_types
from lpgen.policy.build import build_policy
from lpgen.policy.evaluate import allows
from lpgen.policy.parse import parse_policy
from lpgen.review.diff import diff_policies

settings.register_profile("default", max_examples=500, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("bench", max_examples=5000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def _suggest(prog: Program, folder: Path) -> api.Suggestion:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.py"):
        old.unlink()
    for name, text in prog.files.items():
        (folder / name).write_text(text)
    return api.suggest([f"{folder}/app.py"], env=prog.env, region=REGION, account=ACCOUNT)


@given(prog=programs())
def test_policy_allows_what_is_needed_and_denies_decoys(prog: Program, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.getbasetemp() / "oracle"
    result = _suggest(prog, folder)
    for action, arn in prog.needed:
        assert allows(result.policy, action, arn), (action, arn, prog.files["app.py"], result.policy.dumps())
    for action, arn in prog.decoys:
        assert not allows(result.policy, action, arn), (action, arn, prog.files["app.py"], result.policy.dumps())
    # never a wildcard action
    assert all("*" not in a for st in result.policy.statements for a in st.actions)
    # building ignores input order
    shuffled = list(result.permissions)
    random.Random(len(shuffled)).shuffle(shuffled)
    assert build_policy(shuffled).dumps() == result.policy.dumps()
    # diff(p, p) is empty; the JSON round-trips
    again = parse_policy(json.loads(result.policy.dumps()))
    assert again.statements == result.policy.statements
    d = diff_policies(result.policy, again)
    assert not d.of("missing") and not d.of("excess") and not d.of("narrowed")
    # every ARN the policy names parses back with one of its action's formats
    for st in result.policy.statements:
        for arn in st.resources:
            if arn == "*":
                continue
            prefix = st.actions[0].split(":")[0]
            assert any(parse_arn(rt.arn_format, arn) is not None for rt in resource_types(prefix).values()), arn
