"""Post the review as one sticky comment on the pull request, through GitHub's REST API.

The comment is found again by a hidden marker, so a second run updates it instead of adding
another. Configuration comes from the environment GitHub Actions sets: ``GITHUB_TOKEN``,
``GITHUB_REPOSITORY``, ``GITHUB_API_URL`` and the event payload at ``GITHUB_EVENT_PATH``.
The token is sent in a header and never printed.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from lpgen.errors import LpgenError, UsageError, read_text


class GitHubError(LpgenError):
    """The GitHub API refused or failed a request."""


@dataclass(frozen=True)
class PullRequest:
    api: str
    repository: str
    number: int
    token: str

    def __repr__(self) -> str:  # never show the token
        return f"PullRequest({self.repository}#{self.number} via {self.api})"


def from_environment(env: dict[str, str] | None = None) -> PullRequest:
    """The pull request this run is for, from GitHub Actions' environment."""
    env = dict(os.environ if env is None else env)
    token = env.get("GITHUB_TOKEN", "")
    repo = env.get("GITHUB_REPOSITORY", "")
    api = env.get("GITHUB_API_URL", "https://api.github.com").rstrip("/")
    event_path = env.get("GITHUB_EVENT_PATH", "")
    missing = [k for k, v in (("GITHUB_TOKEN", token), ("GITHUB_REPOSITORY", repo), ("GITHUB_EVENT_PATH", event_path)) if not v]
    if missing:
        raise UsageError(f"--post github needs {', '.join(missing)} in the environment")
    text = read_text(event_path, UsageError, "cannot read the event payload")
    try:
        event = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{event_path}: the event payload is not JSON: {exc}") from exc
    number = (event.get("pull_request") or {}).get("number") or (event.get("issue") or {}).get("number") or event.get("number")
    if not isinstance(number, int):
        raise UsageError(f"{event_path}: not a pull request event (no pull_request.number)")
    return PullRequest(api, repo, number, token)


def _request(pr: PullRequest, method: str, url: str, body: dict[str, Any] | None = None) -> tuple[Any, dict[str, str]]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Authorization", f"Bearer {pr.token}")
    req.add_header("Accept", "application/vnd.github+json")
    req.add_header("X-GitHub-Api-Version", "2022-11-28")
    req.add_header("User-Agent", "lpgen")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - the configured API URL
            text = resp.read().decode() or "null"
            return json.loads(text), {k.lower(): v for k, v in resp.headers.items()}
    except urllib.error.HTTPError as exc:
        raise GitHubError(_explain(exc, method, url.replace(pr.api, ""))) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise GitHubError(f"GitHub API at {pr.api} cannot be reached: {exc}") from None


def _explain(exc: urllib.error.HTTPError, method: str, path: str) -> str:
    headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
    if exc.code == 401:
        return f"GitHub rejected the token (401) on {method} {path}: check GITHUB_TOKEN"
    if exc.code in (403, 429) and (headers.get("x-ratelimit-remaining") == "0" or exc.code == 429):
        reset = headers.get("x-ratelimit-reset", "")
        return f"GitHub API rate limit exceeded ({exc.code}){' until ' + reset if reset else ''}: try again later"
    if exc.code == 403:
        return (f"GitHub refused {method} {path} (403): the token needs permission to write pull request "
                "comments (permissions: pull-requests: write)")
    if exc.code == 404:
        return f"GitHub found no {path} (404): check GITHUB_REPOSITORY and the pull request number"
    return f"GitHub API error {exc.code} on {method} {path}"


_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


def find_comment(pr: PullRequest, marker: str) -> dict[str, Any] | None:
    """Our earlier comment on the pull request, across every page of comments."""
    url: str | None = f"{pr.api}/repos/{pr.repository}/issues/{pr.number}/comments?per_page=100"
    while url:
        page, headers = _request(pr, "GET", url)
        for comment in page or ():
            if marker in (comment.get("body") or ""):
                return dict(comment)
        m = _NEXT.search(headers.get("link", ""))
        url = m.group(1) if m else None
    return None


def post_sticky(pr: PullRequest, body: str, marker: str) -> tuple[str, int]:
    """Create the comment, or update the one that carries ``marker``: ("created"|"updated", id)."""
    if marker not in body:
        body = marker + "\n" + body
    existing = find_comment(pr, marker)
    if existing is not None:
        done, _ = _request(pr, "PATCH", f"{pr.api}/repos/{pr.repository}/issues/comments/{existing['id']}", {"body": body})
        return "updated", int(done.get("id", existing["id"]))
    done, _ = _request(pr, "POST", f"{pr.api}/repos/{pr.repository}/issues/{pr.number}/comments", {"body": body})
    return "created", int(done["id"])
