"""Shared test helpers."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from lpgen.calls.model import ApiCall

SHARED = Path(__file__).resolve().parents[2] / "shared"


def collect(source: str, tmp_path: Path, env: dict[str, str] | None = None, files: dict[str, str] | None = None) -> list[ApiCall]:
    """Analyse one handler module (plus optional sibling modules) and return its calls."""
    from lpgen import api

    (tmp_path / "app.py").write_text(textwrap.dedent(source))
    for name, text in (files or {}).items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text))
    return list(api.analyze([str(tmp_path / "app.py")], env=env).calls)


def analyse_files(tmp_path: Path, files: dict[str, str], target: str = "app.py") -> Any:
    """Write ``files`` (dedented) under tmp_path and analyse ``target`` (a file, or a
    handler spec relative to tmp_path): the whole ``Analysis``."""
    from lpgen import api

    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text))
    return api.analyze([str(tmp_path / target)])


def write_files(root: Path, files: dict[str, str]) -> None:
    """Write ``files`` (a path under ``root`` → its text) under ``root``, making their folders."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def sam_function(tmp_path: Path, properties: str = "", resources: str = "",
                 code: str = "def handler(event, context):\n    return 1\n") -> Path:
    """Write ``src/app.py`` and a SAM template whose function ``Fn`` runs ``app.handler`` from
    ``src/`` (python3.12), with more ``properties`` lines (indented under Properties) and
    more ``resources`` before it: the template's path."""
    (tmp_path / "src").mkdir(exist_ok=True)
    (tmp_path / "src" / "app.py").write_text(code)
    template = tmp_path / "template.yaml"
    template.write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n" + resources
        + "  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      CodeUri: src/\n      Handler: app.handler\n      Runtime: python3.12\n" + properties
    )
    return template


def kafka_iam(cluster: str, topic: str, group: str) -> set[tuple[str, str]]:
    """What Lambda's poller does as the role on an MSK cluster named ``cluster`` (us-east-1,
    account 1) with IAM access control, reading ``topic`` as consumer group ``group``."""
    base = "arn:aws:kafka:us-east-1:1"
    return {
        ("kafka-cluster:Connect", f"{base}:cluster/{cluster}/*"),
        ("kafka-cluster:DescribeClusterDynamicConfiguration", f"{base}:cluster/{cluster}/*"),
        ("kafka-cluster:DescribeTopic", f"{base}:topic/{cluster}/*/{topic}"),
        ("kafka-cluster:ReadData", f"{base}:topic/{cluster}/*/{topic}"),
        ("kafka-cluster:DescribeGroup", f"{base}:group/{cluster}/*/{group}"),
        ("kafka-cluster:AlterGroup", f"{base}:group/{cluster}/*/{group}"),
    }


@pytest.fixture
def collect_calls(tmp_path: Path):
    """``collect(source, env=…)`` bound to a fresh folder."""

    def run(source: str, env: dict[str, str] | None = None, files: dict[str, str] | None = None) -> list[ApiCall]:
        return collect(source, tmp_path, env, files)

    return run


@pytest.fixture(autouse=True, scope="session")
def _no_user_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests see lpgen's own tables, never a service reference the user refreshed."""
    import os

    os.environ["LPGEN_CACHE_DIR"] = str(tmp_path_factory.mktemp("lpgen-cache"))


MORE_TYPES_CODE = (
    "import os, boto3\n"
    "E = os.environ\n"
    "def handler(event, context):\n"
    "    boto3.client('ecr').describe_images(repositoryName=E['REPO'])\n"
    "    boto3.client('timestream-write').write_records(DatabaseName=E['TSDB'], TableName='metrics', Records=[])\n"
    "    boto3.client('batch').submit_job(jobName='j', jobQueue=E['QUEUE'], jobDefinition=E['JOBDEF'])\n"
    "    boto3.client('codebuild').start_build(projectName=E['PROJECT'])\n"
    "    boto3.client('glue').start_crawler(Name=E['CRAWLER'])\n"
    "    boto3.client('stepfunctions').get_activity_task(activityArn=E['ACTIVITY'])\n"
    "    boto3.client('appsync').get_graphql_api(apiId=E['API'])\n"
)
"""a handler calling, on what its environment names, the resource types of
``MORE_TYPES_GRANTS`` (a repository, a Timestream database, a Batch queue and job
definition, a CodeBuild project, a Glue crawler, an activity and a GraphQL API)."""
MORE_TYPES_GRANTS = {
    ("ecr:DescribeImages", "arn:aws:ecr:us-east-1:1:repository/images"),
    ("timestream:WriteRecords", "arn:aws:timestream:us-east-1:1:database/telemetry/table/metrics"),
    ("batch:SubmitJob", "arn:aws:batch:us-east-1:1:job-queue/high"),
    ("batch:SubmitJob", "arn:aws:batch:us-east-1:1:job-definition/render:*"),
    ("codebuild:StartBuild", "arn:aws:codebuild:us-east-1:1:project/builder"),
    ("glue:StartCrawler", "arn:aws:glue:us-east-1:1:crawler/lake"),
    ("states:GetActivityTask", "arn:aws:states:us-east-1:1:activity:approve"),
    ("appsync:GetGraphqlApi", "arn:aws:appsync:us-east-1:1:apis/*"),
}
"""what ``MORE_TYPES_CODE`` is granted when its template makes the images repository, the
telemetry database, the high queue, the render job definition, the builder project, the
lake crawler, the approve activity and a GraphQL API (us-east-1, account 1)."""

