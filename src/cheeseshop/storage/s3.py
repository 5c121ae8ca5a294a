"""Files in S3, or anything speaking its API: ``cheeseshop.storage = s3``.

Settings: ``cheeseshop.storage.bucket`` (required), ``.prefix``,
``.endpoint_url``, ``.region``, and ``.redirect = presigned`` to send
downloads straight to the bucket with presigned URLs (``.url_expires``
seconds, default 3600). Credentials come from boto3's usual chain.
"""

import os

import boto3
import botocore.config
import botocore.exceptions
from boto3.s3.transfer import TransferConfig
from zope.interface import implementer

from cheeseshop.settings import parse_whole_number

from .errors import NotFound, StorageError, StorageFull
from .interfaces import IFileStorage
from .keys import check_key
from .streams import RemoteReadStream

PART_SIZE = 8 * 1024 * 1024
# Streamed in parts of PART_SIZE, one at a time: memory stays bounded
# whatever the file's size.
TRANSFER = TransferConfig(
    multipart_threshold=PART_SIZE,
    multipart_chunksize=PART_SIZE,
    max_concurrency=1,
    use_threads=False,
)


class _CountingReader:
    """Counts what boto3 reads, and fills every read: boto3 takes a short
    read for the end of the file, which a socket-backed stream is not."""

    def __init__(self, fileobj):
        self.fileobj = fileobj
        self.count = 0

    def read(self, n=-1):
        if n is None or n < 0:
            data = self.fileobj.read()
        else:
            parts, wanted = [], n
            while wanted > 0:
                part = self.fileobj.read(wanted)
                if not part:
                    break
                parts.append(part)
                wanted -= len(part)
            data = b"".join(parts)
        self.count += len(data)
        return data


def _is_missing(exc):
    code = exc.response.get("Error", {}).get("Code", "")
    return code in ("404", "NoSuchKey", "NotFound")


# What S3-compatible servers answer when they have no room: MinIO's full
# drives, Ceph RGW's and others' exhausted quotas.
NO_ROOM_CODES = frozenset({"XMinioStorageFull", "QuotaExceeded", "InsufficientStorage", "507"})


def _store_error(key, exc):
    """A failed upload_fileobj as a StorageError: StorageFull when the server
    has no room."""
    code = ""
    if isinstance(exc, botocore.exceptions.ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
    cls = StorageFull if code in NO_ROOM_CODES else StorageError
    return cls(f"{key}: {exc}")


@implementer(IFileStorage)
class S3Storage:
    transactional = False
    OPTIONS = ("bucket", "prefix", "endpoint_url", "region", "redirect", "url_expires")

    def __init__(self, client_factory, bucket, prefix="", redirect=None, url_expires=3600):
        self._client_factory = client_factory
        self._clients = {}
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.redirect = redirect
        self.url_expires = url_expires

    @classmethod
    def from_settings(cls, settings):
        bucket = settings.storage_option("bucket")
        if not bucket:
            raise StorageError("cheeseshop.storage.bucket (CHEESESHOP_STORAGE_BUCKET) is not set")
        redirect = settings.storage_option("redirect") or None
        if redirect not in (None, "none", "presigned"):
            raise StorageError(
                f"cheeseshop.storage.redirect = {redirect}: use 'presigned' or 'none'"
            )

        def client_factory():
            return boto3.client(
                "s3",
                endpoint_url=settings.storage_option("endpoint_url") or None,
                region_name=settings.storage_option("region") or None,
                config=botocore.config.Config(
                    # Presigned URLs that every region accepts.
                    signature_version="s3v4",
                    retries={"max_attempts": 5, "mode": "standard"},
                    connect_timeout=10,
                    read_timeout=60,
                ),
            )

        storage = cls(
            client_factory,
            bucket,
            prefix=settings.storage_option("prefix", ""),
            redirect=None if redirect == "none" else redirect,
            url_expires=parse_whole_number(
                "cheeseshop.storage.url_expires", settings.storage_option("url_expires", "3600")
            ),
        )
        storage.check()
        return storage

    @property
    def client(self):
        # One client per process: a worker forked after the start-up check
        # must not share the parent's pooled connections to S3.
        pid = os.getpid()
        client = self._clients.get(pid)
        if client is None:
            self._clients = {pid: self._client_factory()}
            client = self._clients[pid]
        return client

    def check(self):
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except botocore.exceptions.ClientError as exc:
            raise StorageError(
                f"cheeseshop.storage.bucket = {self.bucket}: {exc.response['Error'].get('Message') or exc}"
            ) from exc
        except botocore.exceptions.BotoCoreError as exc:
            raise StorageError(f"cheeseshop.storage.bucket = {self.bucket}: {exc}") from exc

    def _key(self, key):
        return self.prefix + check_key(key)

    def for_transaction(self, dbsession):
        return self

    def store(self, key, fileobj, size, content_type="application/octet-stream"):
        s3_key = self._key(key)
        reader = _CountingReader(fileobj)
        try:
            self.client.upload_fileobj(
                reader,
                self.bucket,
                s3_key,
                ExtraArgs={"ContentType": content_type},
                Config=TRANSFER,
            )
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            raise _store_error(key, exc) from exc
        if reader.count != size:
            # The object is complete as far as S3 knows, but not what we
            # were promised: take it back before anyone reads it.
            self.delete(key)
            raise StorageError(f"{key}: expected {size} bytes, the stream gave {reader.count}")

    def open(self, key):
        return S3ReadStream(self.client, self.bucket, self._key(key), key)

    def size(self, key):
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except botocore.exceptions.ClientError as exc:
            if _is_missing(exc):
                raise NotFound(key) from exc
            raise StorageError(f"{key}: {exc}") from exc
        except botocore.exceptions.BotoCoreError as exc:
            raise StorageError(f"{key}: {exc}") from exc
        return head["ContentLength"]

    def delete(self, key):
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except botocore.exceptions.ClientError as exc:
            if not _is_missing(exc):
                raise StorageError(f"{key}: {exc}") from exc
        except botocore.exceptions.BotoCoreError as exc:
            raise StorageError(f"{key}: {exc}") from exc

    def exists(self, key):
        try:
            self.size(key)
        except NotFound:
            return False
        return True

    def url(self, key, request):
        if self.redirect != "presigned":
            return None
        try:
            return self.client.generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket, "Key": self._key(key)},
                ExpiresIn=self.url_expires,
            )
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            # e.g. no credentials to sign with
            raise StorageError(f"{key}: cannot sign a URL: {exc}") from exc

    def accel_redirect(self, key):
        # A front server in front of a bucket is a CDN: see url().
        return None

    def keys(self):
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents", []):
                key = item["Key"][len(self.prefix) :]
                if key and not key.endswith("/"):  # not a "folder" marker
                    yield key

    def partial_writes(self):
        paginator = self.client.get_paginator("list_multipart_uploads")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for upload in page.get("Uploads", []):
                yield f"{upload['Key'][len(self.prefix) :]}?uploadId={upload['UploadId']}"

    def remove_partial(self, name):
        key, _, upload_id = name.partition("?uploadId=")
        try:
            self.client.abort_multipart_upload(
                Bucket=self.bucket, Key=self._key(key), UploadId=upload_id
            )
        except botocore.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "NoSuchUpload":
                raise StorageError(f"{name}: {exc}") from exc


class S3ReadStream(RemoteReadStream):
    """One object; each repositioning is a new ranged GET."""

    def __init__(self, client, bucket, s3_key, key):
        super().__init__()
        self.client = client
        self.bucket = bucket
        self.s3_key = s3_key
        self.body = None
        self._get(key)

    def _get(self, key=None):
        kwargs = {"Bucket": self.bucket, "Key": self.s3_key}
        if self.position:
            kwargs["Range"] = f"bytes={self.position}-"
        try:
            response = self.client.get_object(**kwargs)
        except botocore.exceptions.ClientError as exc:
            if _is_missing(exc):
                raise NotFound(key or self.s3_key) from exc
            if exc.response.get("Error", {}).get("Code") == "InvalidRange":
                self.body = None
                return
            raise StorageError(f"{self.s3_key}: {exc}") from exc
        except botocore.exceptions.BotoCoreError as exc:
            raise StorageError(f"{self.s3_key}: {exc}") from exc
        self.body = response["Body"]

    def _fetch(self, n):
        if self.body is None:
            return b""
        try:
            return self.body.read(n)
        except (botocore.exceptions.BotoCoreError, OSError) as exc:
            # A timeout or a cut-off response mid-object.
            raise StorageError(
                f"{self.s3_key}: reading failed at byte {self.position}: {exc}"
            ) from exc

    def _reposition(self):
        self._close_body()
        self._get()

    def _close_body(self):
        if self.body is not None:
            self.body.close()
            self.body = None

    def close(self):
        self._close_body()
        super().close()
