"""Timestamps as the APIs show them."""

import datetime

from cheeseshop.models.timestamps import iso_8601

UPLOADED = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456)


def test_upload_time_iso():
    assert iso_8601(UPLOADED) == "2024-05-06T07:08:09.123456Z"
    assert iso_8601(datetime.datetime(2024, 1, 1)) == "2024-01-01T00:00:00.000000Z"
