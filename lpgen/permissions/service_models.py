"""Read botocore's service models and boto3's resource models, lazily, one service at a time.

Nothing is loaded at import: each lookup reads the JSON of one service on first use and
keeps it (``functools.lru_cache``). botocore errors are turned into ``ModelDataError`` here,
so callers only ever see lpgen's exception tree.
"""

from __future__ import annotations

import importlib.util
import os
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
    required_members: tuple[str, ...]
    """members the model marks as required."""
    http_method: str = ""
    """the REST method (``POST``) for services authorized by HTTP verb."""
    request_uri: str = ""
    """the REST path template (``/restapis/{restapi_id}/authorizers``)."""
    uri_members: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    """path placeholder → input member (``restapi_id`` → ``restApiId``)."""


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
    """Every boto3 client name botocore knows, sorted."""
    return tuple(sorted(_loader().list_available_services("service-2")))


@lru_cache(maxsize=1)
def resource_service_names() -> tuple[str, ...]:
    """Services that have a boto3 resource API."""
    return tuple(sorted(_loader().list_available_services("resources-1")))


@cache
def service_model(client: str) -> dict[str, Any] | None:
    """The raw service-2 model of ``client``, or None when botocore does not know it."""
    if client not in client_names():
        return None
    return _load(client, "service-2")


@cache
def operations(client: str) -> dict[str, OperationInfo]:
    """``{python method name: OperationInfo}`` for one client."""
    from botocore import xform_name

    model = service_model(client)
    if model is None:
        return {}
    shapes = model.get("shapes", {})
    out: dict[str, OperationInfo] = {}
    for name, op in model.get("operations", {}).items():
        shape = shapes.get(op.get("input", {}).get("shape", ""), {})
        members = tuple(shape.get("members", {}))
        method = xform_name(name)
        http = op.get("http") or {}
        out[method] = OperationInfo(
            client=client,
            operation=name,
            method=method,
            input_members=members,
            required_members=tuple(shape.get("required", ())),
            http_method=str(http.get("method") or ""),
            request_uri=str(http.get("requestUri") or ""),
            uri_members={
                str(spec.get("locationName") or m): m
                for m, spec in shape.get("members", {}).items()
                if spec.get("location") == "uri"
            },
        )
    return out


@cache
def operation_by_name(client: str, operation: str) -> OperationInfo | None:
    """Look an operation up by its API name (``GetObject``)."""
    for info in operations(client).values():
        if info.operation == operation:
            return info
    return None


@cache
def signing_metadata(client: str) -> dict[str, str]:
    """The model's metadata block (endpointPrefix, signingName, serviceId)."""
    model = service_model(client)
    return dict(model.get("metadata", {})) if model else {}


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
    if service not in resource_service_names():
        return None
    return _load(service, "resources-1")
