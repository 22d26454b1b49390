"""Today's policy of a function, as its template defines it.

SAM/CloudFormation: the function's ``Policies`` (inline documents, SAM policy templates
expanded from aws-sam-translator's own template data, managed policy names and ARNs), or its
``Role`` (the role's inline policies and managed policies, and ``AWS::IAM::Policy`` /
``ManagedPolicy`` / ``RolePolicy`` resources attached to it). serverless.yml: the function's
``iamRoleStatements`` (per-function roles), else ``provider.iam.role.statements`` or the legacy
``provider.iamRoleStatements``, and ``managedPolicies``.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from functools import cache
from typing import Any

from lpgen.errors import PolicyError, TemplateError
from lpgen.iac.model import THROUGH_VPC, CurrentPolicy, FunctionInfo, Template, follow, sns_queue
from lpgen.policy.match import action_matches, covers, intersects
from lpgen.policy.model import PolicyDocument, Statement
from lpgen.policy.parse import parse_statement

BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
VPC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
# AWS managed policies a Lambda role may keep: logs, VPC network interfaces, X-Ray traces.
FINE_MANAGED = frozenset({
    "AWSLambdaBasicExecutionRole", "AWSLambdaVPCAccessExecutionRole", "AWSXRayDaemonWriteAccess",
    "AWSLambdaBasicDurableExecutionRolePolicy", "AWSLambdaENIManagementAccess",
    # NOTE: SAM attaches these itself: tracing, and a function's pull event sources.
    "AWSXrayWriteOnlyAccess", "AWSLambdaSQSQueueExecutionRole", "AWSLambdaKinesisExecutionRole", "AWSLambdaDynamoDBExecutionRole",
    "AWSLambdaMSKExecutionRole",
    # NOTE: what the Lambda Insights extension layer needs.
    "CloudWatchLambdaInsightsExecutionRolePolicy",
})


def _sam_role_statements(props: dict[str, Any], resolver: Any, where: str) -> list[Statement]:
    """What SAM writes into a function's generated role for its dead-letter queue and its
    asynchronous invocation destinations, made by aws-sam-translator's own IAMRolePolicies
    (sqs:SendMessage, sns:Publish, events:PutEvents, lambda:InvokeFunction, s3:PutObject)."""
    try:
        from samtranslator.model.iam import IAMRolePolicies
    except ImportError:  # pragma: no cover - a dependency of lpgen
        return []
    docs: list[dict[str, Any]] = []
    dlq = props.get("DeadLetterQueue")
    if isinstance(dlq, dict) and dlq.get("Type") in ("SQS", "SNS") and dlq.get("TargetArn") is not None:
        action = {"SQS": "sqs:SendMessage", "SNS": "sns:Publish"}[dlq["Type"]]
        docs.append(IAMRolePolicies.dead_letter_queue_policy(action, dlq["TargetArn"]))
    makers = {
        "SQS": IAMRolePolicies.sqs_send_message_role_policy, "SNS": IAMRolePolicies.sns_publish_role_policy,
        "EventBridge": IAMRolePolicies.event_bus_put_events_role_policy,
        "Lambda": IAMRolePolicies.lambda_invoke_function_role_policy,
        "S3Bucket": IAMRolePolicies.s3_send_event_payload_role_policy,
    }
    # NOTE: and, for a pull event's OnFailure destination with a Type, its grant
    # (model/eventsources/pull.py: "SAM attaches the policies for SQS, SNS or S3 only if
    # 'Type' is given").
    pulls = {"SQS": IAMRolePolicies.sqs_send_message_role_policy, "SNS": IAMRolePolicies.sns_publish_role_policy,
             "S3": IAMRolePolicies.s3_send_event_payload_role_policy}
    # NOTE: and what SAM's own event source classes grant for MQ, Kafka and DocumentDB
    # sources (their secrets, brokers and network interfaces), asked of them.
    events = props.get("Events")
    for name, event in sorted(events.items()) if isinstance(events, dict) else ():
        failure = follow(event, ["Properties", "DestinationConfig", "OnFailure"])
        if isinstance(failure, dict) and failure.get("Type") in pulls and failure.get("Destination") is not None:
            docs.append(pulls[failure["Type"]](failure["Destination"], str(name)))
        docs.extend(_sam_pull_policies(str(name), event))
    config = props.get("EventInvokeConfig")
    destinations = (config.get("DestinationConfig") or {}) if isinstance(config, dict) else {}
    for name in ("OnSuccess", "OnFailure"):
        dest = destinations.get(name) if isinstance(destinations, dict) else None
        if isinstance(dest, dict) and dest.get("Destination") is not None and dest.get("Type") in makers:
            docs.append(makers[dest["Type"]](dest["Destination"], "Function"))
    return [st for doc in docs for st in _statements(doc["PolicyDocument"], resolver, f"{where} (made by SAM)")]


def _sam_pull_policies(name: str, event: Any) -> list[dict[str, Any]]:
    """The policies aws-sam-translator's class for a MQ, MSK, SelfManagedKafka or DocumentDB
    event writes into the role it makes (``get_policy_statements``); none for an event SAM
    would refuse."""
    from samtranslator.model.eventsources import pull
    from samtranslator.model.exceptions import ExceptionWithMessage

    kind = event.get("Type") if isinstance(event, dict) else None
    source = {"MQ": pull.MQ, "MSK": pull.MSK, "SelfManagedKafka": pull.SelfManagedKafka,
              "DocumentDB": pull.DocumentDB}.get(kind) if isinstance(kind, str) else None
    if source is None:
        return []
    try:
        made = source.from_dict(name, event).get_policy_statements()
    except (ExceptionWithMessage, AttributeError, TypeError, KeyError):
        # NOTE: an event SAM would refuse (or one too malformed for its checks): SAM writes nothing.
        return []
    return [doc for doc in made or () if isinstance(doc, dict) and "PolicyDocument" in doc]


@cache
def _known_managed() -> dict[str, Any]:
    from lpgen.data_files import load_table

    table: dict[str, Any] = load_table("managed_policies.yaml") or {}
    return table


def sam_attached(name: str) -> bool:
    """Is ``name`` an AWS managed policy whose content lpgen knows (managed_policies.yaml:
    those SAM attaches for event sources, and others), whose statements today's policy
    holds under that name as their Sid?"""
    return name in _known_managed()


def _managed_statements(name: str) -> list[dict[str, Any]]:
    """The statements of a managed policy in managed_policies.yaml: its ``statements``, or
    its ``actions`` on ``*``; none for a policy not there."""
    entry = _known_managed().get(name) or {}
    rows = entry.get("statements") or ([{"actions": entry["actions"], "resource": "*"}] if entry.get("actions") else [])
    return [
        {"Sid": name, "Effect": "Allow", **({"NotAction": list(r["not_actions"])} if "not_actions" in r else {"Action": list(r["actions"])}),
         "Resource": r["resource"]}
        for r in rows
    ]


def _event_source_policies(props: dict[str, Any]) -> dict[str, Any]:
    """The managed policies SAM attaches for a function's pull event sources (SQS, Kinesis,
    DynamoDB streams, MSK), by name."""
    events = props.get("Events")
    kinds = {str(e.get("Type")) for e in (events.values() if isinstance(events, dict) else ()) if isinstance(e, dict)}
    if any(sns_queue(e) is not None for e in (events.values() if isinstance(events, dict) else ())):
        kinds.add("SQS")
    return {name: p for name, p in _known_managed().items() if p.get("event") in kinds}


def _samtranslator_data(what: str, *path: str) -> dict[str, Any]:
    """A JSON file of aws-sam-translator's package data."""
    from importlib import resources

    try:
        text = resources.files("samtranslator").joinpath(*path).read_text()
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise TemplateError(f"aws-sam-translator's {what} are not installed: {exc}") from exc
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def sam_policy_templates() -> dict[str, Any]:
    """SAM's policy templates (``DynamoDBCrudPolicy`` …), from aws-sam-translator's data."""
    templates: dict[str, Any] = _samtranslator_data(
        "policy templates", "policy_templates_data", "policy_templates.json").get("Templates") or {}
    return templates


@cache
def sam_connector_profiles() -> dict[str, Any]:
    """SAM connector profiles (what Read/Write between two resource types allows)."""
    profiles: dict[str, Any] = _samtranslator_data(
        "connector profiles", "model", "connector_profiles", "profiles.json").get("Permissions") or {}
    return profiles


_SAM_TYPES = {
    "AWS::Serverless::Function": "AWS::Lambda::Function",
    "AWS::Serverless::SimpleTable": "AWS::DynamoDB::Table",
    "AWS::Serverless::StateMachine": "AWS::StepFunctions::StateMachine",
    "AWS::Serverless::Api": "AWS::ApiGateway::RestApi",
    "AWS::Serverless::HttpApi": "AWS::ApiGatewayV2::Api",
}


def _connectors(resources: dict[str, Any], fn: FunctionInfo, resolver: Any, where: str) -> list[Statement]:
    """Statements SAM connectors add to the function's role (AWS::Serverless::Connector, and
    the Connectors property of the function itself)."""
    found: list[tuple[Any, Any]] = []
    for logical, res in resources.items():
        if not isinstance(res, dict):
            continue
        props = res.get("Properties") or {}
        if res.get("Type") == "AWS::Serverless::Connector":
            source = props.get("Source") or {}
            if isinstance(source, dict) and source.get("Id") == fn.name:
                found.append((props.get("Destination"), props.get("Permissions")))
        elif logical == fn.name:
            for conn in (res.get("Connectors") or {}).values():
                cprops = (conn or {}).get("Properties") or {}
                found.append((cprops.get("Destination"), cprops.get("Permissions")))
    out: list[Statement] = []
    profiles = sam_connector_profiles().get("AWS::Lambda::Function") or {}
    for dest, permissions in found:
        dests = dest if isinstance(dest, list) else [dest]
        for d in dests:
            if not isinstance(d, dict):
                continue
            target = resources.get(d.get("Id", "")) or {}
            dtype = d.get("Type") or _SAM_TYPES.get(target.get("Type", ""), target.get("Type", ""))
            profile = profiles.get(dtype) or {}
            if not (profile.get("Properties") or {}).get("SourcePolicy"):
                continue
            arn = resolver.str(d["Arn"]) if "Arn" in d else resolver.get_att(d.get("Id", ""), "Arn")
            name = resolver.str(d["Name"]) if "Name" in d else resolver.ref(d.get("Id", "")) if d.get("Id") else "*"
            for perm in permissions or ():
                block = ((profile["Properties"].get("AccessCategories") or {}).get(perm) or {})
                text = json.dumps(block.get("Statement") or []).replace("%{Destination.Arn}", arn).replace("%{Destination.Name}", name)
                out.extend(_statements({"Statement": json.loads(text)}, resolver, f"{where} connector {perm}"))
    return out


def current_policy(tpl: Template, fn: FunctionInfo) -> CurrentPolicy:
    """What ``fn``'s role is allowed today, as far as the template says, with the statements
    of the attached AWS managed policies whose content lpgen knows (managed_policies.yaml)."""
    if tpl.source is None:
        return CurrentPolicy(PolicyDocument(()), unknown="the template was not read with its source")
    doc, resolver = tpl.source[0], tpl.source[1]
    if tpl.kind == "serverless":
        found = _serverless(doc, resolver, fn, tpl.functions)
    elif tpl.kind == "terraform":
        from lpgen.iac import terraform

        found = terraform.current_policy(tpl, fn)
    elif tpl.kind == "chalice":
        from lpgen.iac import chalice

        found = chalice.current_policy(tpl, fn)
    else:
        found = _cfn(doc, resolver, tpl, fn)
    known = [
        parse_statement(st, f"{tpl.path}: {fn.name} {name} statement {i + 1}")
        for name in sorted({arn.rpartition("/")[2] for arn in found.managed})
        for i, st in enumerate(_managed_statements(name))
    ]
    if not known:
        return found
    return replace(found, policy=PolicyDocument((*found.policy.statements, *known)))


def _statements(raw: Any, resolver: Any, where: str) -> list[Statement]:
    value = resolver.value(raw)
    if isinstance(value, str) and value.lstrip().startswith("{"):
        # NOTE: CloudFormation takes a policy document as JSON text too (!Sub | {...}).
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise TemplateError(f"{where}: the policy document is not JSON ({exc})") from exc
    body = value.get("Statement") if isinstance(value, dict) and "Statement" in value else value
    if isinstance(body, dict):
        body = [body]
    if not isinstance(body, list):
        return []
    out: list[Statement] = []
    for i, st in enumerate(body):
        try:
            out.append(parse_statement(as_iam_strings(st), f"{where} statement {i + 1}"))
        except PolicyError as exc:
            raise TemplateError(str(exc)) from exc
    return out


def as_iam_strings(value: Any) -> Any:
    """Resolved values as IAM JSON: unresolvable parts are already ``*`` strings."""
    if isinstance(value, dict):
        return {k: as_iam_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_iam_strings(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


def _sam_template(name: str, args: Any, resolver: Any, where: str) -> list[Statement]:
    spec = sam_policy_templates().get(name)
    if spec is None:
        raise TemplateError(f"{where}: unknown SAM policy template {name}")
    given = {k: resolver.str(v) for k, v in (args or {}).items()} if isinstance(args, dict) else {}

    def fill(node: Any) -> Any:
        if isinstance(node, dict):
            if set(node) == {"Ref"} and node["Ref"] in spec.get("Parameters", {}):
                return given.get(node["Ref"], "*")
            return {k: fill(v) for k, v in node.items()}
        if isinstance(node, list):
            return [fill(v) for v in node]
        return node

    return _statements(fill(spec["Definition"]), resolver, f"{where} {name}")


def _managed_arn(value: str, resolver: Any) -> str:
    if value.startswith("arn:"):
        return value
    return f"arn:{resolver.scope.value('Partition')}:iam::aws:policy/{value}"


def _cfn(doc: dict[str, Any], resolver: Any, tpl: Template, fn: FunctionInfo) -> CurrentPolicy:
    resources: dict[str, Any] = doc.get("Resources") or {}
    res = resources.get(fn.name) or {}
    props = res.get("Properties") or {}
    where = f"{tpl.path}: {fn.name}"
    statements: list[Statement] = []
    managed: list[str] = []
    role_ref = resolver.given(props.get("Role"))
    statements.extend(_connectors(resources, fn, resolver, where))
    if role_ref is None and res.get("Type") == "AWS::Serverless::Function":
        managed.append(BASIC_EXECUTION)
        statements.extend(_sam_role_statements(props, resolver, where))
        # NOTE: the function's own properties, else the template's Globals.
        glob = doc.get("Globals")
        shared_props = glob["Function"] if isinstance(glob, dict) and isinstance(glob.get("Function"), dict) else {}
        tracing = props.get("Tracing", shared_props.get("Tracing"))
        if tracing and resolver.value(tracing) != "Disabled":
            managed.append("arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess")
        if props.get("VpcConfig", shared_props.get("VpcConfig")):
            managed.append(VPC_EXECUTION)
        # NOTE: SAM attaches these for the function's pull event sources; their content is
        # known (current_policy reads it), so the poller's permissions are there, on "*".
        managed.extend(f"arn:aws:iam::aws:policy/service-role/{name}" for name in sorted(_event_source_policies(props)))
        for item in _policy_items(props.get("Policies"), resolver):
            own = _own_managed_policy(item, resources)
            if own is not None:
                statements.extend(_own_statements(own, resources, resolver, where))
            elif isinstance(item, str):
                managed.append(_managed_arn(item, resolver))
            elif isinstance(item, dict) and "Statement" in item:
                statements.extend(_statements(item, resolver, f"{where} Policies"))
            elif isinstance(item, dict) and len(item) == 1 and next(iter(item)) in sam_policy_templates():
                name, args = next(iter(item.items()))
                statements.extend(_sam_template(name, args, resolver, f"{where} Policies"))
            elif isinstance(item, dict):
                managed.append(_managed_arn(resolver.str(item), resolver))
        boundary = props.get("PermissionsBoundary", shared_props.get("PermissionsBoundary"))
        return _bounded(CurrentPolicy(PolicyDocument(tuple(statements)), tuple(sorted(set(managed))), f"{fn.name}Role"),
                        boundary, resources, resolver, where)
    logical = _role_logical(role_ref, resources, resolver)
    shared = tuple(sorted(
        other for other, r in resources.items()
        if other != fn.name and isinstance(r, dict)
        and r.get("Type") in ("AWS::Serverless::Function", "AWS::Lambda::Function")
        and _role_logical((r.get("Properties") or {}).get("Role"), resources, resolver) == logical and logical
    ))
    if logical is None:
        arn = resolver.str(role_ref) if role_ref is not None else ""
        return CurrentPolicy(PolicyDocument(()), (), arn or None, (),
                             unknown=f"the role {arn or '(none)'} is not defined in this template")
    return _template_role(logical, resources, resolver, tpl.path, shared, statements)


def _policy_items(policies: Any, resolver: Any) -> list[Any]:
    """A SAM function's ``Policies`` as a list of items (a managed policy's name or ARN, a
    policy template, a document), with each ``Fn::If`` the branch its condition takes, as
    SAM takes it, and ``AWS::NoValue`` left out. A condition not known here takes both
    branches: today's policy may allow either."""
    out: list[Any] = []
    todo = list(policies) if isinstance(policies, list) else [policies]
    while todo:
        item = todo.pop(0)
        if item is None or item == {"Ref": "AWS::NoValue"}:
            continue
        if isinstance(item, dict) and set(item) == {"Fn::If"} and isinstance(item["Fn::If"], list) and len(item["Fn::If"]) == 3:
            cond, yes, no = item["Fn::If"]
            taken = resolver.condition(str(cond))
            branches = [yes] if taken is True else [no] if taken is False else [yes, no]
            todo[:0] = [x for b in branches for x in (b if isinstance(b, list) else [b])]
            continue
        out.append(item)
    return out


def _template_role(
    logical: str, resources: dict[str, Any], resolver: Any, path: str, shared: tuple[str, ...],
    statements: list[Statement] | None = None,
) -> CurrentPolicy:
    """The policy of the ``AWS::IAM::Role`` ``logical`` a template makes: its inline
    policies, its managed ones (the template's own read), the policies that name it, and its
    permissions boundary; ``statements`` come beside them (SAM connectors)."""
    statements = list(statements or [])
    managed: list[str] = []
    role = resources[logical].get("Properties") or {}
    for i, pol in enumerate(role.get("Policies") or ()):
        if isinstance(pol, dict):
            statements.extend(_statements(pol.get("PolicyDocument"), resolver, f"{path}: {logical} Policies[{i}]"))
    read: set[str] = set()
    for m in role.get("ManagedPolicyArns") or ():
        own = _own_managed_policy(m, resources)
        if own is not None and own not in read:
            read.add(own)
            statements.extend(_own_statements(own, resources, resolver, path + ":"))
        elif own is None:
            managed.append(resolver.str(m))
    for other, r in sorted(resources.items()):
        if not isinstance(r, dict) or r.get("Type") not in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy"):
            continue
        if other in read:
            continue
        p = r.get("Properties") or {}
        roles = p.get("Roles") or ([p["RoleName"]] if "RoleName" in p else [])
        if any(_role_logical(x, resources, resolver) == logical for x in roles):
            statements.extend(_statements(p.get("PolicyDocument"), resolver, f"{path}: {other}"))
    return _bounded(CurrentPolicy(PolicyDocument(tuple(statements)), tuple(sorted(set(managed))), logical, shared),
                    role.get("PermissionsBoundary"), resources, resolver, f"{path}: {logical}")


def _bounded(found: CurrentPolicy, boundary: Any, resources: dict[str, Any], resolver: Any, where: str) -> CurrentPolicy:
    """``found`` with the role's permissions boundary: the template's own managed policy's
    statements, else its ARN (content not known here)."""
    if boundary is None:
        return found
    own = _own_managed_policy(boundary, resources)
    if own is not None:
        statements = _own_statements(own, resources, resolver, f"{where} boundary")
        return replace(found, boundary=PolicyDocument(tuple(statements)))
    return replace(found, boundary_arn=resolver.str(boundary))


def _own_statements(own: str, resources: dict[str, Any], resolver: Any, where: str) -> list[Statement]:
    """The statements of the template's own managed policy ``own``."""
    return _statements(follow(resources[own], ["Properties", "PolicyDocument"]), resolver, f"{where} {own}")


def _own_managed_policy(ref: Any, resources: dict[str, Any]) -> str | None:
    """The logical id of the template's own ``AWS::IAM::ManagedPolicy`` a managed policy ARN
    names (``!Ref Policy``), whose statements are then today's, not an unknown's."""
    name = ref.get("Ref") if isinstance(ref, dict) and len(ref) == 1 else None
    res = resources.get(name) if isinstance(name, str) else None
    return name if isinstance(res, dict) and res.get("Type") == "AWS::IAM::ManagedPolicy" else None


def _role_logical(ref: Any, resources: dict[str, Any], resolver: Any = None) -> str | None:
    """The logical id of the AWS::IAM::Role a Role property points at (Ref, GetAtt, logical
    id); with ``resolver``, also its ARN or name as text (``!Sub arn:…:role/worker``) when
    the template names the role so (``RoleName: worker``)."""
    name: Any = None
    if isinstance(ref, dict):
        if "Ref" in ref:
            name = ref["Ref"]
        elif "Fn::GetAtt" in ref:
            att = ref["Fn::GetAtt"]
            name = att[0] if isinstance(att, list) else str(att).split(".")[0]
    elif isinstance(ref, str) and ref in resources:
        name = ref
    if isinstance(name, str) and (resources.get(name) or {}).get("Type") == "AWS::IAM::Role":
        return name
    if resolver is None or ref is None or name is not None:
        return None
    text = resolver.str(ref)
    role_name = text.rsplit("/", 1)[-1] if re.fullmatch(r"arn:[^:]+:iam::[^:]*:role/.+", text) else text
    named = [
        logical for logical, r in sorted(resources.items())
        if isinstance(r, dict) and r.get("Type") == "AWS::IAM::Role"
        and (r.get("Properties") or {}).get("RoleName") is not None
        and resolver.str(r["Properties"]["RoleName"]) == role_name
    ]
    return named[0] if len(named) == 1 and role_name and role_name != "*" else None


def _serverless(doc: dict[str, Any], resolver: Any, fn: FunctionInfo, functions: dict[str, FunctionInfo]) -> CurrentPolicy:
    provider = doc.get("provider") or {}
    fn_doc = (doc.get("functions") or {}).get(fn.name) or {}
    iam = provider.get("iam") or {}
    role = iam.get("role") if isinstance(iam, dict) else None
    where = f"serverless function {fn.name}"
    custom = sls_custom_role(fn_doc, provider)
    if custom is not None:
        # NOTE: a role the service names instead of the one the Framework makes: one of the
        # resources section's (its logical id, a Ref or GetAtt of it, its ARN or name), else
        # made elsewhere.
        resources = follow(doc, ["resources", "Resources"])
        resources = resources if isinstance(resources, dict) else {}
        logical = _role_logical(custom, resources, resolver)
        if logical is None:
            return CurrentPolicy(PolicyDocument(()), unknown=f"the role {resolver.str(custom)} is defined outside this file")
        users = tuple(sorted(k for k, v in (doc.get("functions") or {}).items()
                             if k != fn.name and _role_logical(sls_custom_role(v, provider), resources, resolver) == logical))
        return _template_role(logical, resources, resolver, where, users)
    statements: list[Statement] = []
    plugin = follow(doc, ["custom", "serverless-iam-roles-per-function"])
    plugin = plugin if isinstance(plugin, dict) else {}
    provider_raw = (role or {}).get("statements") if isinstance(role, dict) else None
    provider_raw = provider_raw or provider.get("iamRoleStatements") or []
    own = has_own_role(fn_doc)
    if own:
        # NOTE: serverless-iam-roles-per-function gives a function that has iamRoleStatements
        # (even none) a role of its own: those statements, the provider's too when it
        # inherits them, and no managed policy but the VPC one (its src/lib/index.ts).
        statements.extend(_statements(fn_doc["iamRoleStatements"] or [], resolver, f"{where} iamRoleStatements"))
        inherit = _yes(fn_doc.get("iamRoleStatementsInherit"))
        if inherit is True or (_yes(plugin.get("defaultInherit")) is True and inherit is not False):
            statements.extend(_statements(provider_raw, resolver, f"{where} provider statements (inherited)"))
        shared: tuple[str, ...] = ()
    else:
        statements.extend(_statements(provider_raw, resolver, f"{where} provider statements"))
        shared = tuple(sorted(k for k, v in (doc.get("functions") or {}).items()
                              if k != fn.name and isinstance(v, dict) and not has_own_role(v)))
    # NOTE: the framework adds its pollers' permissions for sqs and stream events to the role
    # it makes: the function's own (per-function roles) or the one every function shares.
    owners = [fn.name] if own else [fn.name, *shared]
    # NOTE: the plugin's roles get the stream and sqs grants, not the msk or MQ ones (its src/lib/index.ts).
    statements.extend(_serverless_event_statements(doc, owners, resolver, where, with_brokers=not own))
    # NOTE: and, for each function, what its onError and destinations are sent with (and its
    # event sources' secrets, its file system). The plugin's role starts from the Framework's
    # without these, and adds sns:Publish on the onError it is given.
    if own:
        grants = [("sns:Publish", resolver.str(fn_doc["onError"]))] if fn_doc.get("onError") is not None else []
    else:
        grants = sorted({g for name in owners for g in (functions[name].tool_grants if name in functions else ())})
    if grants:
        statements.extend(_statements({"Statement": [{"Effect": "Allow", "Action": a, "Resource": r} for a, r in grants]},
                                      resolver, f"{where} onError and destinations"))
    managed: list[str] = []
    if not own:
        managed += [resolver.str(m) for m in ((role or {}).get("managedPolicies") or [] if isinstance(role, dict) else [])]
        managed += [resolver.str(m) for m in provider.get("iamManagedPolicies") or []]
    managed.append(BASIC_EXECUTION)
    if fn_doc.get("vpc") or provider.get("vpc"):
        # NOTE: the framework (and the plugin) attach it to the role of a function in a VPC.
        managed.append(VPC_EXECUTION)
    found = CurrentPolicy(PolicyDocument(tuple(statements)), tuple(sorted(set(managed))), "provider", shared)
    boundary = (role or {}).get("permissionsBoundary") if isinstance(role, dict) else None
    if boundary is None:
        boundary = provider.get("rolePermissionsBoundary")
    # NOTE: the plugin's boundaries: the function's own, else its global one (which it also
    # sets on the role the other functions share).
    boundary = (fn_doc.get("iamPermissionsBoundary") if own else None) or plugin.get("iamGlobalPermissionsBoundary") or boundary
    resources = follow(doc, ["resources", "Resources"])
    return _bounded(found, boundary, resources if isinstance(resources, dict) else {}, resolver, where)


_REFERENCES = ("Ref", "Fn::GetAtt", "Fn::ImportValue", "Fn::Sub", "Fn::Join", "Fn::If")


def sls_custom_role(fn_doc: Any, provider: dict[str, Any]) -> Any:
    """The role a serverless.yml function runs with when it is not the Framework's: the
    function's ``role``, else ``provider.iam.role`` or ``provider.role`` given as a name, an
    ARN or a reference (not the role settings ``provider.iam.role`` may hold); else None."""
    iam = provider.get("iam")
    for ref in ((fn_doc or {}).get("role") if isinstance(fn_doc, dict) else None,
                iam.get("role") if isinstance(iam, dict) else None, provider.get("role")):
        if isinstance(ref, str) or (isinstance(ref, dict) and len(ref) == 1 and next(iter(ref)) in _REFERENCES):
            return ref
    return None


def has_own_role(fn_doc: Any) -> bool:
    """Does this serverless.yml function have a role of its own (serverless-iam-roles-per-function:
    ``iamRoleStatements`` given, even empty)?"""
    return isinstance(fn_doc, dict) and fn_doc.get("iamRoleStatements") is not None


def _yes(value: Any) -> bool | None:
    """A boolean setting as YAML or a variable gives it, else None."""
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value if isinstance(value, bool) else None


_SLS_POLLERS = {
    "sqs": ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"),
    "dynamodb": ("dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream", "dynamodb:ListStreams"),
    "kinesis": ("kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream", "kinesis:ListStreams"),
    "msk": ("kafka:DescribeCluster", "kafka:GetBootstrapBrokers"),
    "activemq": ("mq:DescribeBroker",),
    "rabbitmq": ("mq:DescribeBroker",),
}
"""what the Serverless Framework grants its role for each sqs, stream, msk, activemq and
rabbitmq event, on the event's ARN (lib/plugins/aws/package/compile/events/sqs.js, stream.js,
msk/index.js, activemq.js, rabbitmq.js)."""
_SLS_BROKERS = ("msk", "activemq", "rabbitmq")
"""the events for which it also grants ``THROUGH_VPC`` on "*", to reach the cluster or broker
in its VPC."""


def _serverless_event_statements(
    doc: dict[str, Any], functions: list[str], resolver: Any, where: str, with_brokers: bool = True,
) -> list[Statement]:
    found: dict[str, list[Any]] = {}
    for name in functions:
        for event in ((doc.get("functions") or {}).get(name) or {}).get("events") or ():
            if not isinstance(event, dict):
                continue
            for kind, spec in event.items():
                arn = spec.get("arn") if isinstance(spec, dict) else spec
                if kind == "stream":
                    text = resolver.str(arn) if arn is not None else ""
                    kind = str(spec.get("type")) if isinstance(spec, dict) and spec.get("type") else (
                        "dynamodb" if ":dynamodb:" in text else "kinesis")
                if kind in _SLS_POLLERS and arn is not None and (with_brokers or kind not in _SLS_BROKERS):
                    found.setdefault(kind, []).append(arn)
    vpc = [{"Effect": "Allow", "Action": list(THROUGH_VPC), "Resource": "*"}]
    return [
        st for kind, arns in sorted(found.items()) for st in _statements(
            {"Statement": [{"Effect": "Allow", "Action": list(_SLS_POLLERS[kind]), "Resource": arns},
                           *(vpc if kind in _SLS_BROKERS else [])]},
            resolver, f"{where} {kind} events")
    ]


def key_refuses(tpl: Template, key: str, role: str | None, action: str) -> bool:
    """Does the key policy of a key the template makes (``key``: an ``AWS::KMS::Key``'s logical
    id, or ``aws_kms_key.NAME``) refuse ``action`` to the function's role (``role``: its
    logical id, or its ``aws_iam_role`` name)? KMS needs a key policy statement that allows the
    role, or the account (then the role's IAM policy decides). False when the policy lets
    anyone or the account, or cannot be read here; its conditions are taken as holding."""
    if tpl.source is None or tpl.kind == "chalice":
        return False
    if tpl.kind == "terraform":
        ev = tpl.source[1]
        body = ev.resources.get("aws_kms_key", {}).get(key.removeprefix("aws_kms_key.")) or {}
        policy: Any = ev.value(body["policy"]) if body.get("policy") is not None else None
        role_arn = str(ev.attribute("aws_iam_role", role, "arn")) if role and role in ev.resources.get("aws_iam_role", {}) else ""
        text: Any = str
    else:
        resolver = tpl.source[1]
        policy = follow(resolver.resources.get(key), ["Properties", "KeyPolicy"])
        role_arn = resolver.get_att(role, "Arn") if role and role in resolver.resources else ""
        text = resolver.str
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError:
            return False
    statements = policy.get("Statement") if isinstance(policy, dict) else None
    if not isinstance(statements, (list, dict)):
        # NOTE: no key policy is the default one, which lets the account's IAM policies decide.
        return False
    for st in statements if isinstance(statements, list) else [statements]:
        if not isinstance(st, dict) or st.get("Effect") != "Allow":
            continue
        actions = st.get("Action")
        actions = [actions] if isinstance(actions, str) else actions if isinstance(actions, list) else []
        if any(isinstance(a, str) and action_matches(a, action) for a in actions) and _lets(st.get("Principal"), role, role_arn, text):
            return False
    return True


def _lets(principal: Any, role: str | None, role_arn: str, text: Any) -> bool:
    """Does a key policy statement's Principal take in the role: anyone, the account (its IAM
    policies decide), or the role itself (``!GetAtt Role.Arn``, or its ARN)?"""
    if principal == "*":
        return True
    given = principal.get("AWS") if isinstance(principal, dict) else None
    for value in given if isinstance(given, list) else [given] if given is not None else []:
        att = value.get("Fn::GetAtt") if isinstance(value, dict) else None
        if isinstance(att, (str, list)):
            if (att.split(".", 1) if isinstance(att, str) else att)[0] == role:
                return True
            continue
        arn = text(value)
        if arn == "*" or arn.endswith(":root") or re.fullmatch(r"\d{12}|\$\{AWS::AccountId\}", arn):
            return True
        # NOTE: the role by an ARN the policy builds (!Sub ...:role/${RoleName}, aws_iam_role.fn.arn).
        if role_arn and intersects(arn, role_arn):
            return True
    return False


ENCRYPTION_HEADER = "s3:x-amz-server-side-encryption"
"""the condition key of the request's ``ServerSideEncryption``, which bucket policies deny
uploads without (S3 User Guide, "Requiring server-side encryption")."""
UPLOADS = ("PutObject", "CreateMultipartUpload", "CopyObject")
"""the S3 operations that carry an upload's ``ServerSideEncryption``."""


def upload_refusals(tpl: Template, calls: Any) -> list[tuple[Any, str]]:
    """The uploads a bucket policy of the template refuses, each with why: a Deny of
    s3:PutObject to anyone whose condition on ``s3:x-amz-server-side-encryption`` the call's
    ``ServerSideEncryption`` meets (``Null`` true: none given; ``StringNotEquals``: another
    value, or none). A call whose request is not known whole, or whose bucket is not surely
    the policy's, is given the benefit of the doubt."""
    rules: list[tuple[str, str, tuple[str, ...] | None]] = []
    for name, bucket, doc in _bucket_policies(tpl):
        statements = doc.get("Statement") if isinstance(doc, dict) else None
        for st in statements if isinstance(statements, list) else [statements] if isinstance(statements, dict) else []:
            if not isinstance(st, dict) or st.get("Effect") != "Deny" or st.get("Principal") not in ("*", {"AWS": "*"}, {"AWS": ["*"]}):
                continue
            actions = st.get("Action")
            actions = [actions] if isinstance(actions, str) else actions if isinstance(actions, list) else []
            if not any(isinstance(a, str) and action_matches(a, "s3:PutObject") for a in actions):
                continue
            for operator, tests in (st.get("Condition") or {}).items() if isinstance(st.get("Condition"), dict) else ():
                wanted = tests.get(ENCRYPTION_HEADER) if isinstance(tests, dict) else None
                values = tuple(str(w) for w in (wanted if isinstance(wanted, list) else [wanted])) if wanted is not None else ()
                if operator == "Null" and [v.lower() for v in values] == ["true"]:
                    rules.append((name, bucket, None))
                elif operator in ("StringNotEquals", "StringNotEqualsIfExists") and values:
                    rules.append((name, bucket, values))
    out: list[tuple[Any, str]] = []
    for call in calls if rules else ():
        if call.client != "s3" or call.operation not in UPLOADS or "**" in call.params:
            continue
        given = call.params.get("ServerSideEncryption")
        bucket = call.params.get("Bucket")
        for name, policy_bucket, allowed in rules:
            # NOTE: only an upload surely to this bucket: one whose bucket is not known may go elsewhere.
            if not isinstance(bucket, str) or not covers(policy_bucket, bucket):
                continue
            if given is None:
                out.append((call, f"the bucket policy {name} denies uploads to {policy_bucket} without ServerSideEncryption"))
                break
            if allowed is not None and isinstance(given, str) and "*" not in given and given not in allowed:
                out.append((call, f"the bucket policy {name} denies uploads to {policy_bucket} with ServerSideEncryption "
                                  f"other than {', '.join(allowed)}"))
                break
    return out


def _bucket_policies(tpl: Template) -> list[tuple[str, str, Any]]:
    """(name, bucket name, policy document) of the bucket policies the template defines:
    ``AWS::S3::BucketPolicy`` (also in serverless.yml's resources), ``aws_s3_bucket_policy``;
    a Chalice app defines none."""
    if tpl.source is None or tpl.kind == "chalice":
        return []
    if tpl.kind == "terraform":
        ev = tpl.source[1]
        out = []
        for name, body in sorted(ev.resources.get("aws_s3_bucket_policy", {}).items()):
            doc = ev.value(body["policy"]) if body.get("policy") is not None else None
            if isinstance(doc, str):
                try:
                    doc = json.loads(doc)
                except ValueError:
                    continue
            out.append((f"aws_s3_bucket_policy.{name}", ev.string(body.get("bucket")), doc))
        return out
    resolver = tpl.source[1]
    return [
        (logical, resolver.str((res.get("Properties") or {}).get("Bucket")), resolver.value((res.get("Properties") or {}).get("PolicyDocument")))
        for logical, res in sorted(resolver.resources.items())
        if isinstance(res, dict) and res.get("Type") == "AWS::S3::BucketPolicy"
    ]
