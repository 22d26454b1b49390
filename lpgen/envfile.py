"""Dotenv files (``.env``): the variables a deploy tool or the code loads into the environment."""

from __future__ import annotations

import re

_LINE = re.compile(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*?)\s*\Z")


def parse_dotenv(text: str) -> dict[str, str]:
    """``NAME=value`` lines (``export`` allowed, values quoted or bare, a bare value ending at
    `` #``); other lines are skipped, as dotenv skips them. A later line wins."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        m = _LINE.match(line)
        if not m or line.lstrip().startswith("#"):
            continue
        value = m.group(2)
        end = value.find(value[0], 1) if value[:1] in ("'", '"', "`") else -1
        if end > 0:
            quote, value = value[0], value[1:end]
            if quote == '"':
                value = value.replace("\\n", "\n")
        else:
            value = value.split(" #", 1)[0].strip()
        out[m.group(1)] = value
    return out
