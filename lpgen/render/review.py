"""Reviews rendered for people (text, Markdown for a PR comment) and for tools (JSON, SARIF)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from lpgen.review import FunctionReview
from lpgen.review.diff import Change, PolicyDiff

MARKER = "<!-- lpgen-review -->"
"""Hidden marker that identifies lpgen's sticky comment on a pull request."""


@dataclass(frozen=True)
class Links:
    """How to link a file and line at the reviewed commit (``path#Lnn``)."""

    base: str = ""
    """``https://github.com/OWNER/REPO/blob/SHA`` or empty for plain ``path:line``."""

    def of(self, path: str, line: int) -> str:
        text = f"{path}:{line}" if line else path
        if not self.base:
            return f"`{text}`"
        anchor = f"#L{line}" if line else ""
        return f"[{text}]({self.base}/{path}{anchor})"


# --- plain text -----------------------------------------------------------------------


def diff_text(diff: PolicyDiff, *, unified: bool = True) -> str:
    """The diff as text: missing, narrowed, excess, then notes and the unified diff."""
    out: list[str] = []
    labels = {
        "missing": "missing (calls are denied without these)",
        "narrowed": "narrowed (wildcards replaced)",
        "excess": "excess (allowed today, not needed)",
    }
    signs = {"missing": "+", "narrowed": "~", "excess": "-"}
    for kind in ("missing", "narrowed", "excess"):
        items = diff.of(kind)
        out.append(f"{labels[kind]}: {len(items)}")
        for c in items:
            out.append(f"  {signs[kind]} {c.action}  {c.resource}{'  (' + c.note + ')' if c.note else ''}")
            for a, r in c.replaced_by:
                out.append(f"      -> {a}  {r}")
    service = diff.of("service")
    if service:
        out.append(f"missing for the Lambda service (the function's configuration needs these): {len(service)}")
        out.extend(f"  + {c.action}  {c.resource}  ({c.note})" for c in service)
    for note in diff.notes:
        out.append(f"note: {note}")
    text = "\n".join(out) + "\n"
    if unified and diff.unified:
        text += "\n" + diff.unified
    return text


def reviews_text(reviews: list[FunctionReview]) -> str:
    parts = []
    for r in reviews:
        parts.append(f"== {r.function} ({r.template})\n" + diff_text(r.diff, unified=False))
        for f in r.findings:
            parts.append(f"  {f.code} {f.message}\n")
    return "".join(parts)


# --- JSON -----------------------------------------------------------------------------


def reviews_json(reviews: list[FunctionReview]) -> dict[str, Any]:
    from lpgen.api import data_versions

    return {
        "functions": [
            {
                "template": r.template,
                "function": r.function,
                "diff": r.diff.to_json(),
                "findings": [{"code": f.code, "severity": f.severity, "message": f.message, "path": f.path, "line": f.line}
                             for f in r.findings],
                "suggested": r.suggestion.policy.to_json(),
                **({"trail": r.suggestion.trail.counts()} if r.suggestion.trail is not None else {}),
            }
            for r in reviews
        ],
        "verdict": verdict(reviews),
        "data_versions": data_versions(),
    }


# --- Markdown (the PR comment) --------------------------------------------------------


def verdict(reviews: list[FunctionReview]) -> str:
    """One line: what the change does to the permissions."""
    missing = sum(len(r.diff.of("missing")) for r in reviews)
    narrowed = sum(len(r.diff.of("narrowed")) for r in reviews)
    excess = sum(len(r.diff.of("excess")) for r in reviews)
    service = sum(len(r.diff.of("service")) for r in reviews)
    n = len(reviews)
    blind = sum(not r.compared for r in reviews)
    head = f"{n} function{'s' if n != 1 else ''} reviewed"
    if not reviews:
        return "no function's permissions are affected by this change"
    if blind == n and not (missing or narrowed or excess or service):
        return f"{head}: {'their roles are' if n != 1 else 'its role is'} made outside the template, so nothing was compared"
    if blind:
        head += f" ({blind} on a role made outside the template, not compared)"
    lambda_too = f"; {service} permission{'s' if service != 1 else ''} the Lambda service needs missing" if service else ""
    if missing:
        return (f"{head}: {missing} permission{'s' if missing != 1 else ''} missing (calls will be denied), {excess} excess, "
                f"{narrowed} to narrow{lambda_too}")
    if excess or narrowed:
        return (f"{head}: nothing the code needs is missing; {excess} excess grant{'s' if excess != 1 else ''} and "
                f"{narrowed} wildcard{'s' if narrowed != 1 else ''} to narrow{lambda_too}")
    if service:
        return f"{head}: today's policies give what the code needs{lambda_too}"
    return f"{head}: today's policies match what the code needs"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _evidence(r: FunctionReview, action: str, resource: str, links: Links) -> str:
    for p in r.suggestion.permissions:
        if p.action == action and p.resource == resource and p.evidence:
            e = p.evidence[0]
            if e.kind == "trail":
                return "CloudTrail: " + _cell(e.text)
            return links.of(e.path, e.line)
    return ""


def markdown(reviews: list[FunctionReview], links: Links | None = None, title: str = "lpgen") -> str:
    """The pull-request comment: a verdict, a table per function, the suggested policy."""
    from lpgen.api import data_versions

    links = links or Links()
    out = [MARKER, f"### {title}: {verdict(reviews)}", ""]
    for r in reviews:
        out.append(f"#### `{r.function}` ({links.of(r.template, 0)})")
        out.append("")
        rows = [c for c in r.diff.changes if c.kind != "kept"]
        # NOTE: a long list of excess grants (a wide managed policy) would push what will be
        # denied out of sight; it is folded, and what needs a change stays in view.
        excess = [c for c in rows if c.kind == "excess"]
        folded = excess if len(excess) > SHOWN_EXCESS else []
        shown = [c for c in rows if not (folded and c.kind == "excess")]
        if shown:
            out.extend(_table(r, shown, links))
        elif not rows:
            out.append("No change: today's policy is exactly what the code needs." if r.compared else
                       "Today's policy is not in the template: nothing was compared (see below).")
        if folded:
            if shown:
                out.append("")
            out.append(f"<details><summary>{len(folded)} excess (allowed today, not needed)</summary>")
            out.append("")
            out.extend(_table(r, folded, links))
            out.append("")
            out.append("</details>")
        out.append("")
        if r.suggestion.trail is not None:
            t = r.suggestion.trail
            counts = ", ".join(f"{n} {k}" for k, n in sorted(t.counts().items()))
            out.append(f"CloudTrail ({t.window[0][:10]} to {t.window[1][:10]}, role `{t.role}`): {counts}.")
            out.append("")
        for note in r.diff.notes:
            out.append(f"> {note}")
        if r.diff.notes:
            out.append("")
        if r.findings:
            out.append("<details><summary>Findings</summary>")
            out.append("")
            for f in r.findings:
                out.append(f"- **{f.code}** {_cell(f.message)}")
            out.append("")
            out.append("</details>")
            out.append("")
        out.append("<details><summary>Suggested policy</summary>")
        out.append("")
        out.append("```json")
        out.append(r.suggestion.policy.dumps().rstrip())
        out.append("```")
        out.append("")
        out.append("</details>")
        out.append("")
    versions = ", ".join(f"{k} {v}" for k, v in data_versions().items())
    out.append(f"<sub>{versions}</sub>")
    return "\n".join(out) + "\n"


SHOWN_EXCESS = 10
"""with more excess rows than this, a function's excess grants are folded in the comment."""


def _table(r: FunctionReview, changes: list[Change], links: Links) -> list[str]:
    out = ["| change | action | resource | needed by |", "|---|---|---|---|"]
    for c in changes:
        out.extend(_rows(r, c, links))
    return out


def _rows(r: FunctionReview, c: Change, links: Links) -> list[str]:
    if c.kind == "service":
        return [f"| missing for Lambda | `{c.action}` | `{_cell(c.resource)}` | {_cell(c.note)} |"]
    if c.kind == "missing":
        return [f"| added | `{c.action}` | `{_cell(c.resource)}` | {_evidence(r, c.action, c.resource, links)} |"]
    if c.kind == "excess":
        return [f"| removed | `{_cell(c.action)}` | `{_cell(c.resource)}` | {_cell(c.note)} |"]
    first = True
    rows = []
    for a, res in c.replaced_by:
        what = f"narrowed from `{_cell(c.action)}` on `{_cell(c.resource)}`" if first else "narrowed"
        # NOTE: a pair no call needs is the Lambda service's (its logs, see lpgen.review.service).
        rows.append(f"| {what} | `{a}` | `{_cell(res)}` | {_evidence(r, a, res, links) or 'the Lambda service'} |")
        first = False
    return rows


# --- SARIF 2.1.0 ------------------------------------------------------------------------


def sarif(reviews: list[FunctionReview]) -> dict[str, Any]:
    """SARIF 2.1.0: each finding at its call site or at the function in the template."""
    from lpgen import __version__
    from lpgen.api import data_versions
    from lpgen.review.findings import CATALOGUE

    rules: dict[str, dict[str, Any]] = {}
    results: list[dict[str, Any]] = []
    for r in reviews:
        for f in r.findings:
            entry = CATALOGUE.get(f.code)
            rules.setdefault(f.code, {
                "id": f.code,
                "name": (entry.title if entry else f.code).replace(" ", "")[:60] or f.code,
                "shortDescription": {"text": entry.title if entry else f.code},
                "fullDescription": {"text": entry.why if entry else f.message},
                "help": {"text": f"Instead: {entry.instead}" if entry else f.message},
            })
            path, line = f.path, f.line
            if f.code == "LP407":
                path, line = _missing_site(r, f.message) or (path, line)
            location: dict[str, Any] = {"physicalLocation": {"artifactLocation": {"uri": path or r.template}}}
            if line:
                location["physicalLocation"]["region"] = {"startLine": line}
            results.append({
                "ruleId": f.code,
                "level": {"error": "error", "warning": "warning"}.get(f.severity, "note"),
                "message": {"text": f.message},
                "locations": [location],
            })
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "lpgen",
                "version": __version__,
                "rules": [rules[k] for k in sorted(rules)],
            }},
            "results": results,
            "properties": {"dataVersions": data_versions()},
        }],
    }


def _missing_site(r: FunctionReview, message: str) -> tuple[str, int] | None:
    for p in r.suggestion.permissions:
        if f"{p.action} on {p.resource}" in message and p.evidence and p.evidence[0].kind != "trail":
            return p.evidence[0].path, p.evidence[0].line
    return None


def dumps(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True) + "\n"
