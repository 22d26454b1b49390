"""boto3 semantics for the analyser: what a client, resource, collection or helper call does.

Everything here is read from the catalogue (botocore service models, boto3 resource models,
``data/helpers.yaml``): there is no per-service code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import unquote

from lpgen.calls.model import OWN_PLACE
from lpgen.calls.values import (
    UNKNOWN_VALS,
    Client,
    Collection,
    Const,
    DictV,
    Helper,
    Resource,
    Response,
    SeqV,
    Str,
    Token,
    Unknown,
    V,
    Vals,
    cover,
    strings,
    vals,
)
from lpgen.data_files import load_table
from lpgen.permissions import service_models

CLIENT_GENERIC = {
    "close", "can_paginate", "get_available_paginators", "get_available_waiters",
    "exceptions", "meta", "waiter_names", "register", "unregister",
}


@cache
def _xform(name: str) -> str:
    from botocore import xform_name

    return str(xform_name(name))


@cache
def helper_table(service: str, owner: str) -> dict[str, Any]:
    """Injected helpers of ``service`` on ``owner`` (``client``, ``Bucket``, ``Object``, …)."""
    table: dict[str, Any] = load_table("helpers.yaml") or {}
    return (table.get(service) or {}).get(owner) or {}


@cache
def library_model(name: str) -> dict[str, Any] | None:
    """What a library function or class does with AWS (data/libraries.yaml), or None.

    ``{"calls": [...]}`` for a function (or a constructor), plus ``"methods": {name: [...]}``
    for a class whose instances make calls.
    """
    table: dict[str, Any] = load_table("libraries.yaml") or {}
    entry = table.get(name)
    if entry is None:
        return None
    if isinstance(entry, list):
        return {"calls": entry}
    return dict(entry)


@cache
def modelled_packages() -> frozenset[str]:
    """Top-level packages lpgen models rather than reads: the AWS SDK's, and those
    ``data/libraries.yaml`` describes. A copy in the project's folder (``pip install -t``
    into the function's code) is still the library."""
    table: dict[str, Any] = load_table("libraries.yaml") or {}
    return frozenset({"boto3", "aioboto3", "botocore", "aiobotocore", "s3transfer"} | {
        k.split(".")[0] for k in table if not k.startswith("@")})


def _per_operation(section: str, service: str, operation: str) -> dict[str, Any]:
    """A section of helpers.yaml keyed by service, then operation: the operation's entry."""
    table: dict[str, Any] = load_table("helpers.yaml") or {}
    return ((table.get(section) or {}).get(service) or {}).get(operation) or {}


@cache
def not_found_request(service: str, operation: str) -> dict[str, Any] | None:
    """The request whose permission lets a caller of ``operation`` see that what it asks for
    does not exist (``not_found`` in helpers.yaml: S3 answers a missing key with 404 only to a
    caller that may list the bucket): ``{operation, params: {member: call's member}}``, or None."""
    return dict(_per_operation("not_found", service, operation)) or None


def _resource_name(text: str) -> str:
    """The resource name in an ``arn:…:type:name[:qualifier]`` ARN, or a bare name itself."""
    if not text.startswith("arn:"):
        return text if ":" not in text else "*"
    parts = text.split(":")
    return parts[6] if len(parts) > 6 and "*" not in parts[6] else "*"


@cache
def field_request(service: str, operation: str, field: str) -> dict[str, Any] | None:
    """The request whose permission a service asks before it returns ``field`` in the
    response of ``operation`` (``response_fields`` in helpers.yaml), or None."""
    found = _per_operation("response_fields", service, operation).get(field)
    return dict(found) if found else None


@cache
def unmodelled_aws_name(name: str) -> str | None:
    """The module of ``@aws-namespaces`` (libraries.yaml) that ``name`` is under, when no entry
    models it and it is not among the namespace's names that make no AWS call; else None."""
    table: dict[str, Any] = load_table("libraries.yaml") or {}
    if name in table:
        return None
    for namespace, harmless in (table.get("@aws-namespaces") or {}).items():
        if name.startswith(namespace + "."):
            rest = name[len(namespace) + 1 :]
            last = rest.rpartition(".")[2]
            if not last.startswith("_") and not any(
                rest == h or rest.startswith(h + ".") or last == h for h in harmless or ()
            ):
                return str(namespace)
    return None


@cache
def value_method_calls(method: str) -> tuple[Any, ...]:
    """The calls a method of a library value makes whatever the value (``@value-methods``
    in libraries.yaml: ``to_csv`` of an ``s3://`` path)."""
    table: dict[str, Any] = load_table("libraries.yaml") or {}
    return tuple((table.get("@value-methods") or {}).get(method) or ())


@cache
def route_event(library: str, method: str) -> dict[str, Any] | None:
    """What a library passes the function a decorator ``method`` of its object ``library``
    registers (``@route-events`` in libraries.yaml): an object whose attributes are made of
    the decorator's arguments (Chalice's S3 event, its bucket and key), or None."""
    table: dict[str, Any] = load_table("libraries.yaml") or {}
    return (table.get("@route-events") or {}).get(f"{library}.{method}")


@cache
def makes_own_function(library: str, method: str) -> bool:
    """Does the decorator ``method`` of a ``library`` object make the function a Lambda
    function of its own (``@own-functions`` in libraries.yaml: Chalice's event handlers),
    which no other handler of the app calls?"""
    table: dict[str, Any] = load_table("libraries.yaml") or {}
    return f"{library}.{method}" in set(table.get("@own-functions") or ())


@cache
def signed_services() -> dict[str, str]:
    """The boto3 client whose catalogue entries describe requests signed for each SigV4
    signing name (``es`` → ``opensearch``), from ``@signed-services`` in libraries.yaml."""
    table: dict[str, Any] = load_table("libraries.yaml") or {}
    return dict(table.get("@signed-services") or {})


def library_value(value: Vals, transform: str | None) -> Vals:
    """A library argument as the request parameter it becomes (``s3://b/k`` → parts)."""
    from lpgen.permissions.arns import split_s3_uri

    if transform == "keys":
        # NOTE: a dict argument whose keys are the names (``{"/app/a": {}, "/app/b": {}}``).
        out: list[V] = []
        for d in value:
            if isinstance(d, DictV):
                names: list[Vals] = [(Str(k),) for k, _ in d.items]
                out.append(SeqV(tuple(names) + ((Unknown(),),) if d.open else tuple(names)))
            else:
                out.append(SeqV((UNKNOWN_VALS,), True))
        return tuple(out) or UNKNOWN_VALS
    if transform == "table_map":
        # NOTE: a batch request keyed by table (RequestItems) for the one table named.
        return tuple(DictV(((s, UNKNOWN_VALS),)) for s in strings(value)) or UNKNOWN_VALS
    if transform and transform.startswith("query:"):
        # NOTE: a URL's query parameter, decoded (``?name=%2Fapp%2Fdb`` → ``/app/db``).
        return tuple(Str(query_value(s, transform[6:])) for s in strings(value)) or UNKNOWN_VALS
    if transform and transform.startswith("after:"):
        # NOTE: the URL path segment after a fixed part (``/applications/orders/…`` → ``orders``).
        return tuple(Str(segment_after(s, transform[6:])) for s in strings(value)) or UNKNOWN_VALS
    if transform not in ("s3_bucket", "s3_key", "path_bucket", "path_key"):
        return value
    out = []
    for s in strings(value):
        # NOTE: a path_ transform takes ``bucket/key`` with or without ``s3://`` (s3fs), or
        # ``/bucket/key`` (s3path's S3Path).
        uri = s if s.startswith("s3://") or not transform.startswith("path_") else "s3://" + s.lstrip("/")
        bucket, key = split_s3_uri(uri) or ("*", "*")
        # NOTE: a prefix (``s3://b/raw/``) stands for every object under it.
        out.append(Str(bucket if transform.endswith("_bucket") else (key or "*") + ("*" if key.endswith("/") else "")))
    return tuple(out)


def segment_after(url: str, marker: str) -> str:
    """The path segment of a URL pattern that follows ``marker``, decoded; ``*`` when the URL
    does not show it."""
    rest = url.partition("?")[0].partition(marker)[2]
    return unquote(rest.split("/", 1)[0]) or "*" if marker in url else "*"


def query_value(url: str, name: str) -> str:
    """The value of query parameter ``name`` in a URL pattern, percent-decoded; ``*`` when the
    URL does not show it."""
    query = url.partition("?")[2]
    for part in query.split("&"):
        key, _, value = part.partition("=")
        if key == name:
            return unquote(value) or "*"
    return "*"


@cache
def response_templates(service: str, operation: str) -> dict[str, str]:
    """Response fields that follow from the request (``sqs GetQueueUrl → QueueUrl``)."""
    return _per_operation("responses", service, operation)


_TPL = re.compile(r"\$\{([^}]+)\}")


def response_value(
    resp: Response, key: str, scope: dict[str, str | None], parameters: Mapping[str, str] | None = None
) -> Vals | None:
    """The value of ``resp[key]`` when the catalogue says how it follows from the request.

    Templates are strings (``${QueueName}``), or lists and dicts of them for structured
    fields: ``Contents: [{Key: "${Prefix}*"}]`` says every listed key starts with the prefix.
    """
    templates = response_templates(resp.client, resp.operation)
    if key.startswith("[") and "]" in key and "," in key.partition("]")[0]:
        # NOTE: a multiselect of the resource model (``[Versions,DeleteMarkers]|[].Key``): what
        # each of the fields gives.
        fields, _, rest = key[1:].partition("]")
        rest = rest.removeprefix("|")
        found = [v for f in fields.split(",") for v in response_value(resp, f.strip() + rest, scope, parameters) or ()]
        return vals(*found) if found else None
    template = templates.get(key)
    if template is None and ("." in key or "[" in key):
        # NOTE: a JMESPath-like path of the resource model (``Contents[].Key``): walk the
        # structured template; a list stands for each of its items.
        node: Any = templates
        for part in key.replace("[]", "").split("."):
            while isinstance(node, list):
                node = node[0] if node else None
            node = node.get(part) if isinstance(node, dict) else None
        template = node
        if key.endswith("[]") and isinstance(template, list):
            template = template[0] if template else None  # NOTE: one item of the list
    if template is None:
        return None
    return from_request(template, resp, scope, parameters)


def from_request(
    template: Any, resp: Response, scope: dict[str, str | None], parameters: Mapping[str, str] | None = None
) -> Vals:
    """A template of ``response_value`` filled from the request ``resp`` answers: ``${Member}``
    (``${A|B}`` the first given, ``${A|'text'}`` the text when A is not given, ``${Member#name}``
    the resource name of an ARN), ``${Region}``, ``${Account}`` and ``${Partition}`` from the
    call or the scope, else ``OWN_PLACE``'s; ``${@ssm Member}`` the value ``parameters`` (the
    SSM parameters the function's template makes) gives the parameter the member names;
    anything else not given is ``*``. A template that starts ``@token `` is an opaque id
    standing for the ARN that follows (a ``Token``)."""
    request = dict(resp.request)

    def sub(m: re.Match[str]) -> str:
        if m.group(1).startswith("@ssm "):
            named = strings(request.get(m.group(1)[5:], ()))
            given = [(parameters or {}).get(n) for n in named]
            return cover([v for v in given if v is not None]) if named and None not in given else "*"
        for spec in m.group(1).split("|"):
            if len(spec) > 1 and spec[0] == spec[-1] == "'":
                return spec[1:-1]
            name, _, part = spec.partition("#")
            if name in request:
                # NOTE: a request made with several values (prefixes) gives one pattern for all;
                # ``#name`` takes the resource name of an ``arn:…:type:name[:qualifier]`` ARN.
                texts = strings(request[name])
                if part == "name":
                    texts = [_resource_name(t) for t in texts]
                return cover(texts)
            if name == "Region" and (resp.region or scope.get("region")):
                return str(resp.region or scope.get("region"))
            if name in ("Account", "Partition") and scope.get(name.lower()):
                return str(scope.get(name.lower()))
            if name in OWN_PLACE:
                return OWN_PLACE[name]
        return "*"

    def build(t: Any) -> Vals:
        if isinstance(t, list):
            return (SeqV((build(t[0]) if t else (Unknown(),),), True),)
        if isinstance(t, dict):
            return (DictV(tuple((str(k), build(v)) for k, v in t.items()), True),)
        text = str(t)
        if text.startswith("@token "):
            return (Token(re.sub(r"\*+", "*", _TPL.sub(sub, text[7:]))),)
        return (Str(re.sub(r"\*+", "*", _TPL.sub(sub, text))),)

    return build(template)


@cache
def resource_definition(service: str, rtype: str | None) -> dict[str, Any] | None:
    """The boto3 resource model block of a resource type (None: the service resource)."""
    model = service_models.resource_model(service)
    if model is None:
        return None
    if rtype is None:
        return dict(model.get("service", {}))
    return dict(model.get("resources", {}).get(rtype, {})) or None


def sub_resource_names(defn: dict[str, Any], service: str | None = None) -> dict[str, dict[str, Any]]:
    """``has`` entries keyed by the attribute name boto3 exposes (``Table``, ``Object``).

    The service resource also constructs every resource type of the model from its
    identifiers (``s3.Object(bucket, key)``), as boto3's resource factory does.
    """
    out = dict(defn.get("has", {}))
    if service is not None:
        model = service_models.resource_model(service) or {}
        for name, rdef in (model.get("resources") or {}).items():
            if name not in out:
                ids = [{"target": i["name"], "source": "input"} for i in rdef.get("identifiers", ())]
                out[name] = {"resource": {"type": name, "identifiers": ids}}
    return out


def action_names(defn: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """``{python method: (model name, action)}``."""
    return {_xform(name): (name, a) for name, a in defn.get("actions", {}).items()}


def collection_names(defn: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``{python attribute: hasMany entry}``."""
    return {_xform(name): c for name, c in defn.get("hasMany", {}).items()}


@dataclass(frozen=True)
class ResourceType:
    """What a resource type's model says, keyed by the Python names boto3 exposes; built
    once per type (read-only: the dicts are shared)."""

    definition: dict[str, Any]
    identifiers: dict[str, str]
    """python attribute → identifier name (``bucket_name`` → ``BucketName``)."""
    sub_resources: dict[str, dict[str, Any]]
    actions: dict[str, tuple[str, dict[str, Any]]]
    collections: dict[str, dict[str, Any]]


@cache
def resource_type(service: str, rtype: str | None) -> ResourceType:
    """The model of ``service``'s resource ``rtype`` (None: the service resource)."""
    defn = resource_definition(service, rtype) or {}
    return ResourceType(
        defn,
        {_xform(i["name"]): i["name"] for i in defn.get("identifiers", ())},
        sub_resource_names(defn, service if rtype is None else None),
        action_names(defn),
        collection_names(defn),
    )


@cache
def shape_members(service: str, rtype: str | None) -> frozenset[str]:
    """Python attribute names a resource loads from its shape (``item_count``)."""
    shape = (resource_definition(service, rtype) or {}).get("shape")
    if not shape:
        return frozenset()
    return frozenset(_xform(m) for m in service_models.shape_member_names(service, shape))


def request_params(
    request: dict[str, Any], parent: Resource, kwargs: dict[str, Vals]
) -> dict[str, Vals]:
    """Build an action's request parameters from the resource's identifiers and kwargs."""
    params: dict[str, Vals] = dict(kwargs)
    for p in request.get("params", ()):
        target = p["target"]
        if p.get("source") == "identifier":
            v = parent.ident(p["name"])
            value: Vals = v if v is not None else (Unknown(),)
        elif p.get("source") == "string":
            value = (Str(str(p.get("value"))),)
        elif "value" in p:
            value = (Const(p.get("value")),)
        else:
            value = (Unknown(),)
        _set_path(params, target, value)
    return params


def _set_path(params: dict[str, Vals], target: str, value: Vals) -> None:
    """Set ``Delete.Objects[*].Key``-style targets; nested parts become dict values."""
    parts = [p for p in re.split(r"\.|\[\d*\*?\]", target) if p]
    if len(parts) == 1:
        params[parts[0]] = value
        return
    inner: Vals = value
    for part in reversed(parts[1:]):
        inner = (DictV(((part, inner),)),)
    head = parts[0]
    existing = params.get(head)
    params[head] = _merged(existing, inner) if existing else inner


def _merged(old: Vals, new: Vals) -> Vals:
    """``new`` set into ``old``, structures merged at every depth: ``Delete.Objects[*].Key``
    and then ``Delete.Objects[*].VersionId`` make one object of both."""
    if len(old) == 1 and len(new) == 1 and isinstance(old[0], DictV) and isinstance(new[0], DictV):
        merged = dict(old[0].items)
        for k, v in new[0].items:
            merged[k] = _merged(merged[k], v) if k in merged else v
        return (DictV(tuple(merged.items())),)
    return new


def new_resource(
    service: str,
    spec: dict[str, Any],
    parent: Resource,
    args: list[Vals],
    kwargs: dict[str, Vals],
    request: dict[str, Vals] | None = None,
    response: Response | None = None,
    scope: dict[str, str | None] | None = None,
) -> Resource:
    """A resource created by ``has``, an action's ``resource`` or a collection item."""
    rtype = spec.get("type")
    ids: list[tuple[str, Vals]] = []
    positional = list(args)
    for ident in spec.get("identifiers", ()):
        target = ident["target"]
        src = ident.get("source")
        if src == "input":
            if positional:
                value = positional.pop(0)
            else:
                value = kwargs.get(target) or kwargs.get(_xform(target)) or (Unknown(),)
        elif src == "identifier":
            value = parent.ident(ident["name"]) or (Unknown(),)
        elif src == "requestParameter" and request is not None:
            value = request.get(ident.get("path", ""), (Unknown(),))
        elif src == "response" and response is not None:
            value = response_value(response, ident.get("path", ""), scope or {}) or (Unknown(),)
        else:
            value = (Unknown(),)
        ids.append((target, value))
    # NOTE: a reference with a path takes the resource's data from the response (boto3's
    # ResourceHandler): a listing's items come loaded.
    return Resource(service, rtype, tuple(ids), parent.region, parent.assumed, bool(spec.get("path")) and response is not None)


def client_of(value: V) -> Client | None:
    """The client a resource, helper or client stands on."""
    if isinstance(value, Client):
        return value
    if isinstance(value, Resource):
        return Client(value.service, value.region, value.assumed)
    if isinstance(value, Collection):
        return client_of(value.parent)
    if isinstance(value, Helper):
        return client_of(value.client)
    return None


def literal(values: Vals) -> str | None:
    """The one fully known string of ``values``, else None."""
    pats = [v.pattern for v in values if isinstance(v, Str)]
    if len(pats) == 1 and len(values) == 1 and "*" not in pats[0]:
        return pats[0]
    return None


SERVICE_ALIASES = {"runtime.sagemaker": "sagemaker-runtime"}
"""earlier names boto3 still makes clients for, and the service each names: botocore's
``utils.SERVICE_NAME_ALIASES`` (read here without importing botocore)."""


def service_name(values: Vals) -> list[str | None]:
    """Service names a ``boto3.client(...)`` argument can hold (None: not known)."""
    out: list[str | None] = []
    for v in values:
        if isinstance(v, Str) and "*" not in v.pattern:
            out.append(SERVICE_ALIASES.get(v.pattern, v.pattern))
        else:
            out.append(None)
    return list(dict.fromkeys(out)) or [None]


def client_has_method(client: Client, method: str) -> bool:
    """Does a client of this (known) service have ``method``: an operation, a helper boto3
    injects, a paginator or waiter factory, or one of every client's own methods?"""
    if client.service is None:
        return False
    return (
        method in CLIENT_GENERIC or method in MODEL_HELPERS or method == "generate_presigned_url"
        or method in helper_table(client.service, "client")
        or method in service_models.operations(client.service)
    )


MODEL_HELPERS = {"get_paginator": ("paginator", service_models.paginators),
                 "get_waiter": ("waiter", service_models.waiters)}
"""Client methods that return a helper bound to one operation: (kind, the service's
``{name: operation}`` table)."""


def model_helper(client: Client, method: str, name: Vals) -> Vals:
    """``client.get_paginator(name)`` or ``client.get_waiter(name)``."""
    assert client.service is not None
    kind, names = MODEL_HELPERS[method]
    table = names(client.service)
    out: list[V] = []
    for n in strings(name):
        op = table.get(n)
        out.append(Helper(kind, client, op) if op else Unknown(f"{kind} {n!r}"))
    return vals(*out)
