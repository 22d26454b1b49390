"""IAM wildcard matching of actions and resources, as policy evaluation does it."""

from __future__ import annotations

import re
from functools import lru_cache

_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")


@lru_cache(maxsize=4096)
def _pattern(pattern: str, fold_case: bool) -> re.Pattern[str]:
    # NOTE: ${AWS::Region}-style placeholders in lpgen's own output stand for any value.
    parts = []
    for piece in re.split(r"(\$\{[^}]*\}|\*|\?)", pattern):
        if piece == "*" or (piece.startswith("${") and piece.endswith("}")):
            parts.append(".*")
        elif piece == "?":
            parts.append("[^\x00]")
        else:
            parts.append(re.escape(piece))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL if fold_case else re.DOTALL)


def arn_matches(pattern: str, arn: str) -> bool:
    """Does the Resource ``pattern`` (with ``*``/``?``) cover ``arn``? ARNs are case-sensitive."""
    if pattern == "*":
        return True
    return _pattern(pattern, False).fullmatch(arn) is not None


def action_matches(pattern: str, action: str) -> bool:
    """Does the Action ``pattern`` (``s3:Get*``) cover ``action``? Actions ignore case."""
    if pattern == "*":
        return True
    return _pattern(pattern, True).fullmatch(action) is not None


def covers(pattern: str, other: str) -> bool:
    """Is every ARN matched by ``other`` also matched by ``pattern``?

    Sound: a ``*`` (or ``?``) in ``other`` must fall under a ``*`` of ``pattern``.
    """
    if pattern == "*" or pattern == other:
        return True
    if other == "*":
        return False
    text = _PLACEHOLDER.sub("\x00", other).replace("*", "\x00").replace("?", "\x00")
    return _pattern(pattern, False).fullmatch(text) is not None


def overlaps(a: str, b: str) -> bool:
    """May the two resource patterns name a common ARN? (one covers the other, or matches it)"""
    return arn_matches(b, a) or covers(b, a) or covers(a, b)
