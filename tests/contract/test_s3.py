import pytest
from pyramid.exceptions import ConfigurationError

from cheeseshop.settings import load as load_settings
from cheeseshop.storage import storage_from_settings
from cheeseshop.storage.testing import StorageContract


@pytest.fixture
def storage(s3_bucket):
    return storage_from_settings(load_settings(s3_bucket))


class TestS3Storage(StorageContract):
    pass


class TestS3WithPrefix(StorageContract):
    @pytest.fixture
    def storage(self, s3_bucket):
        return storage_from_settings(
            load_settings({**s3_bucket, "cheeseshop.storage.prefix": "index/files"})
        )


def test_missing_bucket_is_a_configuration_error_naming_the_key(s3_bucket):
    with pytest.raises(ConfigurationError, match="cheeseshop.storage.bucket = no-such-bucket"):
        storage_from_settings(
            load_settings({**s3_bucket, "cheeseshop.storage.bucket": "no-such-bucket"})
        )


def test_presigned_redirect_urls_fetch_the_bytes(s3_bucket):
    import io
    import urllib.request

    from cheeseshop.storage.testing import key_for

    storage = storage_from_settings(
        load_settings({**s3_bucket, "cheeseshop.storage.redirect": "presigned"})
    )
    key = key_for(b"signed")
    storage.store(key, io.BytesIO(b"signed"), 6)
    with urllib.request.urlopen(storage.url(key, None)) as response:
        assert response.read() == b"signed"


def test_an_incomplete_multipart_upload_is_a_partial_write(s3_bucket):
    storage = storage_from_settings(
        load_settings({**s3_bucket, "cheeseshop.storage.prefix": "files"})
    )
    started = storage.client.create_multipart_upload(
        Bucket=storage.bucket, Key="files/ab/cd/ef/x.whl"
    )
    partial = list(storage.partial_writes())
    assert partial == [f"ab/cd/ef/x.whl?uploadId={started['UploadId']}"]
    storage.remove_partial(partial[0])
    assert list(storage.partial_writes()) == []
