"""FHIR XML read into the dictionaries of FHIR JSON (the rules of hl7.org/fhir/xml.html and
json.html), so that XML takes the JSON path: each bundle entry validated on its own, and every
mistake named by its entry and element.

fhir.resources' own XML reader is not used: it raised KeyError on an element FHIR does not
define, and its time grew with the square of the number of like elements side by side (2 MB took
minutes). Here the parser counts elements and depth as it reads, and refuses the file past either
limit before anything is built from it; a DOCTYPE is refused once the parser has decoded the
file, whatever its encoding (docs/reliability.md §3.4).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, cast

from fhir_core.utils import (
    determine_version_prefix,
    get_fhir_type_name,
    is_list_type,
    is_primitive_type,
)
from lxml import etree

from triage.errors import FileRejected, Place, Problem
from triage.intake.limits import MAX_FHIR_ELEMENTS, MAX_XML_DEPTH

FHIR_NAMESPACE = "http://hl7.org/fhir"
XHTML_NAMESPACE = "http://www.w3.org/1999/xhtml"
# The UTF-16 forms of "<", with and without a byte-order mark (the parser detects them itself).
UTF16_STARTS = (b"\xff\xfe<\x00", b"\xfe\xff\x00<", b"<\x00", b"\x00<")

Version = Literal["R4", "STU3"]
# Marks an element given again where FHIR allows it once ("#" is in no XML name).
REPEATED = "#again"


def parse_xml(data: bytes, name: str) -> etree._Element:
    """The document's root, parsed with no DTD, entities or network, counting as it goes."""
    events = etree.iterparse(
        io.BytesIO(data),
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    elements = depth = 0
    try:
        for event, element in events:
            if event == "end":
                depth -= 1
                continue
            if elements == 0:
                _refuse_doctype(element, name)
            elements += 1
            depth += 1
            if elements > MAX_FHIR_ELEMENTS:
                raise _rejected(
                    name,
                    element,
                    f"has more than {MAX_FHIR_ELEMENTS:,} elements; split it into smaller files",
                )
            if depth > MAX_XML_DEPTH:
                raise _rejected(name, element, f"is nested more than {MAX_XML_DEPTH} elements deep")
    except etree.XMLSyntaxError as error:
        line = error.position[0] if error.position else None
        raise FileRejected(
            Problem(name, Place(line=line), None, f"is not well-formed XML ({error.msg})")
        ) from None
    root: etree._Element = events.root
    return root


def _refuse_doctype(root: etree._Element, name: str) -> None:
    # Checked on what the parser decoded, so a DOCTYPE in UTF-16 is seen as in UTF-8.
    info = root.getroottree().docinfo
    internal: etree.DTD | None = info.internalDTD  # None when there is no DOCTYPE at all
    if internal is not None:
        raise FileRejected(
            Problem(
                name, None, None, "XML with a DOCTYPE or ENTITY is refused (FHIR never uses one)"
            )
        )


def _rejected(name: str, element: etree._Element, message: str) -> FileRejected:
    line = cast("int | None", element.sourceline)  # the stubs do not say
    return FileRejected(Problem(name, Place(line=line), None, message))


def local_name(element: etree._Element) -> str:
    """An element's name as FHIR JSON keys it. One outside FHIR (but the narrative's XHTML div),
    or one starting "_" (which JSON keeps for a primitive's extensions), keeps its namespace,
    so that it can never pass for a FHIR element."""
    qualified = etree.QName(element)
    if (qualified.namespace == FHIR_NAMESPACE and not qualified.localname.startswith("_")) or (
        qualified.namespace == XHTML_NAMESPACE and qualified.localname == "div"
    ):
        return qualified.localname
    return qualified.text


def resource_json(element: etree._Element, version: Version) -> dict[str, Any]:
    """A resource element as FHIR JSON. Elements FHIR does not define are kept under their names,
    for validation to name each one ("is not a FHIR element here")."""
    resource_type = local_name(element)
    return {"resourceType": resource_type, **_members(element, resource_type, version)}


@dataclass(frozen=True)
class _Field:
    is_list: bool
    kind: Literal["primitive", "xhtml", "resource", "complex"]
    type_name: str


@cache
def _fields(version: Version, type_name: str) -> dict[str, _Field]:
    """The elements a FHIR type defines, by name (empty for a type the version lacks)."""
    if version == "STU3":
        from fhir.resources.STU3 import get_fhir_model_class
    else:
        from fhir.resources.R4B import get_fhir_model_class
    try:
        model = get_fhir_model_class(type_name)
    except (KeyError, ValueError):
        return {}
    prefix = determine_version_prefix(model.__module__)
    fields = {}
    for element_name, field_name in model.get_alias_mapping().items():
        info = model.model_fields[field_name]
        try:
            field_type = get_fhir_type_name(info, prefix=prefix)
        except ValueError:
            continue  # not an element of the type (resource_type, fhir_comments)
        kind: Literal["primitive", "xhtml", "resource", "complex"] = "complex"
        if field_type == "xhtml":
            kind = "xhtml"
        elif is_primitive_type(info):
            kind = "primitive"
        elif field_type == "Resource":
            kind = "resource"
        fields[element_name] = _Field(is_list_type(info), kind, field_type)
    return fields


def _members(element: etree._Element, type_name: str, version: Version) -> dict[str, Any]:
    """An element's attributes and children as JSON members. What FHIR does not define, and a
    second of what FHIR allows once, is kept under a name no FHIR element has (with "@" or
    REPEATED), for validation to refuse by name."""
    fields = _fields(version, type_name)
    single: dict[str, Any] = {}
    lists: dict[str, list[Any]] = {}
    extras: dict[str, dict[int, Any]] = {}  # "_name" of a list of primitives, by position
    for attribute, value in element.attrib.items():
        key = str(attribute)
        known = fields.get(key)
        if known is None or known.is_list or key not in ("id", "url"):
            key = f"@{key}"  # FHIR XML's only attributes are id, url and a primitive's value
        single[key] = value
    for child in element:
        key = local_name(child)
        field = fields.get(key)
        if field is None:
            single[key] = child.get("value", "")
            continue
        for value, extra in _values(child, field, version):
            if field.is_list:
                values = lists.setdefault(key, [])
                if extra is not None:
                    extras.setdefault(key, {})[len(values)] = extra
                values.append(value)
            elif key in single:
                single[key + REPEATED] = value
            else:
                single[key] = value
                if extra is not None:
                    single[f"_{key}"] = extra
    for key, by_position in extras.items():
        single[f"_{key}"] = [by_position.get(index) for index in range(len(lists[key]))]
    return {**single, **lists}


def _values(
    element: etree._Element, field: _Field, version: Version
) -> Iterator[tuple[Any, dict[str, Any] | None]]:
    """An element's JSON value and, for a primitive with an id or extensions, its "_name"; a
    resource's element holds the resource (none, or more than one, as they come)."""
    if field.kind == "primitive":
        extra = {
            key: value
            for key, value in _members(element, "FHIRPrimitiveExtension", version).items()
            if key != "@value"
        }
        yield element.get("value"), extra or None
    elif field.kind == "xhtml":
        yield etree.tostring(element, encoding="unicode", with_tail=False), None
    elif field.kind == "resource":
        for resource in element:
            yield resource_json(resource, version), None
    else:
        yield _members(element, field.type_name, version), None
