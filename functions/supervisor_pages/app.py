"""The supervisor's console, for the signed-in supervisor: waiting staff tasks and their reassignment,
certificate revocation."""

from aws_lambda_powertools.logging import correlation_paths

from akta.observability import MetricUnit, logger, metrics
from akta.service import supervision
from akta.service.common import now
from akta.web import pages, staff_session
from akta.web.api import form_fields, html, page_resolver
from akta.wiring import Wiring

adapters = Wiring.from_environment()  # this function's declared settings, checked once at start

app = page_resolver()
staff_session.behind_sign_in(app)


def _supervisor() -> dict:
    return staff_session.current(adapters, app.current_event, "supervisor").person


@app.get("/supervisor")
def console():
    supervisor = _supervisor()
    return html(200, pages.supervisor_page(supervision.console(adapters, supervisor, now()), signed_in=supervisor))


@app.post("/supervisor/<action>")
def act(action: str):
    supervisor = _supervisor()
    if action not in ("reassign", "revoke"):
        return html(404, pages.not_found_page())
    try:
        console, errors = supervision.act(adapters, action, form_fields(app), supervisor)
    except supervision.ConsoleStale as stale:
        return html(403, pages.supervisor_page(supervision.console(adapters, supervisor, now()), stale.errors,
                                               signed_in=supervisor))
    if not errors:
        metrics.add_metric(f"Supervisor{action.title()}", MetricUnit.Count, 1)
        logger.info("supervisor action", extra={"action": action, "supervisor": supervisor["staff_id"]})
    return html(422 if errors else 200, pages.supervisor_page(console, errors, signed_in=supervisor))


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event, context):
    return app.resolve(event, context)
