"""Settings that name code by dotted path, resolved at start-up.

Apps meet through hooks held in settings as dotted paths: outbox handlers
(``LMS_EVENT_HANDLERS``), the course completion rule's providers, the publish steps, the
demo's seed steps. A path is imported only when first used, so a misspelt one would fail
at night in a worker, or on the first trainee's page. Each app that reads such a setting
registers a system check built with ``dotted_path_errors``: ``manage.py check`` (run by
``migrate``, ``runserver`` and ``check --deploy``, so by ``./dev setup`` and every
deployment) then refuses to start with a wrong path.
"""

from collections.abc import Callable, Iterable

from django.core import checks
from django.utils.module_loading import import_string


def dotted_path_errors(
    setting: str,
    paths: Iterable[str],
    *,
    check_id: str,
    accepts: Callable[[object], bool] = callable,
    expected: str = "a callable",
) -> list[checks.Error]:
    """One error for each path of ``setting`` that cannot be imported or names something
    that ``accepts`` refuses (by default: anything not callable)."""
    errors = []
    for path in paths:
        try:
            target = import_string(path)
        except ImportError as error:
            errors.append(
                checks.Error(
                    f"{setting} names {path!r}, which cannot be imported: {error}",
                    hint=f"Correct or remove the path in settings.{setting}.",
                    id=check_id,
                )
            )
            continue
        if not accepts(target):
            errors.append(
                checks.Error(
                    f"{setting} names {path!r}, which is not {expected}.",
                    hint=f"Correct or remove the path in settings.{setting}.",
                    id=check_id,
                )
            )
    return errors
