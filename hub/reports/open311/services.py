"""What can be reported: the latest release's report categories as Open311 services.

Names, groups and descriptions are in Polish unless the client asks for another language
(our `locale` extension); kiosk targeting does not apply to the outside world, but a
category outside its validity window is not offered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kiosk_core.content.model import Content, ReportCategory, tr


@dataclass(frozen=True)
class Service:
    service_code: str
    service_name: str
    description: str
    metadata: bool
    """True where the category asks extra questions (its service definition has attributes)."""
    type: str
    keywords: str
    group: str


@dataclass(frozen=True)
class Attribute:
    variable: bool
    code: str
    datatype: str
    required: bool
    datatype_description: str
    order: int
    description: str
    values: list[tuple[str, str]]
    """(key, name) of each choice of a list."""


@dataclass(frozen=True)
class Definition:
    service_code: str
    attributes: list[Attribute]


def offered(content: Content | None, now: datetime) -> list[ReportCategory]:
    """The categories clients may file requests in now."""
    if content is None:
        return []
    return [c for c in content.report_categories if c.valid_at(now)]


def find(content: Content | None, service_code: str, now: datetime) -> ReportCategory | None:
    return next((c for c in offered(content, now) if c.service_code == service_code), None)


def by_code(content: Content | None) -> dict[str, ReportCategory]:
    """Every category of the release, offered or not: names for requests filed earlier."""
    return {c.service_code: c for c in content.report_categories} if content else {}


def service(category: ReportCategory, lang: str) -> Service:
    keywords = category.keywords.get(lang) or category.keywords.get("pl") or []
    return Service(
        service_code=category.service_code,
        service_name=tr(category.name, lang),
        description=tr(category.description, lang),
        metadata=bool(category.attributes),
        type=category.type,
        keywords=", ".join(keywords),
        group=tr(category.group, lang),
    )


def definition(category: ReportCategory, lang: str) -> Definition:
    attributes = [
        Attribute(
            variable=a.variable,
            code=a.code,
            datatype=a.datatype,
            required=a.required,
            datatype_description=tr(a.datatype_description, lang),
            order=order,
            description=tr(a.description, lang),
            values=[(v.key, tr(v.name, lang)) for v in a.values],
        )
        for a, order in zip(category.attributes, category.attribute_orders(), strict=True)
    ]
    return Definition(category.service_code, sorted(attributes, key=lambda a: a.order))


NOTICE = {
    "pl": "Zgłoszenie nr {ref} przyjęte. Zajmie się nim: {department}.",
    "en": "Report no. {ref} received. It will be handled by: {department}.",
    "de": "Meldung Nr. {ref} eingegangen. Zuständig: {department}.",
    "cs": "Hlášení č. {ref} přijato. Vyřídí ho: {department}.",
    "uk": "Повідомлення № {ref} прийнято. Ним займеться: {department}.",
}
"""The service_notice a client shows after filing: the reference to quote and who acts."""


def notice(category: ReportCategory, lang: str, ref_code: str) -> str:
    template = NOTICE.get(lang, NOTICE["pl"])
    return template.format(ref=ref_code, department=tr(category.department, lang))
