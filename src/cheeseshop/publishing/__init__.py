"""An upload without HTTP: the form, the distribution, the README, the recording."""
