"""Click commands that live beside the modules they drive; :mod:`casegraph.cli` registers them."""
