"""What static analysis hands to the permissions stage: API calls and what it could not follow."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


class _Unknown:
    """A request value that is present but whose content is not known statically."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()
"""Stands for a parameter value (or a whole dict of them) that cannot be known."""

OWN_PLACE = {"Partition": "${Partition}", "Region": "${Region}", "Account": "${Account}"}
"""What stands in a request value for the function's own partition, Region or account when
the scope does not give it (``sts.get_caller_identity()["Account"]``, a template's
``${AWS::AccountId}``): the ARN built from the value takes the scope's, a placeholder or
the value given. Colon-free, so an ARN holding one still splits into its parts; ``*``
stays what it is everywhere, a part not known."""

MAYBE_ABSENT = "**maybe"
"""A request key naming the parameters some paths to the call leave out (a key a ``**kwargs``
dict gets in one branch only): present, but not surely."""


@dataclass(frozen=True)
class Location:
    """A place in the analysed source."""

    path: str
    line: int
    text: str = ""


@dataclass(frozen=True)
class ApiCall:
    """One AWS API operation the code can call, with its request parameters.

    ``params`` holds plain data: str (a name pattern where ``*`` stands for an unknown
    part), dict, list, or ``UNKNOWN``.
    """

    client: str
    operation: str
    params: dict[str, Any]
    location: Location
    region: str | None = None
    """region given to the client or session, when the code sets one."""
    via: str = ""
    """how the call is made when it is not a plain client method (``paginator``,
    ``waiter``, ``presigned URL``, ``s3 transfer``, ``resource action``)."""
    assumed_role: bool = False
    """made with credentials from ``sts.assume_role``: authorized against that role."""
    notes: tuple[str, ...] = field(default=(), compare=False)
    request: str = field(init=False, compare=False, repr=False)
    """the parameters as text: equal requests have equal text, so it keys deduplication
    and mapping."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "request", repr(self.params))

    @property
    def label(self) -> str:
        """The call as a message names it: ``dynamodb.Scan``; a signed HTTP request by the
        library function that sends it (its client is only the service it is signed for)."""
        if self.via.startswith("library ") and self.operation.startswith("Http"):
            verb = self.operation.removeprefix("Http").upper()
            return f"a signed {verb if verb != 'ANY' else 'HTTP'} request ({self.via.removeprefix('library ')})"
        return f"{self.client}.{self.operation}"


def pack_calls(calls: Iterable[ApiCall]) -> list[tuple[Any, ...]]:
    """Calls as rows of plain values (``unpack_calls`` makes them again). A worker's calls
    cross a pipe on the way to the merge: rows pickle and load several times faster than
    the objects."""
    return [
        (c.client, c.operation, c.params, c.location.path, c.location.line, c.location.text, c.region, c.via,
         c.assumed_role, c.notes, c.request)
        for c in calls
    ]


def unpack_calls(rows: Iterable[tuple[Any, ...]]) -> tuple[ApiCall, ...]:
    """The calls ``pack_calls`` gave the rows of, equal to them field by field."""
    new = object.__new__
    out = []
    for client, operation, params, path, line, text, region, via, assumed, notes, request in rows:
        # NOTE: the fields set as __init__ would set them, without its checks (the rows
        # came from calls) and without computing the request text again.
        loc = new(Location)
        loc.__dict__.update(path=path, line=line, text=text)
        call = new(ApiCall)
        call.__dict__.update(
            client=client, operation=operation, params=params, location=loc, region=region, via=via,
            assumed_role=assumed, notes=notes, request=request,
        )
        out.append(call)
    return tuple(out)


@dataclass(frozen=True)
class UnresolvedCall:
    """A call that may reach AWS but whose service, operation or target cannot be determined."""

    location: Location
    reason: str
    service: str = ""
    """the boto3 service of the client or resource it is made on, when that is known (only
    the operation is not): what it needs is among that service's actions."""


@dataclass(frozen=True)
class UnreachableCall:
    """An AWS call in code the entry point can never reach: reported, not granted."""

    call: ApiCall
    function: str
