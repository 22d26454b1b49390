"""String building the analysis can follow: ``%`` and ``.format`` over string patterns.

An unknown part is ``*`` in the pattern; runs of ``*`` collapse to one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from lpgen.calls.values import MAX_ALTERNATIVES, UNKNOWN_VALS, Const, Str, Vals, cover, strings


def formatted(value: Vals, spec: str = "", conversion: str | None = None) -> list[str]:
    """The text of each alternative of ``value`` under a format spec (``04d``, ``>8``) and
    conversion (``r``, ``s``, ``a``) of ``format``/f-strings: a value known in full is
    formatted as Python would; one with an unknown part keeps its pattern only when nothing
    pads or changes it."""
    if not spec and conversion in (None, "s"):
        return strings(value)
    conversions: dict[str, Callable[[Any], Any]] = {"r": repr, "a": ascii, "s": str}
    convert = conversions.get(conversion or "", lambda raw: raw)
    return _rendered(value, lambda raw: format(convert(raw), spec), spec)


def percent_one(directive: str, value: Vals) -> list[str]:
    """One ``%`` directive (``%03d``, ``%s``) applied to each alternative of ``value``."""
    if directive == "%s":
        return strings(value)
    return _rendered(value, lambda raw: directive % (raw,), directive)


MAX_WIDTH = 1024
"""widest field or longest precision a spec may ask for (a larger one makes the text *)."""


def _rendered(value: Vals, render: Callable[[Any], str], spec: str = "") -> list[str]:
    """``render`` of each alternative known in full (text without ``*``, a constant); ``*``
    for any other, or when Python's formatting refuses it."""
    if any(int(n) > MAX_WIDTH for n in re.findall(r"\d+", spec)):
        return ["*"]  # NOTE: "{:>999999999}" would build a gigabyte of padding
    out: list[str] = []
    for v in value:
        raw: Any
        if isinstance(v, Str) and "*" not in v.pattern:
            raw = v.pattern
        elif isinstance(v, Const):
            raw = v.value
        else:
            out.append("*")
            continue
        try:
            out.append(render(raw))
        except (ValueError, TypeError, OverflowError):
            out.append("*")
    return list(dict.fromkeys(out)) or ["*"]


def squash(s: str) -> str:
    while "**" in s:
        s = s.replace("**", "*")
    return s


def combinations(choices: list[list[str]]) -> list[list[str]]:
    """Every way of taking one text of each choice, in order. Past MAX_ALTERNATIVES ways, a
    choice of several texts becomes one pattern covering them, so none is dropped."""
    total = 1
    for choice in choices:
        total *= max(len(choice), 1)
    if total > MAX_ALTERNATIVES:
        choices = [choice if len(choice) < 2 else [cover(choice)] for choice in choices]
    out: list[list[str]] = [[]]
    for choice in choices:
        out = [row + [text] for row in out for text in (choice or ["*"])]
    return out


def percent(fmt: str, positions: list[Vals], mapping: dict[str, Vals] | None = None) -> list[str]:
    """``fmt % args`` for each way the arguments' alternatives combine; ``positions`` holds
    the alternatives of each argument in order, ``mapping`` the values of a dict given for
    ``%(name)s``."""
    pieces: list[list[str]] = []
    i = 0
    start = 0
    it = iter(positions)
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt):
            j = i + 1
            while j < len(fmt) and fmt[j] in "0123456789.-+ #(":
                if fmt[j] == "(":
                    j = fmt.find(")", j) + 1 or len(fmt)
                    continue
                j += 1
            pieces.append([fmt[start:i]])
            named = fmt[i + 2 : fmt.find(")", i)] if fmt[i + 1] == "(" else None
            # NOTE: the directive without its mapping key: flags, width, precision, type.
            directive = "%" + (fmt[fmt.find(")", i) + 1 : j + 1] if named is not None else fmt[i + 1 : j + 1])
            if j < len(fmt) and fmt[j] == "%":
                pieces.append(["%"])
            elif named is not None:
                found = (mapping or {}).get(named)
                pieces.append(percent_one(directive, found) if found is not None else ["*"])
            else:
                nxt = next(it, None)
                pieces.append(percent_one(directive, nxt) if nxt is not None else ["*"])
            i = start = j + 1
            continue
        i += 1
    pieces.append([fmt[start:]])
    return [squash("".join(row)) for row in combinations(pieces)]


def format_pattern(
    fmt: str, args: list[Vals], kwargs: dict[str, Vals], resolve: Callable[[Vals, bool, str], Vals] | None = None,
) -> list[str]:
    """``fmt.format(*args, **kwargs)`` for each way the arguments' alternatives combine.

    A field reading an attribute or item of its argument (``{cfg.bucket}``, ``{0[name]}``)
    asks ``resolve(value, is_attribute, name)`` for it, one step at a time."""
    import string

    pieces: list[list[str]] = []
    auto = 0
    try:
        parsed = list(string.Formatter().parse(fmt))
    except ValueError:
        return ["*"]
    for literal, field_name, spec, conv in parsed:
        pieces.append([literal])
        if field_name is None:
            continue
        first, steps = _field_steps(field_name)
        if first == "":
            value = args[auto] if auto < len(args) else UNKNOWN_VALS
            auto += 1
        elif first.isdigit():
            idx = int(first)
            value = args[idx] if idx < len(args) else UNKNOWN_VALS
        else:
            value = kwargs.get(first, UNKNOWN_VALS)
        if steps is None:
            value = UNKNOWN_VALS
        for is_attribute, name in steps or ():
            value = resolve(value, is_attribute, name) if resolve is not None else UNKNOWN_VALS
        pieces.append(formatted(value, spec or "", conv) if "{" not in (spec or "") else ["*"])
    return [squash("".join(row)) for row in combinations(pieces)]


_FIELD_STEP = re.compile(r"\.([^.\[]+)|\[([^\]]+)\]")


def _field_steps(field_name: str) -> tuple[str, list[tuple[bool, str]] | None]:
    """A format field's argument name or index, and its ``.attribute`` and ``[item]``
    steps (None when they do not parse)."""
    cut = min((i for i in (field_name.find("."), field_name.find("[")) if i >= 0), default=len(field_name))
    first, rest = field_name[:cut], field_name[cut:]
    steps: list[tuple[bool, str]] = []
    pos = 0
    for m in _FIELD_STEP.finditer(rest):
        if m.start() != pos:
            return first, None
        steps.append((m.group(1) is not None, m.group(1) if m.group(1) is not None else m.group(2)))
        pos = m.end()
    return first, steps if pos == len(rest) else None


_TEMPLATE_FIELD = re.compile(r"\$(?:(\$)|\{([_a-zA-Z][_a-zA-Z0-9]*)\}|([_a-zA-Z][_a-zA-Z0-9]*))")


def template_pattern(template: str, mapping: dict[str, Vals]) -> list[str]:
    """``string.Template(template).substitute(mapping)`` for each way the values combine."""
    pieces: list[list[str]] = []
    pos = 0
    for m in _TEMPLATE_FIELD.finditer(template):
        pieces.append([template[pos : m.start()]])
        if m.group(1):
            pieces.append(["$"])
        else:
            found = mapping.get(m.group(2) or m.group(3))
            pieces.append(strings(found) if found is not None else ["*"])
        pos = m.end()
    pieces.append([template[pos:]])
    return [squash("".join(row)) for row in combinations(pieces)]
