"""The supervisor's console: sign in with ID and PIN, reassign a waiting staff task, revoke a certificate."""

from aws_lambda_powertools.logging import correlation_paths

from akta.observability import MetricUnit, logger, metrics
from akta.service import supervision
from akta.web import pages
from akta.web.api import form_fields, html, page_resolver
from akta.wiring import Wiring

adapters = Wiring.from_environment()  # this function's declared settings, checked once at start

app = page_resolver()


@app.get("/supervisor")
def sign_in_page():
    return html(200, pages.supervisor_login_page())


@app.post("/supervisor")
def sign_in():
    fields = form_fields(app)
    return html(200, pages.supervisor_page(supervision.sign_in(adapters, fields.get("staff_id", ""), fields.get("pin", ""))))


@app.post("/supervisor/<action>")
def act(action: str):
    if action not in ("reassign", "revoke"):
        return html(404, pages.not_found_page())
    console, errors = supervision.act(adapters, action, form_fields(app))
    if not errors:
        metrics.add_metric(f"Supervisor{action.title()}", MetricUnit.Count, 1)
        logger.info("supervisor action", extra={"action": action, "supervisor": console.supervisor["staff_id"]})
    return html(422 if errors else 200, pages.supervisor_page(console, errors))


@app.exception_handler(supervision.SignInRefused)
def refused(exc: supervision.SignInRefused):
    return html(403, pages.supervisor_login_page(exc.errors))


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event, context):
    return app.resolve(event, context)
