"""Text as XML 1.0 can carry it: the feeds and XML-RPC answers hold what
uploads stored, and one control character would make a client's parser
refuse the whole document."""

import re

NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids."""
    return NOT_XML.sub("", text)
