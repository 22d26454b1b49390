"""boto3's semantics for the interpreter: clients, resources, collections, helpers, and the
calls libraries make. Which operation each of these reaches comes from ``lpgen.calls.aws``
(botocore's and boto3's models, ``data/helpers.yaml``, ``data/libraries.yaml``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lpgen.calls import aws
from lpgen.calls.model import MAYBE_ABSENT, OWN_PLACE, ApiCall, Location
from lpgen.calls.values import (
    UNKNOWN_VALS,
    Builtin,
    Client,
    Collection,
    Const,
    DictV,
    Helper,
    LibObject,
    Resource,
    Response,
    SeqV,
    Session,
    Str,
    Unknown,
    V,
    Vals,
    strings,
    to_param,
    vals,
)
from lpgen.permissions import service_models

if TYPE_CHECKING:
    from lpgen.calls.interp import Frame


ENDPOINT = "@endpoint"
"""a request key holding the client's ``endpoint_url``, for the services whose resource it
names (``ENDPOINT_NAMED``)."""

ENDPOINT_NAMED = frozenset({"apigatewaymanagementapi"})
"""clients whose endpoint URL is the API they call (``https://ID.execute-api.REGION.amazonaws.com/STAGE``)."""


def regions_named(given: Vals, default: str | None) -> list[str | None]:
    """The Regions a ``region_name`` argument names: one client or session is made for each
    (``for region in REGIONS``). A Region only a response gives (every Region
    DescribeRegions lists), or text not fully known (a variable with no value here), is any
    Region, ``*``; the function's own Region (``OWN_PLACE``) is ``default``."""
    if any(isinstance(v, Unknown) for v in given):
        return ["*"]
    named = strings(tuple(v for v in given if isinstance(v, Str)))
    if any("*" in r for r in named):
        return ["*"]
    if named:
        # NOTE: the function's own Region (its AWS_REGION when no Region is given) is the default.
        return sorted({default if r == OWN_PLACE["Region"] else r for r in named}, key=lambda r: r or "")
    return [default]


def keys_given(kwargs: dict[str, Vals]) -> bool:
    """Does a client or session get credentials of its own (``aws_access_key_id=…``, an
    assumed role's)? Not when the key may be None (``os.environ.get("DEV_KEY")``, unset
    in the function): boto3 then takes the function's role."""
    return any(
        key in kwargs and not any(isinstance(v, Const) and v.value is None for v in kwargs[key])
        for key in ("aws_access_key_id", "aws_session_token")
    )


class BotoCalls:
    """The part of ``Analyzer`` that knows boto3; it relies on the interpreter's ``ev``,
    ``call_values``, ``_loc``, ``_unresolved``, ``scope`` and ``calls``."""

    calls: list[ApiCall]
    scope: dict[str, str | None]
    environment: Any
    """the analysed process's environment (``default_sessions``: boto3's default session)."""

    def _loc(self, frame: Frame | None, node: Any) -> Location:
        raise NotImplementedError

    def _unresolved(self, frame: Frame, node: Any, reason: str, service: str = "") -> None:
        raise NotImplementedError

    def class_meta(self, value: Vals, key: str) -> Vals:
        raise NotImplementedError

    def call_values(self, callee: Vals, args: list[Vals], kwargs: dict[str, Vals], node: Any, frame: Frame | None) -> Vals:
        raise NotImplementedError

    def make_boto(
        self, f: Builtin, args: list[Vals], kwargs: dict[str, Vals], node: Any, frame: Frame | None
    ) -> Vals:
        """``boto3.client(...)``, ``boto3.resource(...)`` and their Session forms."""
        is_resource = f.name.endswith("resource")
        # NOTE: boto3.client() is the default session's: boto3's own, or the one
        # setup_default_session() made.
        sessions = (f.bound,) if isinstance(f.bound, Session) else self.environment.default_sessions or (Session(),)
        session = sessions[0]
        names = args[0] if args else kwargs.get("service_name", UNKNOWN_VALS)
        regions: list[str | None] = list(dict.fromkeys(s.region for s in sessions))
        written = self.environment.written.get("AWS_DEFAULT_REGION") if None in regions else None
        if written:
            # NOTE: botocore takes a session's Region from AWS_DEFAULT_REGION, which the code
            # may set itself (os.environ["AWS_DEFAULT_REGION"] = …) before it makes the client.
            regions = sorted({*regions, *regions_named(written, None)}, key=lambda r: r or "")
        if "region_name" in kwargs:
            regions = regions_named(kwargs["region_name"], session.region)
        elif "config" in kwargs:
            # NOTE: botocore takes the config's Region when the call gives none.
            configured = {r for c in kwargs["config"] if isinstance(c, Builtin) and c.name.endswith("client config") for r in c.bound}
            if configured and None not in configured:
                regions = sorted(configured)
        # NOTE: an UNSIGNED client (every config it may get says so) sends anonymous requests:
        # they use none of the role's permissions, as a client with keys of its own uses none.
        unsigned = bool(kwargs.get("config")) and all(
            isinstance(c, Builtin) and c.name == "unsigned client config" for c in kwargs["config"])
        assumed = any(s.assumed for s in sessions) or keys_given(kwargs) or unsigned
        endpoint = None
        if "endpoint_url" in kwargs:
            urls = strings(kwargs["endpoint_url"])
            endpoint = urls[0] if len(urls) == 1 else "*"
        out: list[V] = []
        for svc in aws.service_name(names):
            if svc is None:
                if frame is not None:
                    self._unresolved(frame, node, f"boto3.{'resource' if is_resource else 'client'}() with a service name that is not known statically")
                out.append(Client(None, regions[0], assumed))
            elif is_resource:
                out.extend(Resource(svc, None, (), region, assumed) for region in regions)
            else:
                out.extend(Client(svc, region, assumed, endpoint) for region in regions)
        return vals(*out)

    def record(self, client: Client, operation: str, params: dict[str, Vals], node: Any, frame: Frame | None, via: str = "") -> Response:
        """Remember one API call."""
        assert client.service is not None
        given = sorted(item for item in params.items() if item[0] != "**")
        data = {k: to_param(v) for k, v in given}
        if "**" in params:
            data["**"] = to_param(UNKNOWN_VALS)
        if client.endpoint is not None and client.service in ENDPOINT_NAMED:
            data[ENDPOINT] = client.endpoint
        loc = self._loc(frame, node) if frame is not None else Location("", 0, "")
        self.calls.append(
            ApiCall(client.service, operation, data, loc, client.region, via, client.assumed)
        )
        return Response(client.service, operation, tuple(given), client.region)

    def read_field(self, resp: Response, field: str, node: Any, frame: Frame | None) -> None:
        """The code reads ``field`` of a response: a field the service returns only to a
        caller with another permission (``aws.field_request``) needs that request's too."""
        spec = aws.field_request(resp.client, resp.operation, field)
        if spec is None:
            return
        params = {target: aws.from_request(template, resp, self.scope) for target, template in spec["params"].items()}
        self.record(Client(resp.client, resp.region), spec["operation"], params, node, frame, f"reads {field}")

    def see_not_found(self, calls: list[ApiCall]) -> None:
        """The code tells a missing resource from other errors after these calls (or a waiter
        waits for one): each call whose "not found" answer needs another permission
        (``aws.not_found_request``) is joined by that request."""
        for c in calls:
            spec = aws.not_found_request(c.client, c.operation)
            if spec is not None:
                params = {target: c.params[source] for target, source in spec["params"].items() if source in c.params}
                why = spec.get("why") or "so that a missing resource is not found, not denied"
                loc = Location(c.location.path, c.location.line, f"{c.location.text} ({why})")
                self.calls.append(ApiCall(c.client, spec["operation"], params, loc, c.region, why, c.assumed_role))

    def client_call(
        self, client: Client, method: str, args: list[Vals], kwargs: dict[str, Vals], node: Any, frame: Frame | None
    ) -> Vals:
        if client.service is None:
            if frame is not None and method not in aws.CLIENT_GENERIC:
                self._unresolved(frame, node, f".{method}() on a client whose service is not known statically")
            return UNKNOWN_VALS
        svc = client.service
        if method in aws.MODEL_HELPERS:
            return aws.model_helper(client, method, args[0] if args else next(iter(kwargs.values()), UNKNOWN_VALS))
        if method == "generate_presigned_url":
            target = args[0] if args else kwargs.get("ClientMethod", UNKNOWN_VALS)
            params_v = args[1] if len(args) > 1 else kwargs.get("Params", (DictV(()),))
            params: dict[str, Vals] = {}
            for d in params_v:
                if isinstance(d, DictV):
                    params.update(d.items)
            for m in strings(target):
                info = service_models.operations(svc).get(m)
                if info is None:
                    if frame is not None:
                        self._unresolved(frame, node, f"generate_presigned_url for {m!r}, not an operation of {svc}", svc)
                    continue
                self.record(client, info.operation, params, node, frame, "presigned URL")
            return (Str("*"),)
        if method == "_make_api_call":
            # NOTE: botocore's own entry for every client method: the API name and the
            # request dict (code calling it directly skips the snake-case method).
            request: dict[str, Vals] = {}
            for d in args[1] if len(args) > 1 else kwargs.get("api_params", ()):
                if isinstance(d, DictV):
                    request.update(d.items)
                    if d.open:
                        request["**"] = UNKNOWN_VALS
            for name in strings(args[0] if args else kwargs.get("operation_name", UNKNOWN_VALS)):
                op_info = service_models.operation_by_name(svc, name)
                if op_info is None:
                    if frame is not None:
                        self._unresolved(frame, node, "_make_api_call with an operation name that is not known statically"
                                         if "*" in name else f"_make_api_call of {name!r}, not an operation of {svc}", svc)
                    continue
                self.record(client, op_info.operation, request, node, frame)
            return UNKNOWN_VALS
        helper = aws.helper_table(svc, "client").get(method)
        if helper is not None:
            return self._helper(client, helper, None, args, kwargs, node, frame)
        info = service_models.operations(svc).get(method)
        if info is not None:
            return (self.record(client, info.operation, kwargs, node, frame),)
        if method not in aws.CLIENT_GENERIC and frame is not None:
            self._unresolved(frame, node, f"{svc} client has no method {method!r}", svc)
        return UNKNOWN_VALS

    def _helper(
        self, client: Client, helper: dict[str, Any], res: Resource | None, args: list[Vals],
        kwargs: dict[str, Vals], node: Any, frame: Frame | None,
    ) -> Vals:
        if helper.get("returns") == "batch_writer" and res is not None:
            return (Helper("batch_writer", res, "BatchWriteItem"),)
        named = dict(zip(helper.get("args", ()), args))
        named.update(kwargs)
        params: dict[str, Vals] = {}
        for target, source in (helper.get("params") or {}).items():
            if target == "*":
                given = named.get(source, ())
                for d in given:
                    if isinstance(d, DictV):
                        params.update(d.items)
                if any(not isinstance(d, DictV) or d.open for d in given if not (isinstance(d, Const) and d.value is None)):
                    # NOTE: arguments not known (``ExtraArgs=event["args"]``) may hold any member.
                    params["**"] = UNKNOWN_VALS
                continue
            if source.startswith("@") and res is not None:
                value = res.ident(source[1:])
            else:
                value = named.get(source)
            if value is not None:
                params[target] = value
        for placeholder in helper.get("placeholders", ()):
            params = {
                k: tuple(Str(v.pattern.replace(placeholder, "*")) if isinstance(v, Str) else v for v in value)
                for k, value in params.items()
            }
        for op in helper.get("operations", ()):
            # NOTE: each request of a helper carries only what its operation takes (the
            # source of a managed copy goes to CopyObject and UploadPartCopy, not to the
            # multipart calls around them), as boto3's transfer manager sends it.
            info = service_models.operation_by_name(client.service or "", op)
            own = params if info is None else {
                k: v for k, v in params.items() if k in info.input_members or k in ("**", MAYBE_ABSENT)
            }
            self.record(client, op, own, node, frame, "boto3 helper")
        return UNKNOWN_VALS

    def resource_call(
        self, res: Resource, method: str, args: list[Vals], kwargs: dict[str, Vals], node: Any, frame: Frame | None
    ) -> Vals:
        rt = aws.resource_type(res.service, res.rtype)
        defn = rt.definition
        client = Client(res.service, res.region, res.assumed)
        has = rt.sub_resources
        if method in has:
            return (aws.new_resource(res.service, has[method]["resource"], res, args, kwargs),)
        helper = aws.helper_table(res.service, res.rtype or "service").get(method)
        if helper is not None:
            return self._helper(client, helper, res, args, kwargs, node, frame)
        actions = rt.actions
        if method in actions:
            _, action = actions[method]
            request = action.get("request", {})
            params = aws.request_params(request, res, kwargs)
            resp = self.record(client, request["operation"], params, node, frame, "resource action")
            if "resource" in action:
                made = aws.new_resource(res.service, action["resource"], res, args, {}, params, resp, self.scope)
                if "[]" in action["resource"].get("path", ""):
                    # NOTE: a list of resources (queue.receive_messages() gives Messages).
                    return (SeqV(((made,),), homogeneous=True),)
                return (made,)
            return (resp,)
        if method in ("load", "reload"):
            self.resource_load(res, frame, node)
            return (Const(None),)
        if method.startswith("wait_until_"):
            waiter = defn.get("waiters", {}).get(method[len("wait_until_"):].title().replace("_", ""))
            if waiter:
                op = service_models.waiters(res.service).get(aws._xform(waiter["waiterName"]))
                if op:
                    params = aws.request_params({"params": waiter.get("params", [])}, res, kwargs)
                    self.record(client, op, params, node, frame, "waiter")
                    self.see_not_found(self.calls[-1:])
            return (Const(None),)
        if method == "get_available_subresources":
            return UNKNOWN_VALS
        if frame is not None:
            self._unresolved(frame, node, f"{res.service} {res.rtype or 'service resource'} has no method {method!r}", res.service)
        return UNKNOWN_VALS

    def resource_load(self, res: Resource, frame: Frame | None, node: Any) -> None:
        helper = aws.helper_table(res.service, res.rtype or "service").get("load")
        if helper is not None:
            # NOTE: a load boto3 injects (Bucket, ObjectSummary), for an attribute read too.
            self._helper(Client(res.service, res.region, res.assumed), helper, res, [], {}, node, frame)
            return
        load = aws.resource_type(res.service, res.rtype).definition.get("load")
        if load:
            params = aws.request_params(load.get("request", {}), res, {})
            self.record(Client(res.service, res.region, res.assumed), load["request"]["operation"], params, node, frame, "resource load")

    def collection_call(
        self, col: Collection, method: str, args: list[Vals], kwargs: dict[str, Vals], node: Any, frame: Frame | None
    ) -> Vals:
        if method in ("all", "filter", "limit", "page_size"):
            params = dict(col.params)
            if method == "filter":
                params.update(kwargs)
            new = Collection(col.parent, col.name, tuple(sorted(params.items())))
            self.collection_items(new, frame, node)
            return (new,)
        spec = aws.resource_type(col.parent.service, col.parent.rtype).collections.get(col.name, {})
        item_type = spec.get("resource", {}).get("type")
        item_defn = aws.resource_type(col.parent.service, item_type).definition if item_type else {}
        batch = {aws._xform(k): v for k, v in item_defn.get("batchActions", {}).items()}
        if method in batch:
            request = batch[method].get("request", {})
            # NOTE: a batch action's identifiers (BucketName, Delete.Objects[].Key) are the
            # listed items' own: a filtered listing keeps its bucket and prefix.
            item = next((i for i in self.collection_items(col, frame, node) if isinstance(i, Resource)), None)
            params = aws.request_params(request, item or col.parent, kwargs)
            if item is None:
                _fill_batch_identifiers(params, request, col.parent)
            self.record(Client(col.parent.service, col.parent.region, col.parent.assumed), request["operation"], params, node, frame, "batch action")
            return UNKNOWN_VALS
        if method == "pages":
            self.collection_items(col, frame, node)
            return (SeqV((self.collection_items(col, frame, node),), True),)
        return UNKNOWN_VALS

    def collection_items(self, col: Collection, frame: Frame | None, node: Any) -> Vals:
        spec = aws.resource_type(col.parent.service, col.parent.rtype).collections.get(col.name)
        if not spec:
            return UNKNOWN_VALS
        request = spec.get("request", {})
        params = aws.request_params(request, col.parent, dict(col.params))
        resp = self.record(Client(col.parent.service, col.parent.region, col.parent.assumed), request["operation"], params, node, frame, "collection")
        item = aws.new_resource(col.parent.service, spec.get("resource", {}), col.parent, [], {}, params, resp, self.scope)
        return (item,)

    def helper_call(
        self, helper: Helper, method: str, args: list[Vals], kwargs: dict[str, Vals], node: Any, frame: Frame | None
    ) -> Vals:
        client = aws.client_of(helper)
        if client is None:
            return UNKNOWN_VALS
        if helper.kind == "paginator" and method in ("paginate",):
            return (self.record(client, helper.operation, kwargs, node, frame, "paginator"),)
        if helper.kind == "waiter" and method == "wait":
            self.record(client, helper.operation, kwargs, node, frame, "waiter")
            # NOTE: a waiter on a missing resource tells 404 from 200 (object_exists).
            self.see_not_found(self.calls[-1:])
            return (Const(None),)
        if helper.kind == "batch_writer" and method in ("put_item", "delete_item"):
            table = helper.client
            assert isinstance(table, Resource)
            name = table.ident("Name") or UNKNOWN_VALS
            request: dict[str, Vals] = {"RequestItems": (DictV(tuple((n, UNKNOWN_VALS) for n in strings(name))),)}
            self.record(client, "BatchWriteItem", request, node, frame, "batch_writer")
            return (Const(None),)
        return (helper,) if method in ("__enter__",) else UNKNOWN_VALS


    def _library_calls(
        self, specs: Any, name: str, args: list[Vals], kwargs: dict[str, Vals], obj: LibObject | None,
        node: Any, frame: Frame | None,
    ) -> None:
        """Record the AWS calls a library function, constructor or method makes."""
        init_args = list(obj.args) if obj else []
        init_kwargs = dict(obj.kwargs) if obj else {}
        only = (aws.library_model(obj.name) or {}).get("only") if obj else None
        if only and not _library_test(only, init_args, init_kwargs):
            # NOTE: an object that calls AWS only for some constructor arguments (a cloud path's URL).
            return
        for spec in specs:
            whens = spec.get("when", ())
            if not all(_library_test(t, args, kwargs) for t in ([whens] if isinstance(whens, str) else whens)):
                continue  # NOTE: a call the library makes only when the argument says so
            if "unless" in spec and _library_test(spec["unless"], args, kwargs):
                continue
            if "signed" in spec:
                self._signed_request(spec, name, args, kwargs, init_args, init_kwargs, node, frame)
                continue
            params: dict[str, Vals] = {}
            call = (args, kwargs, init_args, init_kwargs)
            for member, source in (spec.get("params") or {}).items():
                value = spec_value(source, *call)
                transform = spec.get("transform", {}).get(member)
                if value is not None and transform and transform.startswith("meta:"):
                    # NOTE: what the Meta class of the model passed names (its table).
                    params[member] = self.class_meta(value, transform[5:])
                elif value is not None:
                    params[member] = aws.library_value(value, transform)
            self.record(Client(spec["client"]), spec["operation"], params, node, frame, f"library {name}")


    def _signed_request(
        self, spec: dict[str, Any], name: str, args: list[Vals], kwargs: dict[str, Vals],
        init_args: list[Vals], init_kwargs: dict[str, Vals], node: Any, frame: Frame | None,
    ) -> None:
        """An HTTP request a library signs with the role's credentials (SigV4): the signing
        service's action for the request's method, on what its URL names. A request with
        no AWS signer (basic auth, none) needs no IAM permission and records nothing."""

        def source(text: str) -> Vals | None:
            return spec_value(text, args, kwargs, init_args, init_kwargs)

        services = aws.signed_services()
        verbs = [v.upper() for v in strings(source(str(spec["signed"])[4:]) or UNKNOWN_VALS)] if str(
            spec["signed"]).startswith("arg:") else [str(spec["signed"])]
        urls = _urls(source(str(spec.get("url", ""))) or UNKNOWN_VALS)
        if "path" in spec:
            # NOTE: a client's request goes to a path its method builds from its arguments
            # (``{index|0}/_search``); a part not given is left out, one not known is *.
            paths = _fill_path(str(spec["path"]), source)
            urls = sorted({u[:-2] + "/" + p if u.endswith("/*") else u for u in urls for p in paths})
        for signer in source(str(spec.get("auth", ""))) or ():
            model = aws.library_model(signer.name) if isinstance(signer, LibObject) else None
            sign = (model or {}).get("signer")
            if not sign or not isinstance(signer, LibObject):
                continue
            signer_args, signer_kwargs = list(signer.args), dict(signer.kwargs)
            given = _library_arg(str(sign.get("service", "")), signer_args, signer_kwargs)
            region = aws.literal(_library_arg(str(sign.get("region", "")), signer_args, signer_kwargs) or ())
            # NOTE: signed for the function's own Region (AWS_REGION, no Region given here).
            region = None if region == OWN_PLACE["Region"] else region
            for service in strings(given) if given is not None else [str(sign.get("default_service", "*"))]:
                client = services.get(service)
                if client is None:
                    if frame is not None:
                        self._unresolved(frame, node, f"a request signed for the service {service!r}, which lpgen does not map")
                    continue
                for verb in verbs:
                    for url in urls:
                        request = (Str(f"{verb if '*' not in verb else '*'} {url}"),)
                        self.record(Client(client, region), "Http" + verb.capitalize() if "*" not in verb else "HttpAny",
                                    {"@request": request}, node, frame, f"library {name}")

    def resource_attr(self, res: Resource, name: str, frame: Frame | None, node: Any = None) -> Vals:
        """``res.name``; an attribute the resource loads from its shape loads it (at ``node``,
        the attribute read, for evidence)."""
        if name == "meta":
            return (Builtin("resource.meta", res),)
        rt = aws.resource_type(res.service, res.rtype)
        ident = rt.identifiers.get(name)
        if ident is not None:
            return res.ident(ident) or UNKNOWN_VALS
        if name in rt.collections:
            return (Collection(res, name),)
        if name in aws.shape_members(res.service, res.rtype) and frame is not None:
            if not res.loaded:
                self.resource_load(res, frame, node)
            return UNKNOWN_VALS
        return (Builtin("resource.method", (res, name)),)


def _fill_batch_identifiers(params: dict[str, Vals], request: dict[str, Any], parent: Resource) -> None:
    for p in request.get("params", ()):
        if p.get("source") == "identifier" and "[" in p["target"]:
            aws._set_path(params, p["target"], UNKNOWN_VALS)



_PLACEHOLDER = re.compile(r"\{([^}]+)\}")


def _fill_path(template: str, source: Callable[[str], Vals | None]) -> list[str]:
    """The paths ``template`` gives with each placeholder's argument values."""
    rows = [""]
    pos = 0
    for m in _PLACEHOLDER.finditer(template):
        given = source(m.group(1))
        values = [str(v) for v in strings(given)] if given is not None and given != (Const(None),) else [""]
        if len(rows) * len(values) > MAX_PATHS:
            values = ["*"]
        rows = [r + template[pos : m.start()] + v for r in rows for v in values]
        pos = m.end()
    rows = [r + template[pos:] for r in rows]
    return sorted({"/".join(part for part in r.split("/") if part) for r in rows})


MAX_PATHS = 12
"""paths one signed call is recorded for; past that, a placeholder's values become *."""


def _urls(given: Vals) -> list[str]:
    """The URLs a library's request goes to: a URL, a host name, or a client's ``hosts``
    (a list of them or of ``{"host": ..., "port": ...}``)."""
    out: list[str] = []
    for v in given:
        if isinstance(v, SeqV):
            out.extend(_urls(tuple(x for item in v.items for x in item)))
        elif isinstance(v, DictV):
            out.extend(_urls(v.get("host") or UNKNOWN_VALS))
        else:
            for text in strings((v,)):
                out.append(text if "://" in text else f"https://{text}/*")
    return sorted(set(out)) or ["*"]


def spec_value(
    source: Any, args: list[Vals], kwargs: dict[str, Vals], init_args: list[Vals], init_kwargs: dict[str, Vals],
) -> Vals | None:
    """The value a library call's spec names: ``"name|0"`` (the keyword, else the position),
    ``"init:…"`` (of the object's constructor), ``"client|0>http_auth"`` (of the constructor
    of the object passed), ``"'text'"`` (a text the library makes itself), or a dict of
    these (a structure of the request); None when the call gives none of them."""
    if isinstance(source, dict):
        inner = {k: v for k, v in ((k, spec_value(src, args, kwargs, init_args, init_kwargs))
                                   for k, src in source.items()) if v is not None}
        return (DictV(tuple(inner.items())),) if inner else None
    for part in str(source).split("|"):
        if len(part) > 1 and part[0] == part[-1] == "'":
            return (Str(part[1:-1]),)
        if ">" in part:
            outer, inner_name = part.split(">", 1)
            # NOTE: the object may have been passed to the constructor ("init:provider>keys").
            passed = _library_arg(outer[5:], init_args, init_kwargs) if outer.startswith("init:") else _library_arg(outer, args, kwargs)
            held = tuple(x for o in passed or () if isinstance(o, LibObject)
                         for x in _library_arg(inner_name, list(o.args), dict(o.kwargs)) or ())
            found: Vals | None = held or None
        elif part.startswith("init:"):
            found = _library_arg(part[5:], init_args, init_kwargs)
        else:
            found = _library_arg(part, args, kwargs)
        if found is not None:
            return found
    return None


def path_below(obj: LibObject, parts: list[Vals]) -> Vals | None:
    """A path-like library object (``path`` in its model: cloudpathlib's S3Path) joined with
    ``parts`` (``root / "in"``, ``root.joinpath("in", name)``): the same class on the path
    below; None when the object is no such path."""
    source = (aws.library_model(obj.name) or {}).get("path")
    base = spec_value(source, list(obj.args), dict(obj.kwargs), [], {}) if source else None
    if base is None:
        return None
    paths = [p.rstrip("/") for p in strings(base)]
    for part in parts:
        tails = [t.strip("/") for t in strings(part)] if all(isinstance(v, (Str, Unknown)) for v in part) else ["*"]
        paths = [f"{p}/{t}" for p in paths for t in tails]
    return tuple(LibObject(obj.name, ((Str(p),),)) for p in dict.fromkeys(paths))


def _library_test(test: str, args: list[Vals], kwargs: dict[str, Vals]) -> bool:
    """A library call's condition on an argument: ``SRC`` (given), ``SRC^TEXT`` (its value
    is known to start with TEXT: ``path|0^s3://``), ``SRC~A,B`` (it may contain A or B: a
    value not known may, ``mode|1~w,a``), ``SRC#A,B`` (it is known to contain A or B),
    ``SRC@A,B`` (the part of it that is known contains A or B: a URL's path beside a query
    not known), ``SRC=VALUE`` (it is known to be VALUE: ``ctas_approach=False``)."""
    if "=" in test:
        source, _, expected = test.partition("=")
        found = _library_arg(source, args, kwargs) or ()
        return bool(found) and all(
            (isinstance(v, Const) and repr(v.value) == expected) or (isinstance(v, Str) and v.pattern == expected)
            for v in found
        )
    for op in ("^", "~", "#", "@"):
        if op in test:
            source, _, text = test.partition(op)
            given = _library_arg(source, args, kwargs)
            if given is None:
                return False
            values = strings(given)
            if op == "^":
                return bool(values) and all(v.startswith(text) and "*" not in v[: len(text)] for v in values)
            if op == "#":
                return bool(values) and all("*" not in v and any(t in v for t in text.split(",")) for v in values)
            if op == "@":
                return bool(values) and all(any(t in v for t in text.split(",")) for v in values)
            return any("*" in v or any(t in v for t in text.split(",")) for v in values)
    return _library_arg(test, args, kwargs) is not None


def _library_arg(source: str, args: list[Vals], kwargs: dict[str, Vals]) -> Vals | None:
    """``"table_name|0"``: the keyword ``table_name``, else positional argument 0."""
    for part in source.split("|"):
        if part.isdigit():
            if int(part) < len(args):
                return args[int(part)]
        elif part in kwargs:
            return kwargs[part]
    return None
