"""HTTP requests libraries sign with the role's credentials (SigV4): OpenSearch and
Elasticsearch clients, requests with an AWS auth object. Each is authorized like an API call
of the service it is signed for; a request that is not signed needs no permission."""

from __future__ import annotations

from pathlib import Path

from conftest import sam_function

from lpgen import api
from lpgen.iac import load_template

DOMAIN = "search-orders-abcdefghijklmnopqrstuvwxyz.eu-west-1.es.amazonaws.com"


def _perms(tmp_path: Path, code: str, env: dict[str, str] | None = None) -> set[tuple[str, str]]:
    src = tmp_path / "app.py"
    src.write_text(code)
    return {(p.action, p.resource) for p in api.suggest([str(src)], env=env, region="us-east-1", account="1").permissions}


def test_an_opensearch_client_signed_for_es_needs_each_method_on_its_path(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import os\n"
        "import boto3\n"
        "from opensearchpy import AWSV4SignerAuth, OpenSearch, RequestsHttpConnection, helpers\n"
        "auth = AWSV4SignerAuth(boto3.Session().get_credentials(), 'eu-west-1', 'es')\n"
        "client = OpenSearch(hosts=[{'host': os.environ['HOST'], 'port': 443}], http_auth=auth,\n"
        "                    connection_class=RequestsHttpConnection)\n"
        "def handler(event, context):\n"
        "    for r in event['Records']:\n"
        "        client.index(index='orders', body=r, id=r['id'])\n"
        "    if not client.indices.exists(index='orders'):\n"
        "        client.indices.create('orders')\n"
        "    helpers.bulk(client, [])\n"
        "    return client.search({'query': {}}, 'orders')\n"
    ), env={"HOST": DOMAIN})
    domain = "arn:aws:es:eu-west-1:1:domain/orders/"
    assert got == {
        ("es:ESHttpPut", domain + "orders/_doc/*"), ("es:ESHttpHead", domain + "orders"),
        ("es:ESHttpPut", domain + "orders"), ("es:ESHttpPost", domain + "_bulk"),
        ("es:ESHttpPost", domain + "orders/_search"),
    }


def test_serverless_collections_api_gateway_and_unsigned_requests(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import requests\n"
        "from opensearchpy import AsyncOpenSearch, AWSV4SignerAsyncAuth, OpenSearch\n"
        "from requests_aws4auth import AWS4Auth\n"
        "aoss = AsyncOpenSearch(hosts=['abc123xyz.us-east-1.aoss.amazonaws.com'],\n"
        "                       http_auth=AWSV4SignerAsyncAuth(None, 'us-east-1', 'aoss'))\n"
        "basic = OpenSearch(hosts=['localhost:9200'], http_auth=('admin', 'admin'))\n"
        "sig = AWS4Auth('k', 's', 'us-east-1', 'execute-api')\n"
        "async def handler(event, context):\n"
        "    await aoss.search(index='docs', body={})\n"
        "    basic.search(index='local')\n"
        "    requests.get('https://example.com/health')\n"
        "    requests.request('DELETE', 'https://a1b2c3.execute-api.us-east-1.amazonaws.com/prod/items/7', auth=sig)\n"
    ))
    assert got == {
        ("aoss:APIAccessAll", "arn:aws:aoss:us-east-1:1:collection/abc123xyz"),
        ("execute-api:Invoke", "arn:aws:execute-api:us-east-1:1:a1b2c3/prod/DELETE/items/7"),
    }


def test_a_custom_endpoint_names_no_domain(tmp_path: Path) -> None:
    src = tmp_path / "app.py"
    src.write_text(
        "from opensearchpy import AWSV4SignerAuth, OpenSearch\n"
        "client = OpenSearch(hosts=['search.example.com'], http_auth=AWSV4SignerAuth(None, 'us-east-1'))\n"
        "def handler(event, context):\n"
        "    return client.get('orders', event['id'])\n"
    )
    result = api.suggest([str(src)], region="us-east-1", account="1")
    assert {(p.action, p.resource) for p in result.permissions} == {("es:ESHttpGet", "arn:aws:es:us-east-1:1:domain/*")}
    assert any("does not name its domain" in f.message for f in result.findings)


def test_a_graphql_request_signed_for_appsync_needs_graphql_on_the_api_fields(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\nimport requests\nfrom requests_aws4auth import AWS4Auth\n"
        "c = boto3.Session().get_credentials()\n"
        "auth = AWS4Auth(c.access_key, c.secret_key, 'us-east-1', 'appsync', session_token=c.token)\n"
        "URL = 'https://abcdefghijklmnopqrstuvwxyz.appsync-api.us-east-1.amazonaws.com/graphql'\n"
        "def handler(event, context):\n"
        "    requests.post(URL, json={'query': 'mutation { notify(id: 1) { id } }'}, auth=auth)\n"
        "    requests.post(URL, json={'query': 'query { unsigned }'})\n"
    ))
    assert got == {("appsync:GraphQL", "arn:aws:appsync:us-east-1:1:apis/abcdefghijklmnopqrstuvwxyz/types/*/fields/*")}


CALLER = (
    "import os\nimport requests\nfrom aws_requests_auth.boto_utils import BotoAWSRequestsAuth\n"
    "URL = os.environ['PRODUCTS_API']\n"
    "def handler(event, context):\n"
    "    auth = BotoAWSRequestsAuth(aws_host='x', aws_region=os.environ['AWS_REGION'], aws_service='execute-api')\n"
    "    return requests.get(URL, auth=auth).json()\n"
)


def test_an_api_url_the_template_builds_keeps_its_stage_and_path(tmp_path: Path) -> None:
    # NOTE: the API's id is generated and the Region is the stack's: the URL is still the
    # API's default endpoint, so the stage and the path it names are what is invoked.
    template = sam_function(tmp_path, code=CALLER, properties=(
        "      Environment:\n        Variables:\n"
        "          PRODUCTS_API: !Sub https://${Api}.execute-api.${AWS::Region}.amazonaws.com/prod/products\n"
    ), resources="  Api:\n    Type: AWS::ApiGateway::RestApi\n")
    tpl = load_template(template)
    with_region = api.suggest_for_function(tpl, "Fn", region="us-east-1", account="1")
    assert {(p.action, p.resource) for p in with_region.permissions} == {
        ("execute-api:Invoke", "arn:aws:execute-api:us-east-1:1:*/prod/GET/products")}
    placeholders = api.suggest_for_function(tpl, "Fn")
    assert [p.resource for p in placeholders.permissions] == [
        "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:*/prod/GET/products"]


def test_an_unreachable_signed_request_is_named_by_the_library_call(tmp_path: Path) -> None:
    src = tmp_path / "app.py"
    src.write_text(CALLER.replace("def handler(event, context):\n", "def handler(event, context):\n    return 1\n"
                                                                        "def unused():\n"))
    result = api.suggest([str(src)], env={"PRODUCTS_API": "https://a1b2c3.execute-api.us-east-1.amazonaws.com/prod/x"})
    assert [f.message for f in result.findings if f.code == "LP204"] == [
        "a signed GET request (requests.get), made by app.unused, is not reachable from the entry point: not granted"]
