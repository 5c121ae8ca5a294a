"""Jobs over the whole index: fsck, copying storage."""
