"""CloudTrail records: the typed shape lpgen decodes, and the file shapes it accepts.

Only the fields lpgen reads are declared, so the decoder skips everything else
(``responseElements``, ``tlsDetails``, …) without building Python objects for it.
``requestParameters`` stays raw JSON: it is decoded only for the few records that
need it (no ``resources[]``, or a deployment event).
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

NULL = msgspec.Raw(b"null")


class SessionIssuer(msgspec.Struct, frozen=True, cache_hash=True, gc=False):
    arn: str | None = None


class SessionContext(msgspec.Struct, frozen=True, cache_hash=True, gc=False):
    sessionIssuer: SessionIssuer | None = None


class InScopeOf(msgspec.Struct, frozen=True, cache_hash=True, gc=False):
    credentialsIssuedTo: str | None = None


class UserIdentity(msgspec.Struct, frozen=True, cache_hash=True, gc=False):
    type: str | None = None
    arn: str | None = None
    invokedBy: str | None = None
    sessionContext: SessionContext | None = None
    inScopeOf: InScopeOf | None = None


class Resource(msgspec.Struct, frozen=True):
    ARN: str | None = None
    type: str | None = None


class Record(msgspec.Struct, frozen=True):
    eventTime: str | None = None
    eventSource: str | None = None
    eventName: str | None = None
    awsRegion: str | None = None
    errorCode: str | None = None
    errorMessage: str | None = None
    userIdentity: UserIdentity | None = None
    requestParameters: msgspec.Raw = NULL
    resources: msgspec.Raw = NULL
    eventCategory: str | None = None
    managementEvent: bool | str | None = None


class TrailFile(msgspec.Struct):
    Records: list[Record]


_FILE_DECODER = msgspec.json.Decoder(TrailFile)
_ANY_DECODER = msgspec.json.Decoder()


class Skip(Exception):
    """A whole file that is not a CloudTrail log (digest, empty, not JSON)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def decode_file(data: bytes) -> tuple[list[Record], dict[str, int]]:
    """Records of one file in any shape lpgen reads, and the counts of skipped records.

    Shapes: S3 delivery (``{"Records": [...]}``), LookupEvents output
    (``{"Events": [{"CloudTrailEvent": "<json>"}]}``), an EventBridge envelope or a
    list of them, CloudTrail Lake ``GetQueryResults`` output, a JSON list of records,
    and JSON Lines. Raises ``Skip`` for digests and files that are not logs.
    """
    try:
        return _FILE_DECODER.decode(data).Records, {}
    except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError):
        pass
    try:
        doc = _ANY_DECODER.decode(data)
    except UnicodeDecodeError as exc:
        raise Skip("not UTF-8") from exc
    except msgspec.DecodeError:
        head = data[:4096].lower()
        if b"eventsource" in head and b"eventname" in head and b"," in head.split(b"\n", 1)[0]:
            return _athena_csv(data)
        return _json_lines(data)
    return records_from_document(doc)


# Athena writes structs in CSV results as {key=value, key={...}}: the fields lpgen reads.
_ISSUER = re.compile(r"sessionissuer=\{[^}]*?\barn=(arn:[^,}\s]+)")
_INVOKED = re.compile(r"\binvokedby=([^,}\s]+)")
_UTYPE = re.compile(r"^\{\s*type=([A-Za-z]+)")
_UARN = re.compile(r"^\{[^{]*?\barn=(arn:[^,}\s]+)")
_SCOPE = re.compile(r"credentialsissuedto=(arn:[^,}\s]+)")
_RES_ARN = re.compile(r"\barn=(arn:[^,}\s]+)")


def _athena_csv(data: bytes) -> tuple[list[Record], dict[str, int]]:
    """An Athena result export (CSV) of a query over the standard CloudTrail table."""
    import csv
    import io

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Skip("not UTF-8") from exc
    reader = csv.DictReader(io.StringIO(text))
    out: list[Record] = []
    skipped: dict[str, int] = {}
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise Skip("not a CSV export") from exc
    for row in rows:
        row = {str(k).lower(): v for k, v in row.items() if k is not None}
        if not row.get("eventsource") or not row.get("eventname"):
            skipped["row without eventSource or eventName"] = skipped.get("row without eventSource or eventName", 0) + 1
            continue
        ui = row.get("useridentity") or ""
        identity: dict[str, Any] = {}
        m = _UTYPE.search(ui)
        if m:
            identity["type"] = m.group(1)
        m = _UARN.search(ui)
        if m:
            identity["arn"] = m.group(1)
        m = _INVOKED.search(ui)
        if m and m.group(1) != "null":
            identity["invokedBy"] = m.group(1)
        m = _ISSUER.search(ui)
        if m:
            identity["sessionContext"] = {"sessionIssuer": {"arn": m.group(1)}}
        m = _SCOPE.search(ui)
        if m:
            identity["inScopeOf"] = {"credentialsIssuedTo": m.group(1)}
        raw: dict[str, Any] = {
            "eventSource": row["eventsource"], "eventName": row["eventname"],
            "eventTime": row.get("eventtime") or None, "awsRegion": row.get("awsregion") or None,
            "errorCode": row.get("errorcode") or None, "errorMessage": row.get("errormessage") or None,
            "eventCategory": row.get("eventcategory") or None, "userIdentity": identity,
        }
        params = row.get("requestparameters")
        if params:
            try:
                raw["requestParameters"] = _ANY_DECODER.decode(params)
            except (msgspec.DecodeError, UnicodeDecodeError):
                pass
        arns = _RES_ARN.findall(row.get("resources") or "")
        if arns:
            raw["resources"] = [{"ARN": a} for a in arns]
        rec = to_record(raw)
        if rec is not None:
            out.append(rec)
    if not out and not skipped:
        raise Skip("not a CloudTrail CSV export")
    return out, skipped


def _json_lines(data: bytes) -> tuple[list[Record], dict[str, int]]:
    lines = [ln for ln in data.splitlines() if ln.strip()]
    if len(lines) < 2:
        raise Skip("not JSON")
    docs: list[Any] = []
    for ln in lines:
        try:
            docs.append(_ANY_DECODER.decode(ln))
        except (msgspec.DecodeError, UnicodeDecodeError) as exc:
            raise Skip("not JSON") from exc
    return records_from_document(docs)


def records_from_document(doc: Any) -> tuple[list[Record], dict[str, int]]:
    """Records out of an already decoded JSON document of any accepted shape."""
    skipped: dict[str, int] = {}
    out: list[Record] = []

    def skip(reason: str, n: int = 1) -> None:
        skipped[reason] = skipped.get(reason, 0) + n

    def take(raw: Any) -> None:
        if isinstance(raw, str):
            try:
                raw = _ANY_DECODER.decode(raw)
            except (msgspec.DecodeError, UnicodeDecodeError):
                skip("embedded event is not JSON")
                return
        if not isinstance(raw, dict):
            skip("record is not an object")
            return
        if "detail" in raw and "detail-type" in raw:
            take(raw["detail"])
            return
        if raw.get("eventType") == "AwsCloudTrailInsight" or "insightDetails" in raw:
            skip("insights event")
            return
        if "eventSource" not in raw and "eventName" not in raw:
            skip("record without eventSource or eventName")
            return
        rec = to_record(raw)
        if rec is None:
            skip("record with fields of the wrong type")
        else:
            out.append(rec)

    def walk(node: Any, top: bool) -> None:
        if isinstance(node, list):
            for item in node:
                if isinstance(item, dict) and ("GetQueryResults" in item or "QueryResultRows" in item):
                    walk(item, False)
                else:
                    take(item)
            return
        if not isinstance(node, dict):
            raise Skip("not a CloudTrail document")
        if "digestStartTime" in node or "logFiles" in node:
            raise Skip("digest file")
        if isinstance(node.get("Records"), list):
            for raw in node["Records"]:
                take(raw)
        elif isinstance(node.get("Events"), list):
            for ev in node["Events"]:
                take(ev.get("CloudTrailEvent", ev) if isinstance(ev, dict) else ev)
        elif isinstance(node.get("GetQueryResults"), dict):
            walk(node["GetQueryResults"], False)
        elif isinstance(node.get("QueryResultRows"), list):
            for row in node["QueryResultRows"]:
                flat = _lake_row(row)
                if flat is None:
                    skip("query result row without event fields")
                else:
                    take(flat)
        elif "detail" in node or "eventSource" in node or "eventName" in node:
            take(node)
        elif top:
            raise Skip("not a CloudTrail document")
        else:
            skip("object that is not a CloudTrail record")

    walk(doc, True)
    return out, skipped


def _lake_row(row: Any) -> dict[str, Any] | None:
    """A CloudTrail Lake result row (a list of one-key objects) as a nested record."""
    if not isinstance(row, list):
        return None
    rec: dict[str, Any] = {}
    for cell in row:
        if not isinstance(cell, dict):
            continue
        for key, value in cell.items():
            parts = key.split(".")
            cur = rec
            for p in parts[:-1]:
                nxt = cur.setdefault(p, {})
                if not isinstance(nxt, dict):
                    break
                cur = nxt
            else:
                cur[parts[-1]] = _lake_value(value)
    return rec if ("eventSource" in rec or "eventName" in rec) else None


def _lake_value(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return _ANY_DECODER.decode(value)
        except msgspec.DecodeError:
            return value
    return value


def to_record(raw: dict[str, Any]) -> Record | None:
    """One record from a decoded object; None when a field has an unusable type."""
    fixed = dict(raw)
    params = fixed.pop("requestParameters", None)
    resources = fixed.pop("resources", None)
    for key in ("readOnly",):
        fixed.pop(key, None)
    try:
        rec = msgspec.convert(fixed, Record, strict=False)
    except msgspec.ValidationError:
        # NOTE: keep what can be kept: drop only the fields whose type is unusable.
        kept = {}
        for key, value in fixed.items():
            try:
                msgspec.convert({key: value}, Record, strict=False)
            except msgspec.ValidationError:
                continue
            kept[key] = value
        if "eventSource" not in kept and "eventName" not in kept:
            return None
        rec = msgspec.convert(kept, Record, strict=False)
    if params is not None:
        rec = msgspec.structs.replace(rec, requestParameters=msgspec.Raw(msgspec.json.encode(params)))
    if resources is not None:
        rec = msgspec.structs.replace(rec, resources=msgspec.Raw(msgspec.json.encode(resources)))
    return rec


def request_parameters(rec: Record) -> dict[str, Any]:
    """The record's requestParameters as a dict ({} when absent or not an object)."""
    if rec.requestParameters is None or bytes(rec.requestParameters) == b"null":
        return {}
    try:
        value = _ANY_DECODER.decode(rec.requestParameters)
    except (msgspec.DecodeError, UnicodeDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


_RESOURCES = msgspec.json.Decoder(list[Resource])


def resource_arns(raw: bytes) -> tuple[str, ...]:
    """The ARNs of a record's raw ``resources`` list (entries without an ARN are ignored)."""
    if raw == b"null":
        return ()
    try:
        return tuple(r.ARN for r in _RESOURCES.decode(raw) if r.ARN)
    except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError):
        pass
    try:
        value = _ANY_DECODER.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError):
        return ()
    if not isinstance(value, list):
        return ()
    return tuple(r["ARN"] for r in value if isinstance(r, dict) and isinstance(r.get("ARN"), str))
