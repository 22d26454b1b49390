"""lpgen: least-privilege IAM policies for AWS Lambda handlers."""

from __future__ import annotations

__version__ = "0.1.0"
