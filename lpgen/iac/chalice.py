"""A Chalice app's ``.chalice/config.json``: its Lambda functions, their environment and role.

As Chalice's own source has them (aws/chalice: ``chalice/config.py``, ``deploy/appgraph.py``):
the REST API's routes are one function, ``api_handler`` (handler ``app.app``, deployed as
``APP-STAGE``); each event handler, ``@app.lambda_function`` and authorizer is a function of its
own named after the Python function or its ``name=`` (deployed as ``APP-STAGE-NAME``), and the
WebSocket handlers are ``websocket_connect``, ``websocket_message`` and
``websocket_disconnect``. A function's setting is looked up in its stage's
``lambda_functions`` entry, then the stage, then the top level's ``lambda_functions`` entry,
then the top level; environment variables are merged from the top level, the stage and the
stage's entry for the function. Its role: ``iam_role_arn`` when ``manage_iam_role`` is false
(made elsewhere); else, with ``autogen_policy`` (the default), the role ``APP-STAGE`` every such
function shares, whose policy Chalice writes from the code when it deploys; else a role of its
own, ``APP-STAGE-NAME``, with the policy file ``iam_policy_file`` (default
``policy-STAGE.json``) in ``.chalice``.

The app's functions are found in ``app.py`` by its decorators, read as text (never run), and
in the blueprints it registers from its own modules (their event handlers named with the
registration's ``name_prefix``, their handlers in the blueprint's module).
"""

from __future__ import annotations

import ast
import json
import os
from dataclasses import dataclass
from typing import Any

from lpgen.errors import PolicyError, TemplateError, read_text
from lpgen.iac.model import CurrentPolicy, FunctionInfo, Template
from lpgen.permissions.arns import Scope

API_HANDLER = "api_handler"
"""the function of the REST API's routes (Chalice's ``DEFAULT_HANDLER_NAME``)."""
DEFAULT_STAGE = "dev"
OWN_FUNCTION_DECORATORS = frozenset({
    "on_s3_event", "on_sns_message", "on_sqs_message", "on_cw_event", "schedule", "on_kinesis_record",
    "on_dynamodb_record", "lambda_function", "authorizer",
})
"""decorators of a Chalice app that make the function a Lambda function of its own."""
WEBSOCKET_FUNCTIONS = {"on_ws_connect": "websocket_connect", "on_ws_message": "websocket_message",
                       "on_ws_disconnect": "websocket_disconnect"}


@dataclass(frozen=True)
class _Role:
    """How a function's role is made: ``arn`` (made elsewhere), ``autogen`` (the role the
    autogen functions share) or ``file`` (its own role, with that policy file)."""

    kind: str
    name: str
    """the role's name, or its ARN."""
    policy_file: str = ""


def is_chalice_config(path: str) -> bool:
    """Is ``path`` a Chalice app's ``.chalice/config.json``?"""
    return os.path.basename(path) == "config.json" and os.path.basename(os.path.dirname(os.path.abspath(path))) == ".chalice"


def config_in(folder: str) -> str | None:
    """The ``.chalice/config.json`` of the Chalice app in ``folder``, or None."""
    path = os.path.join(folder, ".chalice", "config.json")
    return path if os.path.isfile(path) else None


def load_chalice(path: str, params: dict[str, str], scope: Scope) -> Template:
    """Read a Chalice app's configuration (``--param stage=NAME``; the default stage is ``dev``)."""
    text = read_text(path, TemplateError)
    try:
        config = json.loads(text)
    except ValueError as exc:
        raise TemplateError(f"{path}:{getattr(exc, 'lineno', 0)}: invalid JSON: {exc}") from exc
    if not isinstance(config, dict) or not isinstance(config.get("app_name"), str):
        raise TemplateError(f"{path}: not a Chalice config (no app_name)")
    stage = params.get("stage", DEFAULT_STAGE)
    app_dir = os.path.dirname(os.path.dirname(os.path.abspath(path)))
    app_name = config["app_name"]
    functions: dict[str, FunctionInfo] = {}
    roles: dict[str, _Role] = {}
    for name, handler in _app_functions(os.path.join(app_dir, "app.py")):
        setting = _Settings(config, stage, name)
        env = {k: v if isinstance(v, str) else json.dumps(v) for k, v in setting.merged("environment_variables").items()}
        role = _role_of(setting, app_name, stage, name)
        roles[name] = role
        layers = setting.get("layers")
        functions[name] = FunctionInfo(
            name=name,
            handler=handler,
            code_root=app_dir,
            environment=env,
            line=_line_of(text, name),
            function_name=f"{app_name}-{stage}" if name == API_HANDLER else f"{app_name}-{stage}-{name}",
            role_arn=role.name if role.kind == "arn" else None,
            layer_arns=tuple(a for a in layers if isinstance(a, str) and a.startswith("arn:")) if isinstance(layers, list) else (),
            in_vpc=bool(setting.get("subnet_ids")) and bool(setting.get("security_group_ids")),
            traced=setting.get("xray") is True,
        )
    return Template(path, "chalice", functions, scope, source=(config, roles))


class _Settings:
    """One function's view of the config: Chalice's lookup order for a setting."""

    def __init__(self, config: dict[str, Any], stage: str, name: str) -> None:
        stages = config.get("stages")
        here = stages.get(stage) if isinstance(stages, dict) else None
        self.stage = here if isinstance(here, dict) else {}
        self.top = config
        self.stage_fn = _entry(self.stage, name)
        self.top_fn = _entry(config, name)

    def get(self, key: str) -> Any:
        for level in (self.stage_fn, self.stage, self.top_fn, self.top):
            if level.get(key) is not None:
                return level[key]
        return None

    def merged(self, key: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for level in (self.top, self.stage, self.stage_fn):
            value = level.get(key)
            if isinstance(value, dict):
                out.update(value)
        return out


def _entry(level: dict[str, Any], name: str) -> dict[str, Any]:
    functions = level.get("lambda_functions")
    entry = functions.get(name) if isinstance(functions, dict) else None
    return entry if isinstance(entry, dict) else {}


def _role_of(setting: _Settings, app_name: str, stage: str, name: str) -> _Role:
    if setting.get("manage_iam_role") is False:
        arn = setting.get("iam_role_arn")
        return _Role("arn", arn if isinstance(arn, str) else "*")
    if setting.get("autogen_policy") is False:
        policy_file = setting.get("iam_policy_file")
        return _Role("file", f"{app_name}-{stage}-{name}", policy_file if isinstance(policy_file, str) else f"policy-{stage}.json")
    return _Role("autogen", f"{app_name}-{stage}")


def _line_of(text: str, name: str) -> int:
    """The config's line that names the function (its ``lambda_functions`` entry), else 1."""
    at = text.find(f'"{name}"')
    return text.count("\n", 0, at) + 1 if at >= 0 else 1


def _app_functions(app_py: str) -> list[tuple[str, str]]:
    """(name, handler) of each Lambda function of the app in ``app_py``, from its decorators
    and those of the blueprints it registers."""
    tree = _parse(app_py)
    out, routes = _decorated(tree, _made(tree, "Chalice"), "app", "")
    root = os.path.dirname(app_py)
    for module, attr, prefix in _blueprints(tree, _made(tree, "Chalice")):
        where = next((p for p in (os.path.join(root, *module.split(".")) + ".py",
                                  os.path.join(root, *module.split("."), "__init__.py")) if os.path.isfile(p)), None)
        if where is None:
            continue
        bp_tree = _parse(where)
        found, bp_routes = _decorated(bp_tree, _made(bp_tree, "Blueprint") & {attr}, module, prefix)
        out.update(found)
        routes = routes or bp_routes
    if routes:
        out[API_HANDLER] = "app.app"
    return sorted(out.items())


def _parse(path: str) -> ast.Module:
    source = read_text(path, TemplateError)
    try:
        return ast.parse(source, path)
    except SyntaxError as exc:
        raise TemplateError(f"{path}:{exc.lineno}:{exc.offset}: {exc.msg}") from exc


def _decorated(tree: ast.Module, owners: set[str], module: str, prefix: str) -> tuple[dict[str, str], bool]:
    """The functions of ``module`` that decorators of ``owners`` (an app, or a blueprint
    registered with ``name_prefix`` ``prefix``) make Lambda functions, and whether any is a
    route."""
    out: dict[str, str] = {}
    routes = False
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for dec in node.decorator_list:
            target = dec.func if isinstance(dec, ast.Call) else dec
            if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id in owners):
                continue
            if target.attr == "route":
                routes = True
            elif target.attr in WEBSOCKET_FUNCTIONS:
                out.setdefault(WEBSOCKET_FUNCTIONS[target.attr], f"{module}.{node.name}")
            elif target.attr in OWN_FUNCTION_DECORATORS:
                out[prefix + (_literal(dec, "name") or node.name)] = f"{module}.{node.name}"
    return out, routes


def _literal(call: ast.expr, keyword: str) -> str | None:
    """The string literal a call gives for ``keyword``, or None."""
    for k in getattr(call, "keywords", ()):
        if k.arg == keyword and isinstance(k.value, ast.Constant) and isinstance(k.value.value, str):
            return k.value.value
    return None


def _blueprints(tree: ast.Module, apps: set[str]) -> list[tuple[str, str, str]]:
    """(module, name in it, name_prefix) of each blueprint ``app.py`` registers
    (``app.register_blueprint(bp, name_prefix="admin_")``), imported from the app's modules."""
    imported: dict[str, tuple[str, str]] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                imported[a.asname or a.name] = (node.module, a.name)
        elif isinstance(node, ast.Import):
            for a in node.names:
                imported[a.asname or a.name] = (a.name, "")
    out = []
    for call in ast.walk(tree):
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "register_blueprint"
                and isinstance(call.func.value, ast.Name) and call.func.value.id in apps and call.args):
            continue
        given, prefix = call.args[0], _literal(call, "name_prefix") or ""
        if isinstance(given, ast.Name) and given.id in imported and imported[given.id][1]:
            out.append((*imported[given.id], prefix))
        elif isinstance(given, ast.Attribute) and isinstance(given.value, ast.Name) and given.value.id in imported:
            module, attr = imported[given.value.id]
            out.append((f"{module}.{attr}" if attr else module, given.attr, prefix))
    return out


def _made(tree: ast.Module, kind: str) -> set[str]:
    """The module-level names a module binds to ``Chalice(...)`` or ``Blueprint(...)``."""
    makers = {f"chalice.{kind}", kind}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module in ("chalice", "chalice.app"):
            makers |= {a.asname or a.name for a in node.names if a.name == kind}
        elif isinstance(node, ast.Import):
            makers |= {f"{a.asname or a.name}.{kind}" for a in node.names if a.name == "chalice"}
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and ast.unparse(node.value.func) in makers:
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def current_policy(tpl: Template, fn: FunctionInfo) -> CurrentPolicy:
    """What ``fn``'s role is allowed today: its policy file's statements, or nothing read
    (``unknown``) when Chalice writes the policy or the role is made elsewhere."""
    from lpgen.policy.model import PolicyDocument
    from lpgen.policy.parse import load_policy_file

    roles: dict[str, _Role] = tpl.source[1]
    role = roles[fn.name]
    shared = tuple(sorted(n for n, r in roles.items() if n != fn.name and r.kind == role.kind and r.name == role.name))
    empty = PolicyDocument(())
    if role.kind == "arn":
        return CurrentPolicy(empty, role=role.name, shared_with=shared,
                             unknown=f"the role {role.name} is made outside the app (manage_iam_role: false)")
    if role.kind == "autogen":
        return CurrentPolicy(empty, role=role.name, shared_with=shared,
                             unknown=f"Chalice writes the policy of the role {role.name} from the code when it deploys (autogen_policy)")
    where = os.path.join(os.path.dirname(os.path.abspath(tpl.path)), role.policy_file)
    if not os.path.isfile(where):
        return CurrentPolicy(empty, role=role.name, unknown=f"its policy file .chalice/{role.policy_file} does not exist")
    try:
        policy = load_policy_file(where)
    except PolicyError as exc:
        raise TemplateError(str(exc)) from exc
    return CurrentPolicy(policy, role=role.name)
