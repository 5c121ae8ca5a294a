"""The accessibility check itself finds what it should: a page with an image
without alternative text and an unlabelled field fails it."""

import pytest


def test_the_check_fails_an_inaccessible_page(browser, assert_accessible):
    browser.get("data:text/html,<html><body><img src='x.png'><input type=text></body></html>")
    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible()
