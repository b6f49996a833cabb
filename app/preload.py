"""Work the gunicorn master does once (preload_app) so workers share it."""
import datetime as dt

from flask_babel import force_locale

from app.filters import local_datetime
from app.i18n import DOMAIN, REGIONAL_LOCALE


def compile_for_workers(app) -> int:
    """Do in the gunicorn master (preload_app) what every worker would
    otherwise do on its first requests: compile every template, load both
    languages' catalogues and locale data. Forked workers share the result,
    so a recycled worker (max_requests) serves its first page at full speed."""
    import icalendar  # noqa: F401  the calendar feed's library, shared by the workers
    env = app.jinja_env
    names = env.list_templates(filter_func=lambda name: name.endswith(".html"))
    for name in names:
        env.get_template(name)
    with app.test_request_context("/"):
        for locale in REGIONAL_LOCALE.values():
            with force_locale(locale):
                DOMAIN.get_translations()
                local_datetime(dt.datetime(2026, 1, 1))
    return len(names)

