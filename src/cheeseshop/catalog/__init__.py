"""Projects, releases and the journal of every change."""
