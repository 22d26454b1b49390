#!/usr/bin/env python3
"""Write N small Lambda handler modules with realistic boto3 usage (a deterministic corpus).

    python scripts/bench/gen_handlers.py OUT_DIR [--modules 2000] [--seed 7]

Each module has a handler, a helper or a class, module-level clients and resources, and a
few calls drawn from common services; names come from literals, f-strings and os.environ.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

SNIPPETS = [
    ("s3 = boto3.client('s3')", "s3.get_object(Bucket=BUCKET, Key=f'in/{event[\"id\"]}.json')"),
    ("s3 = boto3.client('s3')", "s3.put_object(Bucket=BUCKET, Key='out/' + str(event['id']), Body=b'x')"),
    ("table = boto3.resource('dynamodb').Table(os.environ['TABLE'])", "table.put_item(Item={'pk': event['id']})"),
    ("table = boto3.resource('dynamodb').Table(os.environ['TABLE'])", "table.query(KeyConditionExpression='pk = :v')"),
    ("sqs = boto3.client('sqs')", "sqs.send_message(QueueUrl=os.environ['QUEUE_URL'], MessageBody='m')"),
    ("sns = boto3.client('sns')", "sns.publish(TopicArn=os.environ['TOPIC_ARN'], Message='m')"),
    ("sm = boto3.client('secretsmanager')", "sm.get_secret_value(SecretId='app/' + STAGE + '/token')"),
    ("ssm = boto3.client('ssm')", "ssm.get_parameter(Name=f'/{STAGE}/config', WithDecryption=True)"),
    ("lam = boto3.client('lambda')", "lam.invoke(FunctionName='worker-' + STAGE, InvocationType='Event')"),
    ("events = boto3.client('events')", "events.put_events(Entries=[{'EventBusName': 'bus', 'Source': 's', 'DetailType': 'd', 'Detail': '{}'}])"),
]


def module(rng: random.Random, i: int) -> str:
    picks = rng.sample(SNIPPETS, rng.randint(2, 4))
    setup = sorted({s for s, _ in picks})
    calls = [c for _, c in picks]
    helper = calls[: len(calls) // 2]
    main = calls[len(calls) // 2:]
    lines = [
        f'"""Generated handler {i}."""',
        "import os", "", "import boto3", "",
        f"BUCKET = 'bucket-{i % 17}'", "STAGE = os.environ.get('STAGE', 'dev')", "",
        *setup, "", "",
        "class Store:",
        "    def __init__(self, prefix):",
        "        self.prefix = prefix", "",
        "    def save(self, event):",
        *(f"        {c}" for c in helper or ["return None"]), "", "",
        "def _log(msg):",
        "    return msg.upper()", "", "",
        "def handler(event, context):",
        "    store = Store('p')",
        "    store.save(event)",
        *(f"    {c}" for c in main),
        "    return {'ok': _log('done')}", "",
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--modules", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for i in range(args.modules):
        (out / f"handler_{i:04d}.py").write_text(module(rng, i))


if __name__ == "__main__":
    main()
