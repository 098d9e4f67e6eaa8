"""CSV downloads that are safe to open in a spreadsheet."""

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A value safe to put in a CSV opened by a spreadsheet: text that would start a
    formula gets a leading apostrophe, so it is shown and never run."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return f"'{value}"
    return value
