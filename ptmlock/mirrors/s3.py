"""A shared blob cache in an S3-compatible object store (AWS S3, MinIO, Ceph, SeaweedFS).

`s3://BUCKET/PREFIX` holds blobs by content: PREFIX/blobs/sha256/<hex>. An install reads a locked file
from it before the hub and writes back what it had to download, so a fleet of CI jobs pulls each file
from the hub once. Whatever the bucket returns is checked against ptm.lock by the store like any
download; a corrupt or hostile object is refused and the hub asked instead. The client is boto3 (the
`s3` extra): credentials and the endpoint come from its usual settings (AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL, profiles), never from ptm.toml.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import PtmError
from ..hubs.base import Download
from ..lockfile import LockedFile, LockedModel
from .base import NotInMirror

CHUNK = 1 << 20
_BUCKET_RE = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_MISSING = ("404", "NoSuchKey", "NotFound")


def parse_s3_url(url: str, where: str) -> tuple[str, str]:
    """``s3://bucket/prefix`` as (bucket, prefix without slashes at either end)."""
    if not url.startswith("s3://"):
        raise PtmError(f"{where}: {url!r} is not an S3 URL; write s3://BUCKET/PREFIX", exit_code=2)
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    if not _BUCKET_RE.fullmatch(bucket):
        raise PtmError(f"{where}: {bucket!r} is not a valid S3 bucket name", exit_code=2)
    return bucket, prefix.strip("/")


def _client() -> Any:
    try:
        import boto3
    except ImportError as error:
        raise PtmError(
            "an s3:// cache needs boto3: pip install 'ptmlock[s3]' (or unset it to use the hub only)",
            exit_code=2,
        ) from error
    return boto3.client("s3")


class S3Cache:
    def __init__(self, url: str, where: str = "PTM_CACHE_REMOTE") -> None:
        self.url = url
        self.bucket, self.prefix = parse_s3_url(url, where)
        self._s3 = _client()

    @property
    def label(self) -> str:
        return self.url

    def key(self, sha256: str) -> str:
        return "/".join(filter(None, (self.prefix, "blobs", "sha256", sha256)))

    def close(self) -> None:
        self._s3.close()

    def _error(self, sha256: str, error: Exception) -> PtmError:
        return PtmError(
            f"{self.url}: {type(error).__name__} for blob {sha256[:12]} ({_code(error) or error}); check the "
            "bucket, AWS_ENDPOINT_URL and the credentials, or unset the remote cache to use the hub only"
        )

    @contextmanager
    def open(self, model: LockedModel, file: LockedFile, offset: int = 0) -> Iterator[Download]:
        from botocore.exceptions import BotoCoreError, ClientError

        extra = {"Range": f"bytes={offset}-"} if offset else {}
        try:
            answer = self._s3.get_object(Bucket=self.bucket, Key=self.key(file.sha256), **extra)
        except ClientError as error:
            if _code(error) in _MISSING:
                raise NotInMirror(f"{self.url} has no blob {file.sha256[:12]}") from error
            raise self._error(file.sha256, error) from error
        except BotoCoreError as error:
            raise self._error(file.sha256, error) from error
        body = answer["Body"]
        try:
            start = offset if answer.get("ContentRange") else 0
            yield Download(start, body.iter_chunks(CHUNK))
        finally:
            body.close()

    def has(self, sha256: str) -> bool:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._s3.head_object(Bucket=self.bucket, Key=self.key(sha256))
            return True
        except ClientError as error:
            if _code(error) in _MISSING:
                return False
            raise self._error(sha256, error) from error
        except BotoCoreError as error:
            raise self._error(sha256, error) from error

    def put(self, sha256: str, path: Path, replace: bool = False) -> bool:
        """Upload a verified blob unless the bucket has it (``replace``: one found corrupt there); True
        when it was sent."""
        from botocore.exceptions import BotoCoreError, ClientError

        if not replace and self.has(sha256):
            return False
        try:
            self._s3.upload_file(str(path), self.bucket, self.key(sha256))
        except (ClientError, BotoCoreError) as error:
            raise self._error(sha256, error) from error
        return True


def _code(error: Exception) -> str | None:
    response = getattr(error, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    return str(code) if code is not None else None
