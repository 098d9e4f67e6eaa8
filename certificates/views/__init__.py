"""Pages of the certificates app, one module per audience (see certificates/urls.py)."""
