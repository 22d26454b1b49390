"""What a function's invocation event holds, when its template tells (an S3 notification:
the bucket and the key filter), as the analyser's abstract values."""

from __future__ import annotations

from collections.abc import Sequence

from lpgen.calls.formatting import squash
from lpgen.calls.values import DictV, SeqV, Str, Vals, vals


def s3_notification(triggers: Sequence[tuple[str, str, str]]) -> Vals:
    """The event of S3 notifications on ``(bucket, key prefix, key suffix)``: every record's
    ``s3.bucket.name`` is one of the buckets, and its ``s3.object.key`` matches that
    bucket's filter. Everything else in the event stays unknown."""
    records = []
    for bucket, prefix, suffix in triggers:
        key = Str(squash(f"{prefix}*{suffix}"))
        bucket_v = DictV((("name", (Str(bucket),)), ("arn", (Str(f"arn:aws:s3:::{bucket}"),))), open=True)
        record = DictV((("s3", (DictV((("bucket", (bucket_v,)), ("object", (DictV((("key", (key,)),), open=True),))), open=True),)),), open=True)
        records.append(record)
    return (DictV((("Records", (SeqV((vals(*records),), homogeneous=True),)),), open=True),)
