"""A local API Gateway: HTTP requests on 127.0.0.1 become REST API proxy events for the declared routes."""

from __future__ import annotations

import base64
from html import unescape
import re
import threading
import uuid

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from infra.declaration import GATEWAY_RESPONSES, ROUTES, gateway_response_body
from sandbox.environments import FunctionError, Throttled
from sandbox.lambdas import LambdaRouter


_URL = re.compile(r"""https?://[^\s"'<>]+""")


def _pattern(path: str) -> re.Pattern:
    regex = re.sub(r"\{(\w+)\+\}", r"(?P<\1>.+)", path)
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", regex)
    return re.compile(f"^{regex}$")


class Gateway:
    def __init__(self, router: LambdaRouter):
        self.router = router
        self.routes = [(route, _pattern(route.path)) for route in ROUTES]
        # Like API Gateway's access log: every URL requested, and every link the pages handed out.
        self.urls: list[str] = []

    def event(self, request: Request, route, params: dict) -> dict:
        body = request.get_data()
        text_like = (request.mimetype or "").startswith(("application/json", "application/x-www-form-urlencoded", "text/"))
        if text_like:
            try:
                body.decode()
            except UnicodeDecodeError:
                text_like = False  # bytes that are not text travel base64-encoded, as API Gateway sends them
        return {
            "resource": route.path,
            "path": request.path,
            "httpMethod": request.method,
            "headers": dict(request.headers),
            "multiValueHeaders": {k: request.headers.getlist(k) for k in request.headers.keys()},
            "queryStringParameters": request.args.to_dict() or None,
            "multiValueQueryStringParameters": request.args.to_dict(flat=False) or None,
            "pathParameters": params or None,
            "stageVariables": None,
            "requestContext": {
                "resourcePath": route.path, "httpMethod": request.method, "path": request.path, "stage": "local",
                "requestId": str(uuid.uuid4()), "identity": {"sourceIp": request.remote_addr},
            },
            "body": (body.decode() if text_like else base64.b64encode(body).decode()) if body else None,
            "isBase64Encoded": bool(body) and not text_like,
        }

    def authorize(self, route, request: Request) -> dict | str:
        """API Gateway's TOKEN authorizer step: the route's authorizer function, or the gateway's refusal."""
        event = {"type": "TOKEN", "authorizationToken": request.headers.get("Authorization", ""),
                 "methodArn": f"arn:aws:execute-api:{self.router.region}:{self.router.account}:local/local/{request.method}{request.path}"}
        try:
            policy = self.router.invoke(route.authorizer, event)
        except FunctionError as failed:
            # API Gateway: the authorizer's "Unauthorized" is a 401; any other failure of it a 500.
            return "UNAUTHORIZED" if failed.message == "Unauthorized" else "AUTHORIZER_FAILURE"
        except Throttled:
            return "AUTHORIZER_FAILURE"
        if policy["policyDocument"]["Statement"][0]["Effect"] != "Allow":
            return "ACCESS_DENIED"
        return {**policy.get("context", {}), "principalId": policy["principalId"]}

    def __call__(self, environ, start_response):
        request = Request(environ)
        self.urls.append(request.url)
        for route, pattern in self.routes:
            match = pattern.match(request.path)
            if match and route.method in ("ANY", request.method):
                event = self.event(request, route, match.groupdict())
                if route.authorizer:
                    authorized = self.authorize(route, request)
                    if isinstance(authorized, str):
                        return self.refuse(authorized)(environ, start_response)
                    event["requestContext"]["authorizer"] = authorized
                try:
                    result = self.router.invoke(route.function, event)
                except Throttled:  # Lambda's 429 is an integration failure to API Gateway: 500
                    return Response('{"message":"Internal server error"}', status=500,
                                    content_type="application/json")(environ, start_response)
                except Exception:  # noqa: BLE001 - API Gateway answers a failed Lambda with 502
                    return Response('{"message":"Internal server error"}', status=502,
                                    content_type="application/json")(environ, start_response)
                body = result.get("body") or ""
                data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
                self.urls += [] if result.get("isBase64Encoded") else [unescape(u) for u in _URL.findall(body)]
                response = Response(data, status=result["statusCode"])
                for key, value in (result.get("headers") or {}).items():
                    response.headers[key] = value
                for key, values in (result.get("multiValueHeaders") or {}).items():
                    response.headers.setlist(key, values)
                return response(environ, start_response)
        return self.refuse("MISSING_AUTHENTICATION_TOKEN")(environ, start_response)  # what a REST API answers

    @staticmethod
    def refuse(kind: str) -> Response:
        if kind not in GATEWAY_RESPONSES:  # a response the stack leaves as API Gateway's default
            return Response('{"message":null}', status=500, content_type="application/json")
        return Response(gateway_response_body(kind), status=GATEWAY_RESPONSES[kind][0], content_type="application/json")


class GatewayServer:
    def __init__(self, router: LambdaRouter, port: int = 0):
        self.gateway = Gateway(router)
        self.server = make_server("127.0.0.1", port, self.gateway, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "GatewayServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
