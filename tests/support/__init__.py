"""Helpers the tests share that are not fixtures: a private Virtuoso server."""
