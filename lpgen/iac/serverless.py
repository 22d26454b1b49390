"""serverless.yml (Framework v3/v4): variables, functions, environment and event sources."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from lpgen.errors import TemplateError, read_text
from lpgen.iac.cfn import Resolver, load_document, msk_iam
from lpgen.iac.model import (
    TARGET_ACTIONS,
    EventSource,
    FunctionInfo,
    S3Trigger,
    Template,
    Unresolved,
    arn_service,
    arns,
    delivery,
    eventbridge_s3,
    follow,
    msk_iam_grants,
    unresolved_in,
)
from lpgen.permissions.arns import Scope
from lpgen.source.package import is_package, unpack

_VAR = re.compile(r"\$\{([^${}]+)\}")
_PSEUDO, _KEPT = "${AWS::", "\x00AWS::"
"""CloudFormation's pseudo parameters (``${AWS::Region}``), which the Framework leaves for
``Fn::Sub``: hidden from the variables while they are resolved."""
MAX_ROUNDS = 20


class Variables:
    """Resolve ``${self:…}``, ``${sls:stage}``, ``${opt:…}``, ``${env:…}``, ``${aws:…}``,
    ``${param:…}``, ``${file(…):…}`` inside a serverless.yml."""

    def __init__(self, doc: dict[str, Any], path: str, params: dict[str, str], scope: Scope) -> None:
        self.doc = doc
        self.path = path
        self.params = params
        self.scope = scope
        self.base = os.path.dirname(os.path.abspath(path))
        self._depth = 0
        self.unknown: list[str] = []
        """the variables read that are known only when the service deploys (``${ssm:…}``)."""
        self._dotenv: dict[str, str] | None = None
        self.files_read: set[str] = set()
        """the files the variables read (``${file(…)}``, a dotenv file): inputs of the service
        as the template itself is."""

    def stage(self) -> str:
        if "stage" in self.params:
            return self.params["stage"]
        raw = (self.doc.get("provider") or {}).get("stage", "dev")
        if isinstance(raw, str) and "${" in raw:
            return self.string(raw, allow_stage=False)
        return str(raw)

    def region(self) -> str:
        if "region" in self.params:
            return self.params["region"]
        raw = (self.doc.get("provider") or {}).get("region")
        if raw:
            return self.string(str(raw))
        return self.scope.value("Region")

    def lookup(self, ref: str, allow_stage: bool = True) -> Any:
        """Value of one variable expression (without ``${}``)."""
        expr, default = _split_default(ref)
        expr = expr.strip()
        if expr.startswith("param:"):
            value = self._param(expr[6:].strip(), default is not None)
        else:
            value = self._source(expr, allow_stage)
        if value is None and default is not None:
            fallback = default.strip()
            # NOTE: a fallback may be another variable (${opt:stage, self:provider.stage}),
            # and that one may have its own (${opt:stage, env:STAGE, 'dev'}).
            value = (self.lookup(fallback, allow_stage) if _ADDRESS.match(fallback)
                     else self.string(fallback.strip("'\""), allow_stage))
        if value is None and expr.startswith("file("):
            # NOTE: a file kept out of the repository (settings of the deployer's machine).
            self.unknown.append("${" + expr + "} (not found in the project)")
            return Unresolved("${" + expr + "} (not found in the project)")
        return value

    def _source(self, expr: str, allow_stage: bool) -> Any:
        if expr.startswith("self:"):
            return self._dig_resolving(expr[5:])
        if expr in ("sls:stage", "opt:stage", "self:provider.stage") and allow_stage:
            return self.stage() if expr != "opt:stage" else self.params.get("stage")
        if expr.startswith("opt:"):
            return self.params.get(expr[4:])
        if expr.startswith("env:"):
            name = expr[4:].strip()
            return self.params.get(name, os.environ.get(name, self.dotenv().get(name)))
        if expr == "aws:accountId":
            return self.scope.value("Account")
        if expr == "aws:region":
            return self.region()
        if expr == "aws:partition":
            return self.scope.value("Partition")
        if expr == "sls:instanceId":
            return "*"
        m = re.match(r"file\((.+?)\)(?::(.+))?\Z", expr)
        if m:
            target = os.path.normpath(os.path.join(self.base, m.group(1).strip().strip("'\"")))
            if not target.startswith(self.base + os.sep) and target != self.base:
                raise TemplateError(f"{self.path}: ${{file()}} outside the project: {m.group(1)}")
            if not os.path.isfile(target):
                return None
            if target.endswith((".js", ".cjs", ".mjs", ".ts")):
                # NOTE: the Framework runs the script for its value; lpgen runs nothing.
                self.unknown.append("${" + expr + "} (a script the Framework runs when the service deploys)")
                return Unresolved("${" + expr + "}, a script the Framework runs")
            self.files_read.add(target)
            data = load_document(target)
            return _dig(data, m.group(2)) if m.group(2) else data
        if re.match(r"(cf|ssm|s3)(\([^)]*\))?:", expr):
            # NOTE: also with a Region or option given (${cf(eu-west-1):stack.Output}, ${ssm(raw):…}).
            return self._at_deploy(expr)
        if expr.startswith("construct:"):
            # NOTE: serverless-lift's variables (lpgen.iac.lift).
            from lpgen.iac import lift

            found = lift.variable(self.doc, expr[len("construct:"):], _stack_name(self.doc, self), self.scope)
            return found if found is not None else self._at_deploy(expr)
        if expr.startswith(("'", '"')):
            return expr.strip("'\"")
        return None

    def dotenv(self) -> dict[str, str]:
        """The variables the Framework loads from the service folder's ``.env.<stage>``, else
        its ``.env``, when it loads them: ``useDotenv: true``, or always from version 4 on.
        As dotenv does, they do not replace what the environment already sets."""
        if self._dotenv is None:
            self._dotenv = {}
            major = re.search(r"\d+", str(self.doc.get("frameworkVersion") or ""))
            if self.doc.get("useDotenv") is True or (major is not None and int(major.group()) >= 4):
                stage = self.stage()
                for name in (f".env.{stage}", ".env"):
                    candidate = os.path.join(self.base, name)
                    if os.path.isfile(candidate):
                        self.files_read.add(candidate)
                        self._dotenv = _read_dotenv(candidate)
                        break
        return self._dotenv

    def _at_deploy(self, expr: str) -> str:
        self.unknown.append("${" + expr + "} (resolved when the service deploys)")
        return Unresolved("${" + expr + "}")

    def _param(self, name: str, has_fallback: bool) -> Any:
        """``${param:name}``, as the Framework looks it up: ``--param``, then the stage's
        parameters in the file (``params.<stage>``, or ``stages.<stage>.params``), then their
        ``default``. None when the variable's fallback applies. A service connected to the
        Serverless Dashboard (``org``/``app``) may get a parameter the file lacks from there;
        a parameter found nowhere stays unknown."""
        if name in self.params:
            return self.params[name]
        params, stages = (self.doc.get(k) for k in ("params", "stages"))
        params = params if isinstance(params, dict) else {}
        stages = stages if isinstance(stages, dict) else {}
        blocks: list[Any] = []
        for key in (self.stage(), "default"):
            staged = stages.get(key)
            blocks += [params.get(key), staged.get("params") if isinstance(staged, dict) else None]
        for block in blocks:
            if isinstance(block, dict) and block.get(name) is not None:
                with self._nested():
                    return self.value(block[name])
        if has_fallback and not (self.doc.get("org") or self.doc.get("app")):
            return None
        return self._at_deploy(f"param:{name}")

    @contextmanager
    def _nested(self) -> Iterator[None]:
        """Resolve a value met while resolving another; a chain deeper than MAX_ROUNDS is a
        variable that refers to itself."""
        self._depth += 1
        try:
            if self._depth > MAX_ROUNDS:
                raise TemplateError(f"{self.path}: variables nest too deeply or refer to themselves")
            yield
        finally:
            self._depth -= 1

    def _dig_resolving(self, path: str) -> Any:
        """``self:`` a path into the document, resolving a variable met on the way
        (``custom.cfg: ${file(./config.json)}`` read as ``${self:custom.cfg.bucket}``)."""
        data: Any = self.doc
        for part in path.split("."):
            if isinstance(data, str) and _VAR.search(data):
                with self._nested():
                    data = self.resolve(data)
            if not isinstance(data, dict) or part not in data:
                return None
            data = data[part]
        return data

    def resolve(self, text: str) -> Any:
        """A string's value: what the variable it consists of gives (a dict or list from a
        file, once the variables inside its reference are substituted), else its text."""
        if _PSEUDO in text:
            return self.string(text)
        for _ in range(MAX_ROUNDS):
            whole = _VAR.fullmatch(text)
            if whole:
                return self.lookup(whole.group(1))
            m = _VAR.search(text)
            if not m or not text.startswith("${") or not text.endswith("}"):
                return self.string(text)
            value = self.lookup(m.group(1))
            value = "*" if value is None or isinstance(value, (dict, list)) else value
            text = text[: m.start()] + str(value) + text[m.end():]
        raise TemplateError(f"{self.path}: variables nest too deeply or refer to themselves")

    def string(self, text: str, allow_stage: bool = True) -> str:
        """Substitute every variable, innermost first."""
        text = text.replace(_PSEUDO, _KEPT)
        looked: list[Any] = []
        for _ in range(MAX_ROUNDS):
            m = _VAR.search(text)
            if not m:
                return unresolved_in(text.replace(_KEPT, _PSEUDO), looked)
            value = self.lookup(m.group(1), allow_stage)
            looked.append(value)
            if isinstance(value, (dict, list)):
                value = "*"
            text = text[: m.start()] + ("*" if value is None else str(value)).replace(_PSEUDO, _KEPT) + text[m.end():]
        raise TemplateError(f"{self.path}: variables nest too deeply or refer to themselves")

    def value(self, value: Any) -> Any:
        """Resolve variables everywhere in a value."""
        if isinstance(value, str):
            whole = self.resolve(value) if value.startswith("${") and value.endswith("}") else None
            if isinstance(whole, (dict, list)):
                return self.value(whole)
            if isinstance(whole, Unresolved):
                return whole
            return self.string(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        return value


def _deploy_time_values(
    raw: dict[str, Any], key: str, variables: Variables, lines: dict[str, int],
) -> tuple[tuple[str, str, int], ...]:
    """(variable, source, line) of the function's environment values that read variables
    known only when the service deploys (``${ssm:/app/table}``), through any ``${self:…}``."""
    provider_env = (raw.get("provider") or {}).get("environment") or {}
    own_env = ((raw.get("functions") or {}).get(key) or {}).get("environment") or {}
    out: list[tuple[str, str, int]] = []
    for block, where in ((provider_env, "provider.environment"), (own_env, f"functions.{key}.environment")):
        if not isinstance(block, dict):
            continue
        for var, value in block.items():
            if var in own_env and block is provider_env:
                continue  # NOTE: the function's own value replaces the provider's
            variables.unknown.clear()
            variables.value(value)
            out.extend((var, source, lines.get(where, 0)) for source in dict.fromkeys(variables.unknown))
    return tuple(sorted(out))


def _read_dotenv(path: str) -> dict[str, str]:
    """The variables of the dotenv file ``path`` (none when it cannot be read)."""
    from lpgen.envfile import parse_dotenv

    try:
        return parse_dotenv(read_text(path, TemplateError))
    except TemplateError:
        return {}


_ADDRESS = re.compile(r"[A-Za-z][\w-]*(?:\([^)]*\))?:")
"""the start of a variable's address (``self:``, ``env:``, ``ssm(raw):``), which a quoted
string or a number is not."""


def _split_default(ref: str) -> tuple[str, str | None]:
    depth = 0
    for i, ch in enumerate(ref):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            return ref[:i], ref[i + 1:]
    return ref, None


def _stack_name(doc: dict[str, Any], variables: Variables) -> str:
    """``provider.stackName``, else the Framework's ``service-stage``; ``*`` when a part is
    not known."""
    named = (doc.get("provider") or {}).get("stackName")
    service = doc.get("service")
    if isinstance(service, dict):
        service = service.get("name")
    name = named if isinstance(named, str) else f"{service}-{variables.stage()}" if isinstance(service, str) else "*"
    return "*" if "*" in name or "${" in name else name


KAFKA_SECRETS = ("saslPlainAuth", "saslScram256Auth", "saslScram512Auth", "clientCertificateTlsAuth", "serverRootCaCertificate")
"""the ``kafka`` event's ``accessConfigurations`` that name a Secrets Manager secret."""


def _function_name(doc: dict[str, Any], key: str, variables: Variables) -> str:
    """The deployed name of the service's function ``key``: its ``name``, else the
    Framework's ``service-stage-key``."""
    fn = (doc.get("functions") or {}).get(key) or {}
    service = doc.get("service")
    service = service.get("name") if isinstance(service, dict) else service
    given = fn.get("name")
    name = given if isinstance(given, str) else f"{service}-{variables.stage()}-{key}"
    return "*" if "${" in name else name


def _state_machines(doc: dict[str, Any]) -> dict[str, Any]:
    """The state machines of the serverless-step-functions plugin (``stepFunctions:
    stateMachines:``) as the CloudFormation resources it adds, under its logical ids: the
    machine's ``id`` or ``name``, else its key followed by ``StepFunctionsStateMachine``,
    each with ``-`` spelt ``Dash`` and ``_`` ``Underscore`` and the first letter upper case
    (the plugin's lib/naming.js over the Framework's ``getNormalizedFunctionName``). A
    machine with a ``name`` is so named; one without is named by CloudFormation."""
    machines = follow(doc, ["stepFunctions", "stateMachines"])
    out: dict[str, Any] = {}
    for key, machine in machines.items() if isinstance(machines, dict) else ():
        machine = machine if isinstance(machine, dict) else {}
        custom = machine.get("id") or machine.get("name")
        base = str(custom) if isinstance(custom, str) and custom else f"{key}StepFunctionsStateMachine"
        logical = base.replace("-", "Dash").replace("_", "Underscore")
        logical = logical[:1].upper() + logical[1:]
        name = machine.get("name")
        out[logical] = {"Type": "AWS::StepFunctions::StateMachine",
                        "Properties": {"StateMachineName": name} if isinstance(name, str) and name else {}}
    return out


def _dig(data: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def _packaged(doc: dict[str, Any], fn: dict[str, Any], folder: str, walked: dict[str, list[Path]]) -> tuple[str, ...] | None:
    """The .py files of the service's folder the function's package holds, when its
    ``package.patterns`` (or the older ``exclude`` and ``include``) choose them: the
    service's, then, when functions are packaged individually, the function's own. As the
    Framework applies them: in order, a pattern adds the files it matches and a ``!pattern``
    takes them away. None when no pattern is given (the package is the whole folder)."""
    service: dict[str, Any] = doc["package"] if isinstance(doc.get("package"), dict) else {}
    own: dict[str, Any] = fn["package"] if isinstance(fn.get("package"), dict) else {}
    patterns = _patterns(service)
    if service.get("individually") or own.get("individually"):
        patterns += _patterns(own)
    if not patterns:
        return None
    from lpgen.source.discover import code_files, is_test_file

    rules = [(p.startswith("!"), _glob(p.lstrip("!"), not p.startswith("!"))) for p in patterns]
    if folder not in walked:
        walked[folder] = code_files(folder)
    kept = []
    for f in walked[folder]:
        rel = os.path.relpath(f, folder).replace(os.sep, "/")
        included = True
        for negated, rule in rules:
            if rule.fullmatch(rel):
                included = not negated
        if included and not is_test_file(str(f), folder):
            kept.append(str(f))
    return tuple(kept) or None


def _patterns(package: dict[str, Any]) -> list[str]:
    """A ``package`` block's patterns in the order they apply (``exclude``, then ``include``,
    then ``patterns``)."""
    def strings(key: str) -> list[str]:
        value = package.get(key)
        return [v for v in value if isinstance(v, str) and v.strip("!")] if isinstance(value, list) else []

    return ["!" + p.lstrip("!") for p in strings("exclude")] + strings("include") + strings("patterns")


def _glob(pattern: str, folders_too: bool) -> re.Pattern[str]:
    """A package pattern as a regular expression over paths relative to the service
    (``**`` any folders, ``*`` and ``?`` within a name, ``{a,b}`` either). ``folders_too``: a
    pattern naming a folder (``common``) also holds what is under it."""
    pattern = pattern.removeprefix("./")
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:[^/]*/)*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "{" and "}" in pattern[i:]:
            end = pattern.index("}", i)
            out.append("(?:" + "|".join(re.escape(a) for a in pattern[i + 1 : end].split(",")) + ")")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    body = "".join(out).rstrip("/") if pattern.endswith("/") else "".join(out)
    return re.compile(body + ("(?:/.*)?" if folders_too else ""))


WSGI_HANDLERS = ("wsgi_handler.handler", "wsgi_handler.lambda_handler")
"""the handler serverless-wsgi writes into the package, not into the service's folder."""


def _wsgi_app(doc: dict[str, Any], handler: str, folder: str) -> str:
    """The entry of a function serverless-wsgi serves: its ``wsgi_handler.handler`` (which the
    plugin writes when it packages the service) hands each request to the app
    ``custom.wsgi.app`` names (``app.app``, ``project.wsgi.application``), so that app is the
    entry, and the routes it registers are what the function runs."""
    app = follow(doc, ["custom", "wsgi", "app"])
    if handler not in WSGI_HANDLERS or not isinstance(app, str) or "." not in app:
        return handler
    if os.path.isfile(os.path.join(folder, "wsgi_handler.py")):
        return handler
    return app


def _sections_merged(raw: dict[str, Any], variables: Variables) -> dict[str, Any]:
    """The document with ``functions`` and ``resources`` given as lists (of mappings, or of
    ``${file(…)}`` each holding one) merged into one mapping each, as the Framework merges
    them: functions by name, the resources section by its ``Resources``, ``Outputs`` and
    ``Conditions``. A file's content is taken as written (its variables resolve with the rest)."""

    def items(section: list[Any]) -> list[dict[str, Any]]:
        out = []
        for item in section:
            m = re.fullmatch(r"\$\{(file\(.+\)(?::.+)?)\}", item.strip()) if isinstance(item, str) else None
            found = variables.lookup(m.group(1)) if m else item
            if isinstance(found, dict):
                out.append(found)
            elif found is not None and not isinstance(found, Unresolved):
                raise TemplateError(f"{variables.path}: an item of a list section is not a mapping: {item!r}")
        return out

    merged = dict(raw)
    if isinstance(raw.get("functions"), list):
        merged["functions"] = {k: v for part in items(raw["functions"]) for k, v in part.items()}
    if isinstance(raw.get("resources"), list):
        resources: dict[str, Any] = {}
        for part in items(raw["resources"]):
            for key, value in part.items():
                resources[key] = {**resources.get(key, {}), **value} if isinstance(value, dict) else value
        merged["resources"] = resources
    return merged


def load_serverless(path: str, params: dict[str, str], scope: Scope) -> Template:
    """Read a serverless.yml."""
    lines: dict[str, int] = {}
    raw = load_document(path, lines)
    if not isinstance(raw, dict) or "functions" not in raw:
        raise TemplateError(f"{path}: not a serverless.yml (no functions section)")
    variables = Variables(raw, path, params, scope)
    raw = _sections_merged(raw, variables)
    variables.doc = raw
    region = variables.region()
    scope = Scope(scope.partition, scope.region or (None if region.startswith("${") else region), scope.account)
    variables.scope = scope
    doc = variables.value(raw)
    if "constructs" in doc:
        from lpgen.iac import lift

        # NOTE: what serverless-lift adds to the service: its queues' workers and its role statements.
        lift.apply(doc, _stack_name(doc, variables), scope)
        for cid, spec in lift.constructs(doc).items():
            worker = spec.get("worker")
            if isinstance(worker, dict):
                lines.setdefault(f"functions.{cid}Worker", lines.get(f"constructs.{cid}.worker", lines.get(f"constructs.{cid}", 0)))
    resources = {**_state_machines(doc), **(((doc.get("resources") or {}).get("Resources")) or {})}
    provider = doc.get("provider") or {}
    resolver = Resolver({"Resources": resources}, params, scope, path, _stack_name(doc, variables))
    provider_env = provider.get("environment") or {}
    base = os.path.dirname(os.path.abspath(path))
    functions: dict[str, FunctionInfo] = {}
    walked: dict[str, list[Path]] = {}
    for key, fn in (doc.get("functions") or {}).items():
        if not isinstance(fn, dict):
            continue
        env_raw = {**(provider_env if isinstance(provider_env, dict) else {}), **(fn.get("environment") or {})}
        # NOTE: and the intrinsic functions CloudFormation resolves when it deploys
        # (!ImportValue shared-table).
        own_env = fn.get("environment") or {}
        env, intrinsic = resolver.environment(env_raw, {
            k: lines.get(f"functions.{key}.environment" if k in own_env else "provider.environment", 0) for k in env_raw})
        dynamic = tuple(sorted({*_deploy_time_values(raw, key, variables, lines), *intrinsic}))
        # NOTE: a package built beforehand (package.artifact, the function's or the service's).
        artifact = (fn.get("package") or {}).get("artifact") or (doc.get("package") or {}).get("artifact")
        folder, elsewhere = base, ""
        if isinstance(artifact, str) and artifact.startswith("s3://"):
            elsewhere = artifact
        elif isinstance(artifact, str) and is_package(os.path.join(base, artifact)):
            folder = unpack(os.path.normpath(os.path.join(base, artifact)))
        module_dir = fn.get("module")
        if isinstance(module_dir, str) and module_dir not in ("", ".") and not artifact:
            # NOTE: serverless-python-requirements' per-function "module": the function's
            # package is that folder, and its handler is relative to it.
            folder = os.path.normpath(os.path.join(base, module_dir))
        handler = str(fn.get("handler", ""))
        packaged = _packaged(doc, fn, folder, walked) if folder == base and not artifact else None
        if fn.get("image") is not None and not handler:
            folder, handler = _image_code(fn["image"], provider, base)
            packaged = None
        handler = _wsgi_app(doc, handler, folder)
        runtime = fn.get("runtime") or provider.get("runtime")
        file_part, _, func = handler.rpartition(".")
        module = file_part.replace("/", ".").replace(os.sep, ".")
        line = lines.get(f"functions.{key}", 0)
        at = lines.get(f"functions.{key}.events", line)
        sources: list[EventSource] = []
        triggers: list[S3Trigger] = []
        inputs: list[str] = []
        other_events = False
        discarded: list[str] = []
        secrets: list[str] = []
        for event in fn.get("events") or ():
            if not isinstance(event, dict):
                continue
            given = next((e.get("input") for kind, e in event.items() if kind in ("schedule", "eventBridge") and isinstance(e, dict)), None)
            if isinstance(given, (str, dict)):
                # NOTE: a target's constant input is the event the function gets.
                inputs.append(given if isinstance(given, str) else json.dumps(resolver.value(given)))
                continue
            if "s3" in event:
                spec = event["s3"]
                spec = spec if isinstance(spec, dict) else {"bucket": spec}
                rules = {k: resolver.str(v) for r in spec.get("rules") or () if isinstance(r, dict) for k, v in r.items()}
                triggers.append(S3Trigger(resolver.str(spec.get("bucket")), rules.get("prefix", ""), rules.get("suffix", "")))
                continue
            if isinstance(event.get("eventBridge"), dict):
                found = eventbridge_s3(event["eventBridge"].get("pattern"), resolver.str)
                if found is not None:
                    triggers.extend(found)
                    continue
            other_events = True
            if "sqs" in event:
                spec = event["sqs"]
                arn = spec.get("arn") if isinstance(spec, dict) else spec
                sources.append(EventSource("sqs", resolver.arn(arn, "Arn"), at))
            for kind in ("activemq", "rabbitmq"):
                if isinstance(event.get(kind), dict) and event[kind].get("arn") is not None:
                    # NOTE: an Amazon MQ broker (events/activemq.js, rabbitmq.js).
                    sources.append(EventSource("mq", resolver.arn(event[kind]["arn"], "Arn"), at))
            if isinstance(event.get("msk"), dict):
                # NOTE: an Amazon MSK mapping (events/msk/index.js): the cluster it polls, as the
                # function's role when the cluster takes IAM access control and no SCRAM secret is given.
                spec = event["msk"]
                cluster = resolver.arn(spec.get("arn"), "Arn")
                access = [{"Type": "SASL_SCRAM_512_AUTH"}] if spec.get("saslScram512") is not None else []
                iam = msk_iam_grants(cluster, [resolver.str(spec.get("topic"))],
                                     resolver.str(spec["consumerGroupId"]) if spec.get("consumerGroupId") else "") if (
                    msk_iam(resources, spec.get("arn"), access)) else ()
                sources.append(EventSource("kafka", cluster, at, grants=iam))
            for kind, setting in (("activemq", "basicAuthArn"), ("rabbitmq", "basicAuthArn"), ("msk", "saslScram512")):
                given = follow(event, [kind, setting])
                if given is not None:
                    secrets.append(resolver.str(given))
            access = follow(event, ["kafka", "accessConfigurations"])
            for setting in KAFKA_SECRETS:
                given = follow(access, [setting])
                secrets.extend(resolver.str(g) for g in (given if isinstance(given, list) else [given]) if g is not None)
            if "stream" in event:
                spec = event["stream"]
                arn = spec.get("arn") if isinstance(spec, dict) else spec
                kind = spec.get("type", "") if isinstance(spec, dict) else ""
                text = resolver.arn(arn, "StreamArn" if kind == "dynamodb" else "Arn")
                kind = kind or arn_service(text)
                if kind in ("dynamodb", "kinesis"):
                    sources.append(EventSource(kind, text, at))
                elif isinstance(text, Unresolved):
                    # NOTE: a stream known only at deploy, of a type not given: said, not granted.
                    sources.append(EventSource("*", text, at))
                failure = follow(spec, ["destinations", "onFailure"])
                failure = failure.get("arn") if isinstance(failure, dict) else failure
                if failure is not None:
                    discarded.append(resolver.arn(failure, "Arn"))
        targets = []
        # NOTE: the Framework grants the delivery of a stream's discarded batches to an SNS
        # topic or SQS queue to the role it makes (lib/plugins/aws/package/compile/events/stream.js).
        grants: list[tuple[str, str]] = [(a, r) for arn in discarded if arn_service(arn) in ("sns", "sqs") for a, r in delivery(arn)]
        # NOTE: and the reading of its MQ and Kafka events' secrets (events/activemq.js, rabbitmq.js,
        # kafka.js, msk.js).
        grants += [("secretsmanager:GetSecretValue", arn) for arn in dict.fromkeys(secrets)]
        if isinstance(fn.get("onError"), (str, dict)):
            targets.append(resolver.arn(fn["onError"], "Arn"))
            if isinstance(fn["onError"], str):
                # NOTE: the Framework grants sns:Publish on a string onError, whatever it names
                # (lib/plugins/aws/package/compile/functions.js).
                grants.append(("sns:Publish", targets[-1]))
        for dest in ((fn.get("destinations") or {}).get("onFailure"), (fn.get("destinations") or {}).get("onSuccess")):
            if isinstance(dest, (str, dict)):
                value = dest.get("arn", dest) if isinstance(dest, dict) and "arn" in dest else dest
                if isinstance(value, str) and not value.startswith("arn:") and isinstance((doc.get("functions") or {}).get(value), dict):
                    # NOTE: another function of the service, by its key.
                    targets.append(scope.arn("lambda", f"function:{_function_name(doc, value, variables)}"))
                else:
                    targets.append(resolver.arn(value, "Arn"))
                # NOTE: the Framework grants the delivery itself, by the target's kind
                # (``ensureTargetExecutionPermission``), as Lambda needs it (TARGET_ACTIONS).
                grant = TARGET_ACTIONS.get(arn_service(targets[-1]))
                if grant:
                    grants.append((grant, targets[-1]))
        layer_refs = fn.get("layers", provider.get("layers"))
        layer_arns = tuple(a for a in (resolver.str(r) for r in layer_refs if isinstance(r, str)) if a.startswith("arn:")) if (
            isinstance(layer_refs, list)) else ()
        mount = fn.get("fileSystemConfig")
        file_system = resolver.str(mount.get("arn")) if isinstance(mount, dict) and mount.get("arn") is not None else ""
        if file_system.startswith("arn:"):
            # NOTE: the Framework grants the mount on the ARN it is given (an access point's).
            grants += [("elasticfilesystem:ClientMount", file_system), ("elasticfilesystem:ClientWrite", file_system)]
        functions[key] = FunctionInfo(
            function_name=_function_name(doc, key, variables),
            file_systems=(file_system,) if file_system.startswith("arn:") else (),
            tool_grants=tuple(g for g in grants if g[1].startswith("arn:")),
            layer_arns=layer_arns,
            targets=tuple(t for t in targets if t.startswith("arn:")),
            discarded_to=arns(discarded),
            source_secrets=arns(secrets),
            name=key,
            handler=f"{module}.{func}" if module else None,
            code_root=folder,
            packaged=packaged,
            deployed_from=elsewhere,
            dynamic=dynamic,
            environment=env,
            event_sources=tuple(sources),
            s3_triggers=() if other_events else tuple(triggers),
            event_inputs=() if other_events else tuple(inputs),
            runtime=resolver.str(runtime) if runtime else None,
            line=line,
        )
    # NOTE: the resources section is CloudFormation: its encrypted resources, task definitions
    # and query locations imply what they do in a template (their lines under resources.).
    from lpgen.iac.cfn import _data_locations, _encrypted, _passed_roles, ssm_parameters

    section = {"Resources": resources}
    where = {k.removeprefix("resources."): v for k, v in lines.items() if k.startswith("resources.Resources.")}
    return Template(
        path, "serverless", functions, scope, _encrypted(section, resolver, where), _passed_roles(section, resolver, where),
        _data_locations(section, resolver, where), ssm_parameters(section, resolver), source=(doc, resolver, raw),
        inputs=tuple(sorted(variables.files_read)),
    )


def _image_code(image: Any, provider: dict[str, Any], base: str) -> tuple[str, str]:
    """A container image function's code folder and handler: the image ``provider.ecr.images``
    builds (its ``path``, the build context) and the ``command`` the function gives, else its
    Dockerfile's ``CMD`` (``file``, default ``Dockerfile``). An image by URI is looked for
    beside the file."""
    from lpgen.iac.cfn import dockerfile_handler

    name = image.get("name") if isinstance(image, dict) else image
    command = image.get("command") if isinstance(image, dict) else None
    images = follow(provider, ["ecr", "images"])
    spec = images.get(name) if isinstance(images, dict) and isinstance(name, str) else None
    folder = os.path.normpath(os.path.join(base, str(spec.get("path") or "."))) if isinstance(spec, dict) else base
    if isinstance(command, list) and command and isinstance(command[0], str):
        return folder, command[0]
    dockerfile = str(spec.get("file") or "Dockerfile") if isinstance(spec, dict) else "Dockerfile"
    return folder, dockerfile_handler(os.path.join(folder, dockerfile)) or ""
