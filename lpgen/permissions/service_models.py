"""Read botocore's service models and boto3's resource models, lazily, one service at a time.

Nothing is loaded at import: each lookup reads the JSON of one service on first use and
keeps it (``functools.lru_cache``). botocore errors are turned into ``ModelDataError`` here,
so callers only ever see lpgen's exception tree.
"""

from __future__ import annotations

import importlib.util
import os
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from lpgen.errors import ModelDataError


@dataclass(frozen=True)
class OperationInfo:
    """One botocore operation as a boto3 client exposes it."""

    client: str
    """boto3 client name (``s3``, ``stepfunctions``)."""
    operation: str
    """API operation name (``ListObjectsV2``)."""
    method: str
    """python method name on the client (``list_objects_v2``)."""
    input_members: tuple[str, ...]
    """top-level members of the input shape, in model order."""
    http_method: str = ""
    """the REST method (``POST``) for services authorized by HTTP verb."""
    request_uri: str = ""
    """the REST path template (``/restapis/{restapi_id}/authorizers``)."""
    uri_members: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    """path placeholder → input member (``restapi_id`` → ``restApiId``)."""
    wire_names: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    """input member → the name it has on the wire, where it differs (``CopySource`` →
    ``x-amz-copy-source``)."""
    role_members: tuple[str, ...] = field(default=(), compare=False, hash=False)
    """paths of the input's members that name an IAM role the service is given
    (``Role``, ``NotificationChannel.RoleArn``, ``Targets.RoleArn``)."""
    discovery: str = ""
    """the operation the SDK calls first to find the endpoint, where the model requires
    endpoint discovery (Timestream's ``DescribeEndpoints``)."""


@lru_cache(maxsize=1)
def _loader() -> Any:
    from botocore.loaders import create_loader

    loader = create_loader()
    spec = importlib.util.find_spec("boto3")
    if spec is not None and spec.origin:
        # NOTE: boto3's resource models live in boto3/data; boto3.Session adds the same path.
        loader.search_paths.append(os.path.join(os.path.dirname(spec.origin), "data"))
    return loader


def _load(client: str, kind: str) -> dict[str, Any] | None:
    from botocore.exceptions import DataNotFoundError, UnknownServiceError

    try:
        data: dict[str, Any] = _loader().load_service_model(client, kind)
    except (DataNotFoundError, UnknownServiceError):
        return None
    except ValueError as exc:  # malformed JSON in an installed model
        raise ModelDataError(f"botocore model {client}/{kind}: {exc}") from exc
    return data


@lru_cache(maxsize=1)
def client_names() -> tuple[str, ...]:
    """Every boto3 client name botocore knows, sorted.

    The services of the folders botocore's loader searches (``~/.aws/models``, then
    botocore's own data), listed as the loader lists them but read directly: an analysis
    asks this early, and the loader's import brings urllib3, ssl and dateutil with it."""
    roots = _service_roots()
    if roots is None:
        return tuple(sorted(_loader().list_available_services("service-2")))
    return tuple(sorted({service for service, _ in _model_files(roots, "service-2", _SERVICE_EXTENSIONS)}))


_SERVICE_EXTENSIONS = (".json", ".json.gz")
_CLIENT_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")


@lru_cache(maxsize=1)
def _service_roots() -> list[str] | None:
    """The folders botocore's loader reads service models from, or None when botocore
    cannot be found without importing it."""
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.origin:
        return None
    return [os.path.expanduser(os.path.join("~", ".aws", "models")), os.path.join(os.path.dirname(spec.origin), "data")]


@cache
def is_client_name(name: str) -> bool:
    """Is ``name`` a boto3 client name? Only that service's folders are looked at (a few
    file checks), not every service's, until the whole list has been read."""
    if client_names.cache_info().currsize or _service_roots() is None:
        return name in client_names()
    if not _CLIENT_NAME.fullmatch(name):
        return False
    return bool(_model_files(_service_roots() or [], "service-2", _SERVICE_EXTENSIONS, services=(name,)))


def _model_files(
    roots: list[str], kind: str, extensions: tuple[str, ...] = (".json",), services: tuple[str, ...] = (),
) -> dict[tuple[str, str], str]:
    """``{(service, API version): path}`` of the ``kind`` model files (``service-2``,
    ``resources-1``) under ``roots`` (of ``services`` only, when given), the first root
    holding a version winning."""
    found: dict[tuple[str, str], str] = {}
    for root in roots:
        try:
            names = services or os.listdir(root)
        except OSError:
            continue
        for service in names:
            try:
                api_versions = os.listdir(os.path.join(root, service))
            except OSError:
                continue
            for version in api_versions:
                if (service, version) in found:
                    continue
                for ext in extensions:
                    path = os.path.join(root, service, version, kind + ext)
                    if os.path.isfile(path):
                        found[(service, version)] = path
                        break
    return found


@lru_cache(maxsize=1)
def resource_service_names() -> tuple[str, ...]:
    """Services that have a boto3 resource API."""
    return tuple(sorted(_resource_files()))


@lru_cache(maxsize=1)
def _resource_files() -> dict[str, str]:
    """``{service: path of its newest resources-1.json}``.

    The folders are the ones botocore's loader searches when boto3 builds a resource
    (``AWS_DATA_PATH``, ``~/.aws/models``, then boto3's own data), read directly: the
    analysis needs nine small files, not the loader and the imports behind it.
    """
    roots = [os.path.expanduser(p) for p in os.environ.get("AWS_DATA_PATH", "").split(os.pathsep) if p]
    roots.append(os.path.expanduser(os.path.join("~", ".aws", "models")))
    spec = importlib.util.find_spec("boto3")
    if spec is not None and spec.origin:
        roots.append(os.path.join(os.path.dirname(spec.origin), "data"))
    found = _model_files(roots, "resources-1")
    versions: dict[str, str] = {}
    for service, version in found:
        versions[service] = max(versions.get(service, ""), version)
    return {service: found[(service, version)] for service, version in sorted(versions.items())}


@lru_cache(maxsize=1)
def botocore_version() -> str:
    """The installed botocore's version, read from its package file without importing it
    (the import costs more than loading everything a small analysis needs)."""
    spec = importlib.util.find_spec("botocore")
    if spec is not None and spec.origin:
        try:
            with open(spec.origin, encoding="utf-8") as fh:
                for line in fh:
                    if line.startswith("__version__"):
                        version = line.partition("=")[2].strip().strip("'\"")
                        if version:
                            return version
                        break
        except OSError:
            pass
    import botocore

    return str(botocore.__version__)


@cache
def service_model(client: str) -> dict[str, Any] | None:
    """The raw service-2 model of ``client``, or None when botocore does not know it."""
    if client not in client_names():
        return None
    return _load(client, "service-2")


@cache
def operations(client: str) -> dict[str, OperationInfo]:
    """``{python method name: OperationInfo}`` for one client."""
    index = _index(client)
    if index is None:
        return {}
    return {
        method: OperationInfo(
            client=client, operation=op["operation"], method=method,
            input_members=tuple(op["input_members"]),
            http_method=op["http_method"], request_uri=op["request_uri"],
            uri_members=dict(op["uri_members"]), wire_names=dict(op["wire_names"]),
            role_members=tuple(op.get("role_members") or ()),
            discovery=str(op.get("discovery") or ""),
        )
        for method, op in index["operations"].items()
    }


@cache
def _index(client: str) -> dict[str, Any] | None:
    """What lpgen reads of a service model, kept per botocore release in the user's cache.

    A service model is megabytes of JSON (ec2, s3); this index is the operations' names,
    input members and REST binding, and the metadata block. It is rebuilt from botocore's
    model when the cache lacks it, and the model stays authoritative.
    """
    import json

    path = _index_path(client)
    if path is not None:
        try:
            with open(path, encoding="utf-8") as fh:
                data: dict[str, Any] = json.load(fh)
            return data
        except (OSError, ValueError):
            pass
    model = service_model(client)
    if model is None:
        return None
    data = _build_index(model, client)
    if path is not None:
        _write(path, data)
    return data


def _build_index(model: dict[str, Any], client: str = "") -> dict[str, Any]:
    from botocore import xform_name

    shapes = model.get("shapes", {})
    resources = resource_model(client) if client else None
    # NOTE: the shapes boto3 resources load their attributes from (Table → TableDescription).
    loaded = sorted(
        {str(d["shape"]) for d in ((resources or {}).get("resources") or {}).values() if d.get("shape")}
        | ({str((resources or {}).get("service", {}).get("shape"))} if (resources or {}).get("service", {}).get("shape") else set())
    )
    ops: dict[str, Any] = {}
    finder = next((n for n, o in model.get("operations", {}).items() if o.get("endpointoperation")), "")
    for name, op in model.get("operations", {}).items():
        shape = shapes.get(op.get("input", {}).get("shape", ""), {})
        members = shape.get("members", {})
        http = op.get("http") or {}
        ops[xform_name(name)] = {
            "operation": name,
            "input_members": list(members),
            "http_method": str(http.get("method") or ""),
            "request_uri": str(http.get("requestUri") or ""),
            "uri_members": {str(spec.get("locationName") or m): m for m, spec in members.items()
                            if spec.get("location") == "uri"},
            "wire_names": {m: str(spec["locationName"]) for m, spec in members.items() if spec.get("locationName")},
            "role_members": [] if name.startswith(_NOT_PASSING) else _role_members(shapes, op.get("input", {}).get("shape", "")),
            "discovery": finder if (op.get("endpointdiscovery") or {}).get("required") else "",
        }
    return {
        "metadata": dict(model.get("metadata", {})),
        "operations": ops,
        "shapes": {name: list(shapes.get(name, {}).get("members", {})) for name in loaded},
    }


_ROLE_MEMBER = re.compile(r"role(?:arn)?(?:override)?\Z", re.IGNORECASE)
"""an input member naming an IAM role (``Role``, ``ServiceRoleArn``, ``roleArn``,
``serviceRoleOverride``)."""


_ROLE_DOC = re.compile(r"\bIAM\b|Identity and Access Management|\bARN\b|Amazon Resource Name|service role", re.IGNORECASE)
"""what a role member's documentation says when the role is an IAM role (a Snowflake role's
does not)."""

_NOT_PASSING = ("Get", "List", "Describe", "Delete", "Remove", "Detach", "Disassociate", "Deregister")
"""operations that read, filter by or take away a role rather than hand one over."""


def _role_members(shapes: dict[str, Any], shape: str, prefix: str = "", depth: int = 0) -> list[str]:
    """Paths (``A.B``, lists walked through) of the string members of an input shape whose
    names say they hold an IAM role's ARN or name."""
    if depth > 5 or not shape:
        return []
    spec = shapes.get(shape, {})
    if spec.get("type") == "list":
        return _role_members(shapes, (spec.get("member") or {}).get("shape", ""), prefix, depth + 1)
    out: list[str] = []
    for name, member in (spec.get("members") or {}).items():
        target = shapes.get(member.get("shape", ""), {})
        path = f"{prefix}{name}"
        if target.get("type") == "string" and "enum" not in target and _ROLE_MEMBER.search(name) and (
            _ROLE_DOC.search(f"{member.get('documentation', '')} {target.get('documentation', '')}")
        ):
            out.append(path)
        elif target.get("type") in ("structure", "list"):
            out.extend(_role_members(shapes, member["shape"], path + ".", depth + 1))
    return out


def _index_path(client: str) -> str | None:
    from lpgen.permissions.reference import cache_dir

    if os.environ.get("LPGEN_NO_MODEL_CACHE"):
        return None
    return os.path.join(str(cache_dir()), f"models-{botocore_version()}-{INDEX_FORMAT}", f"{client}.json")


INDEX_FORMAT = 6
"""bumped when the index gains a field, so an older cached index is not read."""


def _write(path: str, data: dict[str, Any]) -> None:
    import json

    from lpgen.permissions.reference import write_cache_file

    try:
        write_cache_file(path, json.dumps(data, sort_keys=True).encode("utf-8"))
    except OSError:
        # NOTE: a read-only or full cache only costs the next run the model read.
        pass


@cache
def operation_by_name(client: str, operation: str) -> OperationInfo | None:
    """Look an operation up by its API name (``GetObject``)."""
    for info in operations(client).values():
        if info.operation == operation:
            return info
    return None


@cache
def shape_member_names(client: str, shape: str) -> tuple[str, ...]:
    """Members of one shape a boto3 resource loads its attributes from, in model order."""
    index = _index(client)
    return tuple((index or {}).get("shapes", {}).get(shape, ()))


@cache
def signing_metadata(client: str) -> dict[str, str]:
    """The model's metadata block (endpointPrefix, signingName, serviceId)."""
    index = _index(client)
    return dict(index["metadata"]) if index else {}


@cache
def paginators(client: str) -> dict[str, str]:
    """``{paginator name as passed to get_paginator: operation}``."""
    from botocore import xform_name

    data = _load(client, "paginators-1") if client in client_names() else None
    if not data:
        return {}
    return {xform_name(op): op for op in data.get("pagination", {})}


@cache
def waiters(client: str) -> dict[str, str]:
    """``{waiter name as passed to get_waiter: operation it polls}``."""
    from botocore import xform_name

    data = _load(client, "waiters-2") if client in client_names() else None
    if not data:
        return {}
    return {xform_name(name): w["operation"] for name, w in data.get("waiters", {}).items()}


@cache
def resource_model(service: str) -> dict[str, Any] | None:
    """boto3's resources-1 model of ``service`` (``{"service": …, "resources": …}``)."""
    path = _resource_files().get(service)
    if path is None:
        return None
    import json

    try:
        with open(path, encoding="utf-8") as fh:
            data: dict[str, Any] = json.load(fh)
    except (OSError, ValueError) as exc:
        raise ModelDataError(f"boto3 resource model {path}: {exc}") from exc
    return data
