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


def intersects(a: str, b: str) -> bool:
    """Do the two resource patterns match a common ARN? Exact where ``overlaps`` only tells
    when one covers the other. ``*``, ``?`` and placeholders each stand for any text within
    an ARN's part: two ARNs are compared part by part (partition, service, Region, account,
    resource), as ARNs are made."""
    x = _PLACEHOLDER.sub("*", a).replace("?", "*")
    y = _PLACEHOLDER.sub("*", b).replace("?", "*")
    xs, ys = x.split(":", 5), y.split(":", 5)
    if len(xs) == len(ys) == 6 and xs[0] == ys[0] == "arn":
        return all(_common(p, q) for p, q in zip(xs[1:], ys[1:]))
    return _common(x, y)


@lru_cache(maxsize=4096)
def _common(x: str, y: str) -> bool:
    # NOTE: positions (i, j) from which the rests can still give the same text; a ``*``
    # either ends or takes the other side's next character.
    seen: set[tuple[int, int]] = set()
    todo = [(0, 0)]
    while todo:
        i, j = todo.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(x) and j == len(y):
            return True
        if i < len(x) and x[i] == "*":
            todo.append((i + 1, j))
            if j < len(y):
                todo.append((i, j + 1))
        if j < len(y) and y[j] == "*":
            todo.append((i, j + 1))
            if i < len(x):
                todo.append((i + 1, j))
        if i < len(x) and j < len(y) and x[i] == y[j] and x[i] != "*":
            todo.append((i + 1, j + 1))
    return False
