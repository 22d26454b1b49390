"""What a function's invocation event holds, when its template tells (S3 notifications or
S3 events through EventBridge: the bucket and the key filter; the queue or stream a poller
reads), as the analyser's abstract values."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from lpgen.calls.formatting import squash
from lpgen.calls.values import DictV, SeqV, Str, V, Vals, vals

if TYPE_CHECKING:
    from lpgen.iac.model import EventSource, S3Trigger


def constant_inputs(texts: Sequence[str]) -> Vals:
    """The events of targets with a constant input (a schedule's ``Input``): that JSON."""
    from lpgen.calls.datafiles import parse

    return vals(*(parse("json", t) for t in texts))


def secret_rotation(secrets: Sequence[str]) -> Vals:
    """The event Secrets Manager invokes a rotation function with: its ``SecretId`` is the
    ARN of one of the secrets the function rotates; the token and step stay unknown."""
    return (DictV((("SecretId", vals(*(Str(s) for s in secrets))),), open=True),)


def s3_notification(triggers: Sequence[S3Trigger]) -> Vals:
    """The event of S3 notifications or of S3 events EventBridge delivers, on a bucket and
    a key prefix and suffix: every record's ``s3.bucket.name`` (an EventBridge event's
    ``detail.bucket.name``) is one of the buckets, and its ``s3.object.key``
    (``detail.object.key``) matches that bucket's filter. Everything else in the event
    stays unknown."""
    records = []
    events: list[V] = []
    for t in triggers:
        key = Str(squash(f"{t.prefix}*{t.suffix}"))
        bucket_v = DictV((("name", (Str(t.bucket),)), ("arn", (Str(f"arn:aws:s3:::{t.bucket}"),))), open=True)
        where = DictV((("bucket", (bucket_v,)), ("object", (DictV((("key", (key,)),), open=True),))), open=True)
        if t.eventbridge:
            events.append(DictV((("detail", (where,)), ("source", (Str("aws.s3"),))), open=True))
        else:
            records.append(DictV((("s3", (where,)),), open=True))
    if records:
        events.append(DictV((("Records", (SeqV((vals(*records),), homogeneous=True),)),), open=True))
    return vals(*events)


POLLED_RECORDS = {"sqs": "aws:sqs", "kinesis": "aws:kinesis", "dynamodb": "aws:dynamodb"}
"""the sources whose records name the ARN they come from (``eventSourceARN``), by the
``eventSource`` each record gives."""


def polled_records(sources: Sequence[EventSource]) -> Vals:
    """The event of the queues and streams Lambda polls for the function: every record's
    ``eventSourceARN`` is one of theirs (an SQS queue's, a Kinesis stream's, a DynamoDB
    table's stream), and its ``eventSource`` says which service. Everything else in the
    event stays unknown; none when no such source's ARN is known."""
    records = [
        DictV((("eventSourceARN", (Str(s.arn),)), ("eventSource", (Str(POLLED_RECORDS[s.kind]),))), open=True)
        for s in sources if s.kind in POLLED_RECORDS and type(s.arn) is str and s.arn.startswith("arn:")
    ]
    if not records:
        return ()
    return (DictV((("Records", (SeqV((vals(*records),), homogeneous=True),)),), open=True),)
