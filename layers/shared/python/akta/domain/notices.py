"""WhatsApp template messages, checked against the definitions kept in whatsapp_templates.json."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources

_PLACEHOLDER = re.compile(r"\{\{(\d+)\}\}")
META_PARAMETER_MAX = 1024  # Meta's limit on one template text parameter


@dataclass(frozen=True)
class Template:
    name: str
    category: str
    language: str
    body: str
    parameters: tuple[str, ...]


def templates() -> dict[str, Template]:
    raw = json.loads(resources.files("akta.domain").joinpath("whatsapp_templates.json").read_text())
    return {
        name: Template(name, t["category"], t["language"], t["body"], tuple(t["parameters"]))
        for name, t in raw["templates"].items()
    }


class TemplateMismatch(ValueError):
    pass


def template_message(to: str, name: str, values: dict[str, str]) -> dict:
    """The Meta Cloud API message for a template, refusing anything the definition does not allow."""
    template = templates().get(name)
    if template is None:
        raise TemplateMismatch(f"unknown template {name}")
    if template.category != "UTILITY":
        raise TemplateMismatch(f"{name}: only UTILITY templates are sent")
    if set(values) != set(template.parameters):
        raise TemplateMismatch(f"{name}: parameters {sorted(values)} != {list(template.parameters)}")
    if len(_PLACEHOLDER.findall(template.body)) != len(template.parameters):
        raise TemplateMismatch(f"{name}: body placeholders do not match its parameters")
    texts = [values[p] for p in template.parameters]
    for parameter, text in zip(template.parameters, texts):
        if not text or "\n" in text or len(text) > META_PARAMETER_MAX:
            raise TemplateMismatch(f"{name}: parameter {parameter} is empty, multi-line or too long")
    return {
        "messaging_product": "whatsapp",
        "to": to,
        "type": "template",
        "template": {
            "name": name,
            "language": {"code": template.language},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": t} for t in texts]}],
        },
    }


def render(name: str, values: dict[str, str]) -> str:
    """The text the citizen sees, for records and the sandbox's outbox."""
    template = templates()[name]
    texts = [values[p] for p in template.parameters]
    return _PLACEHOLDER.sub(lambda m: texts[int(m.group(1)) - 1], template.body)
