"""The certificates API (``/api/v1/``), one module per audience (see certificates/api_urls.py)."""
