"""Review: today's policy against the suggested one, per function, for people and for CI."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lpgen.errors import LpgenError
from lpgen.permissions.model import Finding
from lpgen.policy.evaluate import statement_matches
from lpgen.policy.model import Statement
from lpgen.review.diff import Change, PolicyDiff, change_order, diff_policies, pairs

if TYPE_CHECKING:
    from lpgen.trail.summary import TrailSummary


@dataclass
class FunctionReview:
    """One function: what it needs, what it has, and the difference."""

    template: str
    function: str
    suggestion: Any
    """``lpgen.api.Suggestion``."""
    current: Any
    """``lpgen.iac.model.CurrentPolicy``."""
    diff: PolicyDiff
    findings: list[Finding] = field(default_factory=list)

    @property
    def compared(self) -> bool:
        """Is today's policy in the template? Not when the function's role is made elsewhere
        (``CurrentPolicy.unknown``) and the template gives it nothing of its own."""
        return not role_unseen(self.current)


def role_unseen(current: Any) -> bool:
    """Is ``current`` (a ``CurrentPolicy``) a role whose policy is decided outside the template?"""
    return bool(current.unknown) and not current.policy.statements and not current.managed


def review_function(
    template_path: str,
    function: str | None,
    *,
    params: dict[str, str] | None = None,
    region: str | None = None,
    account: str | None = None,
    partition: str | None = None,
    cloudtrail: str | TrailSummary | None = None,
    role: str | None = None,
    template: Any = None,
    suggested: dict[str, Any] | None = None,
) -> FunctionReview:
    """Suggest ``function``'s policy (None: the template's only function) and compare it with
    what its template grants today. ``suggested`` keeps the template's functions' suggestions
    (from their code and template, by name) across the reviews of one template."""
    from lpgen import api
    from lpgen.iac import load_template
    from lpgen.iac.current import FINE_MANAGED, sam_attached
    from lpgen.review.findings import policy_findings
    from lpgen.review.service import service_changes

    tpl = template or load_template(template_path, params=params, region=region, account=account, partition=partition)
    fn = tpl.function(function)
    suggested = {} if suggested is None else suggested
    if cloudtrail is None and fn.name in suggested:
        suggestion = suggested[fn.name]
    else:
        suggestion = api.suggest_for_function(
            tpl, fn.name, region=region, account=account, partition=partition, cloudtrail=cloudtrail, role=role
        )
    if cloudtrail is None:
        suggested[fn.name] = suggestion
    current = tpl.current_policy(fn)
    diff = diff_policies(current.policy, suggestion.policy)
    # NOTE: what the Lambda service uses of today's grants is not excess, and what it needs
    # and they lack is reported beside what the code needs.
    diff.changes = _for_lambda(diff.changes, fn, current, tpl.scope)
    # NOTE: and an excess grant says who may still need it, most telling last.
    if diff.of("excess"):
        diff.changes = _explained(diff.changes, [
            _unresolved_need(suggestion.analysis),
            _unreachable_need(suggestion.analysis, tpl.scope),
            _sharer_need(tpl, current, suggested, region=region, account=account, partition=partition),
        ])
    diff.changes.extend(service_changes(fn, current, tpl.scope))
    diff.changes.extend(_outside_boundary(current, suggestion.policy, diff))
    diff.changes.extend(_refused_by_keys(tpl, current, suggestion, diff))
    diff.changes.extend(_refused_uploads(tpl, suggestion, diff))
    diff.changes.sort(key=change_order)
    blind = list(dict.fromkeys(
        f"{u.location.path}:{u.location.line}"
        for u in (suggestion.analysis.unresolved if suggestion.analysis is not None else ()) if not u.service
    ))
    if blind and diff.of("excess"):
        where = ", ".join(blind[:3]) + (" …" if len(blind) > 3 else "")
        diff.notes.append(f"calls lpgen could not resolve ({where}) may need some of the excess grants")
    if current.boundary_arn:
        diff.notes.append(f"a permissions boundary is set ({current.boundary_arn}): what it refuses is not compared")
    diff.notes.extend(unresolved_notes(current.policy))
    diff.notes.extend(f"{kind} {name} is not created with these parameters ({why}): what it grants is not compared "
                      "(--param gives the parameters it rests on)"
                      for name, kind, why in tpl.not_created
                      if kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy", "AWS::IAM::Role"))
    # NOTE: a policy for what the Lambda runtime does (logs, network interfaces, traces) has
    # nothing the code's policy could be compared with: only the others are worth a note.
    unknown = [arn for arn in current.managed if not sam_attached(name := arn.rsplit("/", 1)[-1]) and name not in FINE_MANAGED]
    if unknown:
        diff.notes.append("managed policies are attached (" + ", ".join(unknown) + "): their content is not compared")
    if current.unknown:
        diff.notes.append(current.unknown)
        if role_unseen(current):
            # NOTE: the role's policy is decided elsewhere: nothing can be said to be missing
            # from it, only what it must allow.
            needed = [c for c in diff.changes if c.kind in ("missing", "service")]
            diff.changes = [c for c in diff.changes if c.kind not in ("missing", "service")]
            if needed:
                diff.notes.append(f"that role must allow the suggested policy and what the Lambda service needs "
                                  f"({len(needed)} permission{'s' if len(needed) != 1 else ''}): lpgen cannot see whether it does")
    findings = policy_findings(current, diff, fn.path or tpl.path, fn.name, line=fn.line)
    return FunctionReview(tpl.path, fn.name, suggestion, current, diff, findings)


def unresolved_notes(policy: Any) -> list[str]:
    """A note for each Resource of today's policy known only when the template deploys
    (``lpgen.iac.model.Unresolved``): compared as ``*``, so as allowing what the code needs."""
    from lpgen.iac.model import Unresolved
    from lpgen.review.diff import statement_label

    out: list[str] = []
    for st in policy.statements:
        marked = [r for r in st.resources if isinstance(r, Unresolved)]
        if not marked:
            continue
        why = ", ".join(dict.fromkeys(r.why for r in marked))
        if all(r == "*" for r in marked):
            out.append(f"{statement_label(st)}: its Resource, {why}, is known only when the template deploys; "
                       "it is compared as \"*\"")
        else:
            out.append(f"{statement_label(st)}: its Resource takes {why}, known only when the template deploys; "
                       "that part is compared as \"*\"")
    return list(dict.fromkeys(out))


def _for_lambda(changes: list[Change], fn: Any, current: Any, scope: Any) -> list[Change]:
    """Today's grants as the Lambda service uses them: one it uses as it is (the function's
    own log group) is kept; a wider one that gives what it needs and no attached AWS managed
    policy does (``logs:*`` on ``*``) is narrowed to that, beside what the code needs."""
    from dataclasses import replace

    from lpgen.review.service import lambda_uses, runtime_statements

    runtime = [(a, r) for st in runtime_statements(fn, current, scope) for a in st.actions for r in st.resources]
    out = []
    for c in changes:
        if c.kind in ("excess", "narrowed") and not c.replaced_by and lambda_uses(fn, scope, c.action, c.resource):
            out.append(Change("kept", c.action, c.resource, note="the Lambda service uses it"))
            continue
        grant = _grant(c) if c.kind in ("excess", "narrowed") else None
        covered = tuple(p for p in runtime if grant is not None and statement_matches(grant, *p) and p not in c.replaced_by)
        out.append(replace(c, kind="narrowed", replaced_by=(*c.replaced_by, *covered), note="") if covered else c)
    return out


def _grant(c: Change) -> Statement | None:
    """The Allow a change of today's policy stands for (one action on one resource), unless
    it is a NotAction or NotResource one."""
    return None if c.action.startswith("Not") or c.resource.startswith("Not") else Statement("Allow", (c.action,), (c.resource,))


Explainer = Callable[[Statement], str | None]
"""Says who may still need an excess grant (as a note), or None."""


def _explained(changes: list[Change], explainers: list[Explainer | None]) -> list[Change]:
    """Excess grants with the note of the last explainer that knows who may need them."""
    from dataclasses import replace

    active = [e for e in explainers if e is not None]
    out = []
    for c in changes:
        grant = _grant(c) if c.kind == "excess" and active else None
        notes = [n for e in active if grant is not None and (n := e(grant))]
        out.append(replace(c, note=notes[-1]) if notes else c)
    return out


def _unresolved_need(analysis: Any) -> Explainer | None:
    """A call lpgen could not resolve on a known service (``getattr(table, op)(...)``) may
    need that service's grants: removing them may break it."""
    from lpgen.permissions.mapping import iam_prefix

    calls: dict[str, Any] = {}
    for u in analysis.unresolved if analysis is not None else ():
        if u.service:
            calls.setdefault(iam_prefix(u.service), u)
    if not calls:
        return None

    def explain(grant: Statement) -> str | None:
        u = calls.get(grant.actions[0].split(":", 1)[0].lower())
        return None if u is None else (f"no call lpgen could follow needs it, but the unresolved {u.service} call at "
                                       f"{u.location.path}:{u.location.line} may")
    return explain


def _unreachable_need(analysis: Any, scope: Any) -> Explainer | None:
    """Only calls in code the entry never reaches (LP204) need it: the grant and that code
    can go together."""
    from lpgen.api import permissions_for

    gone = [u.call for u in analysis.unreachable] if analysis is not None else []
    if not gone:
        return None
    needed = [(p.action, p.resource, p.evidence[0]) for p in permissions_for(gone, scope)[0] if p.evidence]

    def explain(grant: Statement) -> str | None:
        hit = next((e for a, r, e in needed if statement_matches(grant, a, r)), None)
        return None if hit is None else f"only code the entry never reaches needs it ({hit.path}:{hit.line})"
    return explain


def _sharer_need(
    tpl: Any, current: Any, suggested: dict[str, Any], *, region: str | None, account: str | None, partition: str | None,
) -> Explainer | None:
    """Another function sharing the role (LP406) needs it: it goes when each function has a
    role of its own."""
    from lpgen import api

    if not current.shared_with:
        return None
    for name in current.shared_with:
        if name not in suggested:
            suggested[name] = api.suggest_for_function(tpl, name, region=region, account=account, partition=partition)
    needs = [(name, pairs(suggested[name].policy)) for name in current.shared_with]

    def explain(grant: Statement) -> str | None:
        users = [name for name, needed in needs if any(statement_matches(grant, a, r) for a, r in needed)]
        one = len(users) == 1
        return f"{', '.join(users)}, which share{'s' if one else ''} this role, need{'s' if one else ''} it" if users else None
    return explain


def _refused_by_keys(tpl: Any, current: Any, suggestion: Any, diff: PolicyDiff) -> list[Change]:
    """What the code needs of a key the template makes whose key policy does not let the
    role use it: KMS refuses it whatever the role's own policy says."""
    from lpgen.iac.current import key_refuses
    from lpgen.policy.match import covers

    missing = {(c.action, c.resource) for c in diff.of("missing")}
    out = []
    for enc in tpl.encrypted:
        # NOTE: only a resource the code surely uses: a call on a name not known may go elsewhere.
        if not any(p.action in enc.actions and any(covers(pat, p.resource) for pat in enc.patterns) for p in suggestion.permissions):
            continue
        # NOTE: the permissions derived for this resource: on its key, through its service.
        via = f"{enc.service}."
        for p in suggestion.permissions:
            if not enc.key_logical or not p.action.startswith("kms:") or p.resource != enc.key_arn or (p.action, p.resource) in missing:
                continue
            if any(key == "kms:ViaService" and not value.startswith(via) for _, key, value in p.condition):
                continue
            if key_refuses(tpl, enc.key_logical, current.role, p.action):
                missing.add((p.action, p.resource))
                out.append(Change("missing", p.action, p.resource,
                                  note=f"the key policy of {enc.key_logical} does not let the role use the key"))
    return out


def _refused_uploads(tpl: Any, suggestion: Any, diff: PolicyDiff) -> list[Change]:
    """Uploads a bucket policy of the template refuses for the encryption they ask (or do not
    ask) for: denied whatever the role allows, so missing, with the reason; the fix is in the
    request (``ServerSideEncryption=``)."""
    from lpgen.iac.current import upload_refusals

    if suggestion.analysis is None:
        return []
    missing = {(c.action, c.resource) for c in diff.of("missing")}
    out = []
    for call, why in upload_refusals(tpl, suggestion.analysis.calls):
        where = (call.location.path, call.location.line)
        for p in suggestion.permissions:
            if p.action == "s3:PutObject" and (p.action, p.resource) not in missing and any((e.path, e.line) == where for e in p.evidence):
                missing.add((p.action, p.resource))
                out.append(Change("missing", p.action, p.resource, note=f"{why} ({where[0]}:{where[1]})"))
    return out


def _outside_boundary(current: Any, suggested: Any, diff: PolicyDiff) -> list[Change]:
    """What the code needs that today's policy allows but the role's permissions boundary (one
    the template defines) does not: IAM allows only what both allow, so the calls are denied."""
    from lpgen.policy.evaluate import allows

    if current.boundary is None:
        return []
    missing = {(c.action, c.resource) for c in diff.of("missing")}
    return [
        Change("missing", a, r, note="outside the role's permissions boundary")
        for a, r in pairs(suggested) if (a, r) not in missing and not allows(current.boundary, a, r)
    ]


def _importing(loaded: dict[str, Any], changed: list[str], found: set[tuple[str, str]], root: str) -> list[tuple[str, str]]:
    """Functions whose code imports a changed Python file outside their CodeUri."""

    from lpgen import api

    changed_py = {os.path.realpath(os.path.join(root, c)) for c in changed if c.endswith(".py")}
    code_roots = {os.path.realpath(fn.code_root) for tpl in loaded.values() for fn in tpl.functions.values() if fn.code_root}
    # NOTE: only a changed file outside every CodeUri can be imported unseen (a shared
    # package the analysis reaches through the project roots).
    changed_py = {c for c in changed_py if not any(c.startswith(r.rstrip("/") + "/") for r in code_roots)}
    if not changed_py:
        return []
    out = []
    for rel, tpl in sorted(loaded.items()):
        for fn in sorted(tpl.functions.values(), key=lambda f: f.name):
            if (rel, fn.name) in found or not fn.code_root or not fn.is_python or fn.inline_code is not None:
                continue
            try:
                code = api.function_code(tpl, fn)
                analysis = api.analyze(code.pop("paths"), env=fn.environment, **code)
            except LpgenError:
                continue
            if changed_py & {os.path.realpath(f) for f in analysis.files}:
                out.append((rel, fn.name))
    return out


def _inputs_changed(tpl: Any, rel: str, changed: list[str], root: str) -> bool:
    """Did a file that decides what the template ``rel`` deploys change, beside the template
    itself: a ``.tf`` file of a module a Terraform module calls, or a variable file of its
    own folder; a SAM template's samconfig; the files a serverless.yml's variables read
    (``${file(…)}``) and its dotenv files (its ``${env:…}``)? ``changed``: paths relative to
    the repository ``root``."""
    from lpgen.review import git

    if tpl.kind == "terraform":
        from lpgen.iac.terraform import is_variable_file, module_folders

        folders = module_folders(tpl)
        own = os.path.abspath(tpl.source[1].folder)
        return any(os.path.dirname(os.path.abspath(c)) in folders and c.endswith(".tf")
                   or os.path.dirname(os.path.abspath(c)) == own and is_variable_file(c) for c in changed)
    if tpl.kind == "cloudformation":
        from lpgen.iac import samconfig

        config = samconfig.find(rel)
        return config is not None and git.relative(root, config) in changed
    if tpl.kind == "serverless":
        # NOTE: the files its variables read (${file(./iam.yml)}), and dotenv files, which
        # a change may add where the template read none.
        folder = os.path.dirname(rel)
        read = {os.path.abspath(f) for f in tpl.inputs}
        return any(os.path.abspath(os.path.join(root, c)) in read
                   or os.path.dirname(c) == folder and os.path.basename(c).startswith(".env") for c in changed)
    return False


def review_changes(
    path: str = ".",
    *,
    base: str | None = None,
    templates: list[str] | None = None,
    review_all: bool = False,
    **kwargs: Any,
) -> tuple[list[FunctionReview], Any]:
    """Review the functions whose template or code changed between ``base`` and HEAD.

    Returns the reviews (paths relative to the repository root) and how to link files at the
    head commit.
    """

    from lpgen.iac import load_template
    from lpgen.render.review import Links
    from lpgen.review import git
    from lpgen.trail import shared_trail

    found = git.repo_root_or_none(path)
    if found is None and not review_all:
        from lpgen.errors import UsageError

        raise UsageError(f"{os.path.abspath(path)} is not in a git repository: a review compares a change with its "
                         "base; outside a repository, review every function with --all")
    # NOTE: every function of a folder that is no repository (an unpacked release, a
    # checkout without its history): nothing to compare, nothing to link.
    root = found or os.path.abspath(path)
    head = git.head_sha(root) if found else ""
    names = templates or git.find_templates(root, None if found else git.folder_files(root))
    if not names:
        from lpgen.errors import UsageError

        # NOTE: an empty review would read as "nothing this change touches needs a permission".
        # A CDK app's templates are synthesized into cdk.out, which is not committed; a
        # serverless.ts is a program.
        from lpgen.iac.model import SERVERLESS_PROGRAMS

        hint = ("; this is a CDK app: run cdk synth and name cdk.out/STACK.template.json"
                if os.path.isfile(os.path.join(root, "cdk.json")) else "")
        files = git.tracked_files(root) if found else git.folder_files(root)
        programs = [p for p in files if os.path.basename(p) in SERVERLESS_PROGRAMS]
        if programs:
            hint += (f"; {programs[0]} is a configuration the Serverless Framework runs as code: write it out with "
                     "`serverless print > serverless.yml`")
        raise UsageError("no template in this repository (template.yaml, serverless.yml, a Terraform root module "
                         f"or a Chalice app's .chalice/config.json): name one with --template{hint}")
    changed: list[str] = []
    if not review_all:
        changed = git.changed_files(root, base or git.default_base(root))
    loaded = {}
    functions: dict[str, dict[str, str | tuple[str, ...]]] = {}
    reviews: list[FunctionReview] = []
    cwd = os.getcwd()
    trail = kwargs.get("cloudtrail")
    if trail and "://" not in trail and os.path.exists(trail):
        kwargs["cloudtrail"] = os.path.abspath(trail)
    # NOTE: work from the repository root so every path in the output is repository-relative.
    os.chdir(root)
    try:
        for name in names:
            rel = git.relative(root, name if os.path.isabs(name) else os.path.join(cwd, name))
            rel = rel if os.path.exists(rel) else name
            tpl = load_template(rel, params=kwargs.get("params"), region=kwargs.get("region"),
                                account=kwargs.get("account"), partition=kwargs.get("partition"))
            loaded[rel] = tpl
            if rel not in changed and _inputs_changed(tpl, rel, changed, root):
                changed.append(rel)
            # NOTE: a function in another language is not reviewed (lpgen reads Python).
            functions[rel] = {
                fn.name: tuple(git.relative(root, p) for p in fn.packaged) if fn.packaged is not None
                else git.relative(root, fn.code_root)
                for fn in tpl.functions.values() if fn.is_python
            }
        if review_all:
            targets = [(t, f) for t, fs in sorted(functions.items()) for f in sorted(fs)]
        else:
            targets = [(a.template, a.function) for a in git.affected_functions(root, changed, functions)]
            targets += _importing(loaded, changed, set(targets), root)
        kwargs["cloudtrail"] = shared_trail(kwargs.get("cloudtrail"), kwargs.get("role"), len(targets))
        known: dict[str, dict[str, Any]] = {}
        if kwargs["cloudtrail"] is None:
            # NOTE: the functions' suggestions first, every core at work; the reviews reuse them.
            from lpgen import api

            for rel in dict.fromkeys(t for t, _ in targets):
                names = [loaded[rel].function(f).name for t, f in targets if t == rel]
                known[rel] = api.suggest_functions(loaded[rel], names, region=kwargs.get("region"),
                                                   account=kwargs.get("account"), partition=kwargs.get("partition"))
        for rel, fn in targets:
            reviews.append(review_function(rel, fn, template=loaded[rel], suggested=known.setdefault(rel, {}), **kwargs))
    finally:
        os.chdir(cwd)
    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    repo = os.environ.get("GITHUB_REPOSITORY")
    links = Links(f"{server}/{repo}/blob/{head}" if repo and head else "")
    return reviews, links
