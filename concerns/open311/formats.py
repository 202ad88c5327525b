"""Open311 responses in both formats, from one structure, so XML and JSON always carry the
same fields.

A response body is a list of dicts (or one dict for discovery and a service definition).
In XML, a list is an element holding one child per item, named by LIST_ITEMS; booleans are
"true"/"false" and None is an empty element, as the GeoReport v2 examples show.
"""

from __future__ import annotations

import json
from decimal import Decimal
from xml.etree import ElementTree

from django.http import HttpResponse

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"

# The element name of one item of each list.
LIST_ITEMS = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "service_requests": "request",
    "errors": "error",
}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _append(parent: ElementTree.Element, tag: str, value) -> None:
    element = ElementTree.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, item in value.items():
            _append(element, key, item)
    elif isinstance(value, list):
        child = LIST_ITEMS.get(tag, "item")
        for item in value:
            _append(element, child, item)
    else:
        element.text = _text(value)


def to_xml(root: str, body) -> bytes:
    element = ElementTree.Element(root)
    if isinstance(body, list):
        child = LIST_ITEMS[root]
        for item in body:
            _append(element, child, item)
    else:
        for key, value in body.items():
            _append(element, key, value)
    return ElementTree.tostring(element, encoding="utf-8", xml_declaration=True)


def _json_default(value):
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def to_json(body) -> bytes:
    return json.dumps(body, ensure_ascii=False, default=_json_default).encode("utf-8")


def respond(fmt: str, root: str, body, *, status: int = 200) -> HttpResponse:
    """`body` as `fmt` ("xml" or "json"); `root` names the XML document element."""
    if fmt == "xml":
        return HttpResponse(to_xml(root, body), content_type=XML_TYPE, status=status)
    return HttpResponse(to_json(body), content_type=JSON_TYPE, status=status)


def error_response(fmt: str, status: int, description: str, **headers) -> HttpResponse:
    """The spec's error document: a list of errors, each a code and a description."""
    response = respond(fmt, "errors", [{"code": status, "description": description}], status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response
