"""Date formats per language (``FORMAT_MODULE_PATH``): one unambiguous format each.

A date is day, month name, year in every language ("7 Dec 2026", "7 déc. 2026",
"7 ديسمبر 2026"), never digits alone, where 12/07 reads as July in Paris and December in
New York. Times are on the 24-hour clock, which ends in no full stop ("10:16 a.m.." after
a sentence's own stop). What a language does not set here comes from Django's own locale.
"""
