"""String building the analysis can follow: ``%`` and ``.format`` over string patterns.

An unknown part is ``*`` in the pattern; runs of ``*`` collapse to one.
"""

from __future__ import annotations

from lpgen.calls.values import UNKNOWN_VALS, V, Vals, strings


def squash(s: str) -> str:
    while "**" in s:
        s = s.replace("**", "*")
    return s


def percent(fmt: str, args: list[V]) -> str:
    out = []
    i = 0
    it = iter(args)
    while i < len(fmt):
        c = fmt[i]
        if c == "%" and i + 1 < len(fmt):
            j = i + 1
            while j < len(fmt) and fmt[j] in "0123456789.-+ #(":
                if fmt[j] == "(":
                    j = fmt.find(")", j) + 1 or len(fmt)
                    continue
                j += 1
            if j < len(fmt) and fmt[j] == "%":
                out.append("%")
            else:
                nxt = next(it, None)
                out.append(strings((nxt,))[0] if nxt is not None else "*")
            i = j + 1
            continue
        out.append(c)
        i += 1
    return squash("".join(out))


def format_pattern(fmt: str, args: list[Vals], kwargs: dict[str, Vals]) -> str:
    import string

    out = []
    auto = 0
    try:
        parsed = list(string.Formatter().parse(fmt))
    except ValueError:
        return "*"
    for literal, field_name, _spec, _conv in parsed:
        out.append(literal)
        if field_name is None:
            continue
        if field_name == "":
            value = args[auto] if auto < len(args) else UNKNOWN_VALS
            auto += 1
        elif field_name.isdigit():
            idx = int(field_name)
            value = args[idx] if idx < len(args) else UNKNOWN_VALS
        else:
            value = kwargs.get(field_name.split(".")[0].split("[")[0], UNKNOWN_VALS)
        out.append(strings(value)[0])
    return squash("".join(out))
