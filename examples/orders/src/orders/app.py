"""Example handler: store an order in DynamoDB and announce it on SNS."""

import json
import os
import uuid

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])
SNS = boto3.client("sns")


def _announce(topic_arn: str, order_id: str) -> None:
    SNS.publish(TopicArn=topic_arn, Message=json.dumps({"orderId": order_id}))


def handler(event, context):
    if event.get("httpMethod") == "POST":
        order_id = uuid.uuid4().hex
        TABLE.put_item(Item={"order_id": order_id, **json.loads(event["body"])})
        _announce(os.environ["ORDER_EVENTS_TOPIC"], order_id)
        return {"statusCode": 201, "body": json.dumps({"orderId": order_id})}
    item = TABLE.get_item(Key={"order_id": event["pathParameters"]["orderId"]}).get("Item")
    return {"statusCode": 200 if item else 404, "body": json.dumps(item, default=str)}
