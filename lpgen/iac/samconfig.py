"""SAM CLI's configuration file beside a template: the values ``sam deploy`` deploys it with.

``samconfig.toml`` (or ``samconfig.yaml``, ``samconfig.yml``) in the template's folder; its
``default`` environment's ``deploy`` parameters over its ``global`` ones: the stack's name,
its Region and the template parameters' values (``parameter_overrides``).
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field
from typing import Any

from lpgen.errors import TemplateError, read_text

NAMES = ("samconfig.toml", "samconfig.yaml", "samconfig.yml")
"""the file names SAM CLI looks for, in its order."""


@dataclass(frozen=True)
class SamConfig:
    """What a template is deployed with, as far as its SAM CLI configuration says."""

    path: str
    parameters: dict[str, str] = field(default_factory=dict)
    """template parameters by name, with ``AWS::StackName`` when the file names the stack."""
    region: str | None = None


def find(template: str) -> str | None:
    """The SAM CLI configuration file beside ``template``, if there is one."""
    folder = os.path.dirname(os.path.abspath(template))
    for name in NAMES:
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate):
            return candidate
    return None


def read(template: str, environment: str = "default") -> SamConfig | None:
    """The deploy values of ``template`` from the configuration file beside it; None when
    there is none, or when it deploys another template (``template_file``)."""
    path = find(template)
    if path is None:
        return None
    doc = _load(path)
    env = doc.get(environment) if isinstance(doc, dict) else None
    if not isinstance(env, dict):
        return SamConfig(path)
    values: dict[str, Any] = {}
    for command in ("global", "deploy"):
        section = env.get(command)
        params = section.get("parameters") if isinstance(section, dict) else None
        if isinstance(params, dict):
            values.update(params)
    named = values.get("template_file", values.get("template"))
    if isinstance(named, str) and not _is_template(named, path, template):
        return None
    parameters = _overrides(values.get("parameter_overrides"), path)
    if isinstance(values.get("stack_name"), str) and values["stack_name"]:
        parameters.setdefault("AWS::StackName", values["stack_name"])
    region = values.get("region")
    return SamConfig(path, parameters, region if isinstance(region, str) and region else None)


def _load(path: str) -> Any:
    if path.endswith(".toml"):
        import tomllib

        text = read_text(path, TemplateError, "cannot be read")
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise TemplateError(f"{path}: invalid TOML: {exc}") from exc
    from lpgen.iac.cfn import load_document

    return load_document(path)


def _is_template(named: str, config: str, template: str) -> bool:
    """Whether ``template_file`` (relative to the configuration's folder) is ``template``,
    or the copy ``sam build`` makes of it."""
    full = os.path.normpath(os.path.join(os.path.dirname(config), named))
    return full == os.path.normpath(os.path.abspath(template)) or ".aws-sam" in full.split(os.sep)


def _overrides(value: Any, path: str) -> dict[str, str]:
    """``parameter_overrides``: ``Key=Value`` pairs in one string (quoted as a shell quotes)
    or one pair an item of a list, or CloudFormation's ``ParameterKey=K,ParameterValue=V``."""
    if value is None:
        return {}
    if isinstance(value, list):
        items = [str(v) for v in value]
    else:
        try:
            items = shlex.split(str(value))
        except ValueError as exc:
            raise TemplateError(f"{path}: parameter_overrides: {exc}") from exc
    out: dict[str, str] = {}
    for item in items:
        if item.startswith("ParameterKey="):
            key, _, rest = item[len("ParameterKey="):].partition(",")
            out[key] = rest.removeprefix("ParameterValue=")
        elif "=" in item:
            key, _, val = item.partition("=")
            out[key] = val
        else:
            raise TemplateError(f"{path}: parameter_overrides: {item!r} is not Key=Value")
    return out
