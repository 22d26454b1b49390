"""The ``lpgen`` command line: thin click commands over ``lpgen.api``."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from lpgen.errors import LpgenError, UsageError
from lpgen.files import write_whole


def _fail(exc: LpgenError) -> None:
    if isinstance(exc, UsageError):
        raise click.UsageError(str(exc))
    raise click.ClickException(str(exc))


def write_atomic(path: str, text: str) -> None:
    """Write a whole file or nothing; a failure is a one-line error naming the file."""
    try:
        write_whole(path, text.encode("utf-8"))
    except OSError as exc:
        raise click.ClickException(f"{path}: cannot write: {exc.strerror or exc}") from None


def _parse_env(pairs: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        if "=" not in pair:
            raise click.UsageError(f"--env {pair!r}: expected NAME=VALUE")
        k, _, v = pair.partition("=")
        out[k] = v
    return out


def _scope_options(command: Any) -> Any:
    """--region, --account and --partition: where the ARNs point."""
    for option in reversed((
        click.option("--region", help="Region for ARNs (default: the template's, else a ${AWS::Region} placeholder)."),
        click.option("--account", help="Account id for ARNs (default: a ${AWS::AccountId} placeholder)."),
        click.option("--partition", help="Partition for ARNs (default: the Region's, aws-cn for cn-north-1; aws when only an account is given)."),
    )):
        command = option(command)
    return command


@click.group()
@click.version_option(package_name="lpgen")
def main() -> None:
    """Least-privilege IAM policies for AWS Lambda handlers."""


@main.command()
@click.argument("paths", nargs=-1)
@click.option("--env", "env_pairs", multiple=True, metavar="NAME=VALUE", help="Environment variable value.")
@click.option("--template", type=click.Path(), help="SAM/CloudFormation, serverless.yml or Terraform (a .tf file or its module's folder).")
@click.option("--function", "function", help="Function in the template (logical id, key, or the name it is deployed as).")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="Template parameter value.")
@_scope_options
@click.option("--cloudtrail", "cloudtrail", help="CloudTrail source to cross-check against.")
@click.option("--role", help="Role ARN whose CloudTrail history to use.")
@click.option("--format", "fmt", type=click.Choice(["json", "yaml", "text", "sam", "cloudformation", "serverless", "terraform"]),
              default="json", show_default=True,
              help="json/yaml: the policy; text: with evidence; sam/cloudformation/serverless/terraform: the template's policy block.")
@click.option("--report", type=click.Path(dir_okay=False), help="Write a JSON report with evidence and findings.")
@click.option("--strict", is_flag=True, help="Exit 1 when any call is unresolved.")
@click.option("--all", "all_functions", is_flag=True, help="Every function of the template.")
@click.option("--write", "write", is_flag=True, help="Rewrite the template's policy block in place (YAML templates).")
def suggest(
    paths: tuple[str, ...], env_pairs: tuple[str, ...], template: str | None, function: str | None,
    params: tuple[str, ...], region: str | None, account: str | None, partition: str | None,
    cloudtrail: str | None, role: str | None, fmt: str, report: str | None, strict: bool,
    all_functions: bool, write: bool,
) -> None:
    """Suggest the policy a handler needs. PATHS: files, folders or handler specs (optional
    with --template: the function's CodeUri and Handler are used)."""
    from lpgen import api
    from lpgen.render import text as render_text

    if all_functions or write or fmt in ("sam", "cloudformation", "serverless", "terraform"):
        if not template:
            raise click.UsageError("--all, --write and the template formats need --template")
        _suggest_template(
            template, None if all_functions else function, list(paths), env_pairs, params, region, account,
            partition, cloudtrail, role, fmt, write, strict,
        )
        return
    if not paths and not template:
        raise click.UsageError("give PATHS, or --template")

    try:
        env = _parse_env(env_pairs)
        if template:
            from lpgen.iac import load_template

            tpl = load_template(template, params=_parse_env(params), region=region, account=account, partition=partition)
            result = api.suggest_for_function(
                tpl, function, list(paths), env=env, region=region, account=account, partition=partition,
                cloudtrail=cloudtrail, role=role,
            )
        else:
            summary = None
            if cloudtrail:
                from lpgen.trail import trail_for

                summary, role = trail_for(cloudtrail, role, [])
            # NOTE: shared code a build copies into the function may sit at the folder lpgen
            # runs from (a repository's common/): imports nothing else resolves are looked for there.
            import os

            result = api.suggest(
                list(paths), env=env, region=region, account=account, partition=partition, trail=summary, role=role,
                fallback=[os.getcwd()],
            )
    except LpgenError as exc:
        _fail(exc)
        return
    if fmt == "json":
        out = result.policy.dumps()
    elif fmt == "yaml":
        import yaml

        out = yaml.safe_dump(result.policy.to_json(), sort_keys=False)
    else:
        out = render_text.render_suggestion(result)
    if report:
        write_atomic(report, json.dumps(render_text.report(result), indent=2, sort_keys=True) + "\n")
    sys.stdout.write(out)
    sys.stdout.flush()
    click.echo(render_text.summary(result), err=True)
    if strict and result.analysis and result.analysis.unresolved:
        sys.exit(1)


def _suggest_template(
    template: str, function: str | None, paths: list[str], env_pairs: tuple[str, ...], params: tuple[str, ...],
    region: str | None, account: str | None, partition: str | None, cloudtrail: str | None, role: str | None,
    fmt: str, write: bool, strict: bool,
) -> None:
    """Per function of a template: the policy block in the template's syntax, or rewritten."""
    from lpgen import api
    from lpgen.iac import emit, load_template
    from lpgen.render import text as render_text
    from lpgen.trail import shared_trail

    try:
        tpl = load_template(template, params=_parse_env(params), region=region, account=account, partition=partition)
        names = [function] if function else sorted(n for n, f in tpl.functions.items() if f.is_python)
        for other in [] if function else sorted(n for n, f in tpl.functions.items() if not f.is_python):
            click.echo(f"lpgen: {other} skipped: it runs {tpl.functions[other].runtime}, not Python", err=True)
        trail = shared_trail(cloudtrail, role, len(names))
        if trail is None:
            results = api.suggest_functions(tpl, [tpl.function(n).name for n in names], paths or None,
                                            env=_parse_env(env_pairs), region=region, account=account, partition=partition)
        else:
            results = {}
            for name in names:
                fn = tpl.function(name)
                results[fn.name] = api.suggest_for_function(
                    tpl, fn.name, paths or None, env=_parse_env(env_pairs), region=region, account=account,
                    partition=partition, cloudtrail=trail, role=role,
                )
        if write:
            # NOTE: write_back reads the file itself first, once it knows the template is one it rewrites.
            text: str | None = None
            for name, result in results.items():
                text = emit.write_back(tpl, tpl.function(name), result.policy, text)
            if text is not None:
                write_atomic(template, text)
        elif fmt in ("sam", "cloudformation", "serverless", "terraform"):
            for name, result in results.items():
                click.echo(f"# {name}")
                click.echo(emit.block(result.policy, tpl, tpl.function(name), fmt), nl=False)
        elif fmt == "json":
            out = {n: r.policy.to_json() for n, r in results.items()}
            click.echo(json.dumps(out if len(out) > 1 else next(iter(out.values())), indent=2))
        else:
            for name, result in results.items():
                click.echo(f"# {name}")
                click.echo(render_text.render_suggestion(result), nl=False)
    except LpgenError as exc:
        _fail(exc)
        return
    for result in results.values():
        click.echo(render_text.summary(result), err=True)
    if strict and any(r.analysis and r.analysis.unresolved for r in results.values()):
        sys.exit(1)


def _fail_kinds(value: str) -> set[str]:
    kinds = {k.strip() for k in value.split(",") if k.strip()}
    unknown = kinds - {"missing", "excess", "wildcard", "narrowed", "none"}
    if unknown:
        raise click.UsageError(f"--fail-on: unknown kind {', '.join(sorted(unknown))} (missing, excess, wildcard)")
    return kinds - {"none"}


def _failing(diffs: list[Any], kinds: set[str]) -> bool:
    """Does any diff hold a kind ``--fail-on`` names? ``missing`` counts what the Lambda
    service needs when the function cannot be deployed without it (a VPC's network
    interfaces), not lost logs or traces."""
    from lpgen.review.service import severity_of

    for d in diffs:
        if "missing" in kinds and (d.of("missing") or any(severity_of(c.action) == "error" for c in d.of("service"))):
            return True
        if "excess" in kinds and d.of("excess"):
            return True
        if ("wildcard" in kinds or "narrowed" in kinds) and (d.of("narrowed") or d.wildcards()):
            return True
    return False


def _input_error(exc: LpgenError) -> None:
    click.echo(f"Error: {exc}", err=True)
    sys.exit(2)


@main.command()
@click.argument("current", required=False)
@click.argument("suggested", required=False)
@click.option("--template", type=click.Path(), help="Compare this template's policy for --function (a Terraform module may be its folder).")
@click.option("--function", "function", help="Function in the template (logical id, key, or the name it is deployed as).")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="Template parameter value.")
@_scope_options
@click.option("--cloudtrail", help="CloudTrail source for the suggestion.")
@click.option("--role", help="Role ARN whose CloudTrail history to use.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--fail-on", "fail_on", default="missing", show_default=True, help="Comma list: missing, excess, wildcard (or none).")
def diff(
    current: str | None, suggested: str | None, template: str | None, function: str | None, params: tuple[str, ...],
    region: str | None, account: str | None, partition: str | None, cloudtrail: str | None, role: str | None,
    fmt: str, fail_on: str,
) -> None:
    """Semantic diff of two policies: missing, excess and narrowed (action, resource) pairs.

    CURRENT and SUGGESTED are policy JSON files; with --template and --function, CURRENT is
    the function's policy in the template and SUGGESTED (when not given) what lpgen suggests.
    Exit 0: nothing at or above --fail-on; 1: findings; 2: usage or input error.
    """
    from lpgen.policy.parse import load_policy_file
    from lpgen.render import review as render
    from lpgen.review import FunctionReview, review_function
    from lpgen.review.diff import diff_policies

    kinds = _fail_kinds(fail_on)
    try:
        if template:
            if current and not suggested:
                suggested, current = current, None
            if current:
                raise click.UsageError("with --template give at most one policy file (the suggested one)")
            result: FunctionReview = review_function(
                template, function, params=_parse_env(params), region=region, account=account,
                partition=partition, cloudtrail=cloudtrail, role=role,
            )
            if suggested:
                result.diff = diff_policies(result.current.policy, load_policy_file(suggested))
            reviews = [result]
            d = result.diff
        else:
            if not current or not suggested:
                raise click.UsageError("give CURRENT and SUGGESTED policy files, or --template and --function")
            d = diff_policies(load_policy_file(current), load_policy_file(suggested))
            reviews = []
    except LpgenError as exc:
        _input_error(exc)
        return
    if fmt == "json":
        click.echo(json.dumps(render.reviews_json(reviews) if reviews else d.to_json(), indent=2, sort_keys=True))
    elif fmt == "markdown" and reviews:
        click.echo(render.markdown(reviews), nl=False)
    else:
        click.echo(render.diff_text(d), nl=False)
    if _failing([d], kinds):
        sys.exit(1)


@main.command()
@click.option("--base", help="Git ref to compare with (default: the pull request's base, origin/HEAD, HEAD~1).")
@click.option("--template", "templates", multiple=True, help="Templates to consider (default: every template in the repository).")
@click.option("--all", "review_all", is_flag=True, help="Review every function, changed or not.")
@_scope_options
@click.option("--cloudtrail", help="CloudTrail source to cross-check each function against.")
@click.option("--format", "fmt", type=click.Choice(["markdown", "sarif", "json", "text"]), default="markdown", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False), help="Write the report here instead of stdout.")
@click.option("--sarif", "sarif_out", type=click.Path(dir_okay=False), help="Also write SARIF here.")
@click.option("--post", type=click.Choice(["github"]), help="Create or update one comment on the pull request.")
@click.option("--fail-on", "fail_on", default="none", show_default=True, help="Comma list: missing, excess, wildcard.")
def review(
    base: str | None, templates: tuple[str, ...], review_all: bool, region: str | None, account: str | None,
    partition: str | None, cloudtrail: str | None, fmt: str, output: str | None, sarif_out: str | None,
    post: str | None, fail_on: str,
) -> None:
    """Review the functions a change touches: diff of today's and the suggested policy."""
    from lpgen.render import review as render
    from lpgen.review import review_changes

    kinds = _fail_kinds(fail_on)
    try:
        reviews, links = review_changes(
            ".", base=base, templates=list(templates) or None, review_all=review_all,
            region=region, account=account, partition=partition, cloudtrail=cloudtrail,
        )
        if fmt == "markdown":
            text = render.markdown(reviews, links)
        elif fmt == "sarif":
            text = render.dumps(render.sarif(reviews))
        elif fmt == "json":
            text = render.dumps(render.reviews_json(reviews))
        else:
            text = render.reviews_text(reviews)
        if sarif_out:
            write_atomic(sarif_out, render.dumps(render.sarif(reviews)))
        if output:
            write_atomic(output, text)
        else:
            sys.stdout.write(text)
        if post == "github":
            from lpgen.review import github

            pr = github.from_environment()
            body = text if fmt == "markdown" else render.markdown(reviews, links)
            what, cid = github.post_sticky(pr, body, render.MARKER)
            click.echo(f"lpgen: comment {cid} {what} on {pr.repository}#{pr.number}", err=True)
    except LpgenError as exc:
        _fail(exc)
        return
    if _failing([r.diff for r in reviews], kinds):
        sys.exit(1)


@main.group()
def trail() -> None:
    """CloudTrail history: what each role really did."""


@trail.command("summarize")
@click.argument("source", required=False)
@click.option("--role", help="Only this role (ARN, or role name).")
@click.option("--since", help="Only events at or after this time (ISO 8601, e.g. 2024-06-01).")
@click.option("--until", help="Only events at or before this time.")
@click.option("--jobs", type=click.IntRange(1, 64), help="Worker processes (default: every core).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--engine", type=click.Choice(["local", "athena"]), default="local", show_default=True)
@click.option("--database", help="Athena: database of the CloudTrail table.")
@click.option("--table", "table_name", help="Athena: the CloudTrail table.")
@click.option("--workgroup", default="primary", show_default=True, help="Athena: workgroup.")
@click.option("--output", help="Athena: s3:// location for query results.")
@click.option("--date-partition", help="Athena: partition-projection column holding yyyy/MM/dd.")
@click.option("--store", type=click.Path(dir_okay=False), help="SQLite file keeping each log file's aggregate: re-runs read only new files.")
def trail_summarize(
    source: str | None, role: str | None, since: str | None, until: str | None, jobs: int | None, fmt: str,
    engine: str, database: str | None, table_name: str | None, workgroup: str, output: str | None,
    date_partition: str | None, store: str | None,
) -> None:
    """Per role: actions and resources used, counts, first/last seen, denied calls.

    SOURCE: a folder as CloudTrail delivers it, one log file, s3://BUCKET/PREFIX, or with
    --engine athena nothing (the table is given by --database and --table).
    """
    if engine == "athena":
        if not database or not table_name:
            raise click.UsageError("--engine athena needs --database and --table")
        from urllib.parse import urlencode

        query = {"workgroup": workgroup, **({"output": output} if output else {}),
                 **({"date_partition": date_partition} if date_partition else {})}
        source = f"athena://{database}/{table_name}?{urlencode(query)}"
    elif not source:
        raise click.UsageError("SOURCE is needed (a folder, a file or s3://BUCKET/PREFIX)")
    from lpgen.render import trail as render_trail
    from lpgen.trail import role_arn_of, summarize_source

    bar = None
    progress = None
    if fmt == "table" and sys.stderr.isatty():
        bar = click.progressbar(length=1, label="reading", file=sys.stderr)
        bar.__enter__()

        def progress(done: int, total: int) -> None:
            assert bar is not None
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

    try:
        summary = summarize_source(
            source, role=role_arn_of(role), since=since, until=until, jobs=jobs, progress=progress, store=store
        )
    except LpgenError as exc:
        _fail(exc)
        return
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    if fmt == "json":
        click.echo(json.dumps(summary.to_json(), indent=1, sort_keys=True))
    else:
        click.echo(render_trail.table(summary), nl=False)


@main.command()
@click.argument("target")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def explain(target: str, fmt: str) -> None:
    """What a boto3 call needs: ``s3.list_objects_v2``, ``dynamodb.Table.put_item``, ``s3.upload_file``."""
    from lpgen.permissions import explain as ex

    try:
        info = ex.explain(target)
    except LpgenError as exc:
        _fail(exc)
        return
    if fmt == "json":
        click.echo(json.dumps(info, indent=2, sort_keys=True))
    else:
        click.echo(ex.render_text(info), nl=False)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def findings(fmt: str) -> None:
    """The finding codes: what each means, why it matters, what to use instead."""
    from lpgen.review.findings import CATALOGUE

    if fmt == "json":
        click.echo(json.dumps({c: vars(e) for c, e in sorted(CATALOGUE.items())}, indent=2, sort_keys=True))
        return
    for code, e in sorted(CATALOGUE.items()):
        click.echo(f"{code}  {e.title}\n      why: {e.why}\n      e.g. {e.example}\n      instead: {e.instead}")


@main.group()
def catalog() -> None:
    """The call → permission catalogue."""


@catalog.command("dump")
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl")
@click.option("--client", "clients", multiple=True, help="Only these clients.")
def catalog_dump(fmt: str, clients: tuple[str, ...]) -> None:
    """One JSON line per (client, method) for every botocore operation."""
    from lpgen.permissions import explain as ex

    for line in ex.dump(list(clients) or None):
        sys.stdout.write(json.dumps(line, sort_keys=True) + "\n")


@main.group()
def data() -> None:
    """Data lpgen reads: versions and refresh."""


@data.command("refresh")
@click.option("--url", default=None, help="Index URL of the service reference.")
@click.option("--offline", is_flag=True, help="Do not touch the network; report the cache.")
def data_refresh(url: str | None, offline: bool) -> None:
    """Download AWS's service reference into the user's cache."""
    from lpgen.permissions import reference

    if offline:
        click.echo(reference.version() or "no service reference cached", err=False)
        return
    try:
        res = reference.refresh(url or reference.DEFAULT_URL)
    except LpgenError as exc:
        _fail(exc)
        return
    click.echo(f"{res.services} services, {res.operations} SDK operations -> {res.path}")


@data.command("versions")
def data_versions() -> None:
    """Print the versions of every data source lpgen uses."""
    from lpgen import api

    for k, v in api.data_versions().items():
        click.echo(f"{k}: {v}")


def run() -> None:
    """The ``lpgen`` program: ``main``, after which the process ends at once.

    By then every output is written and closed; the interpreter's teardown would only free,
    one object at a time, what the analysis built (a large tree's syntax trees), so the
    process skips it and the analysis need not free them either."""
    import os

    from lpgen.parallel import end_without_teardown

    end_without_teardown()
    code = 0
    try:
        main()
    except SystemExit as exc:
        if isinstance(exc.code, int) or exc.code is None:
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except BaseException:  # noqa: BLE001 - reported as the interpreter would, then the exit
        import traceback

        traceback.print_exc()
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            # NOTE: a reader that went away (``lpgen … | head``): the interpreter's own
            # status for output it could not flush.
            code = code or 120
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
