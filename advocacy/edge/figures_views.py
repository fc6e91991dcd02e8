"""The figures pages: England, a region, a local authority; every table also as CSV. Thin."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from advocacy.date_words import moment_long
from advocacy.edge.handlers import csv_response, link, page_context, staff_page
from advocacy.edge.keys import services_key
from advocacy.errors import ServiceError
from advocacy.figures import charts, rules
from advocacy.figures.service import Figures
from advocacy.figures.table import COLUMN_KEYS, COLUMNS, csv_heading, csv_value, fewer_text, sort_rows
from advocacy.figures.tally import ENGLAND

routes = web.RouteTableDef()

SORTS = ("name", *COLUMN_KEYS)


def _period(request: web.Request, figures: Figures) -> rules.Period:
    try:
        return rules.choose_period(request.query.get("from") or None, request.query.get("to") or None,
                                   figures.this_month())
    except ValueError as exc:
        raise ServiceError("bad_request", f"{exc} Nothing was changed.") from None


def _sorting(request: web.Request) -> tuple[str, bool]:
    column = request.query.get("sort", "name")
    order = request.query.get("order", "asc" if column == "name" else "desc")
    if column not in SORTS or order not in ("asc", "desc"):
        raise ServiceError("bad_request", f"sort must be one of {', '.join(SORTS)} and order asc or desc.")
    return column, order == "desc"


def _ranked(rows: list[dict[str, Any]], column: str, descending: bool) -> list[dict[str, Any]]:
    if column == "name":
        return sorted(rows, key=lambda r: r["name"], reverse=descending)
    return sort_rows(rows, column, descending)


def _href(row: Mapping[str, Any]) -> str:
    return f"/figures/las/{row['code']}" if row["kind"] == "la" else f"/figures/regions/{row['code']}"


async def _page(request: web.Request, area_id: str) -> web.StreamResponse:
    principal = await staff_page(request, "page.figures",
                                 "The figures are for reviewers at the Commissioner's office, managers and admins.")
    figures = request.app[services_key].figures
    period = _period(request, figures)
    column, descending = _sorting(request)
    download = request.query.get("download")
    areas = {a.id: a for a in await figures.areas()}
    area = areas.get(area_id)
    if area is None:
        raise web.HTTPNotFound()
    rows_of = {"england": ["region", "la"], "region": ["la"], "la": []}[area.kind]
    data = await figures.read(period, [area_id], rows_of)
    published = data["areas"].get(area_id)
    if published is None:
        raise web.HTTPNotFound()
    regions = [r for r in data["rows"] if r["kind"] == "region"]
    las = [r for r in data["rows"] if r["kind"] == "la" and (area.kind == "england" or r["parent"] == area_id)]
    tables = {"figures": True, "months": True, "categories": True, "complaints": True, "feedback": True,
              "regions": bool(regions),
              "las": bool(las)}
    if download is not None:
        if not tables.get(download):
            raise ServiceError("bad_request",
                               f"download must be one of {', '.join(k for k, v in tables.items() if v)}.")
        return _download(download, published, period, _ranked(regions, column, descending),
                         _ranked(las, column, descending))
    months = period.window
    lines = [{"column": c, "cell": published["row"][c.key],
              "chart": charts.bars(months, published["series"][c.key], c.heading, figures.small)} for c in COLUMNS]
    trail = [("England", "/figures")]
    if area.kind == "la" and area.parent and area.parent in areas and area.parent != ENGLAND:
        trail.append((areas[area.parent].name, f"/figures/regions/{areas[area.parent].code}"))
    context = page_context(
        request, "figures", principal.public(), area=area, period=period, lines=lines,
        months=[rules.month_words(m, short=True) for m in months], published=published,
        regions=_ranked(regions, column, descending), las=_ranked(las, column, descending), columns=COLUMNS,
        sort=column, descending=descending, trail=trail if area.kind != "england" else [],
        checked=moment_long(data["current"].get("checked_at")),
        changed=moment_long(data["current"].get("computed_at")), href=_href,
        link=lambda **changes: link(request, **changes), this_month=figures.this_month(),
        fewer=fewer_text(figures.small), small=figures.small,
    )
    return aiohttp_jinja2.render_template("oversight/figures.html", request, context)


def _download(which: str, published: Mapping[str, Any], period: rules.Period, regions: list, las: list) -> web.Response:
    """A table as CSV: numbers as numbers, each figure's unit in its heading, and the page's words for a
    figure not shown."""
    name = f"{published['name']} {which} {period.key}"
    if which == "figures":
        row = published["row"]
        return csv_response(name, ["Figure", period.words, "Note"],
                            [(csv_heading(c), csv_value(c.key, row[c.key]), row[c.key]["note"]) for c in COLUMNS])
    if which == "months":
        window = period.window
        return csv_response(name, ["Figure", *[rules.month_words(m, short=True) for m in window]],
                            [(csv_heading(c), *[csv_value(c.key, cell) for cell in published["series"][c.key]])
                             for c in COLUMNS])
    if which == "categories":
        return csv_response(name, ["Concerns about", "Concerns raised", "Per 100 children"],
                            [(c["label"], csv_value("known", c["count"]), csv_value("concerns", c["rate"]))
                             for c in published["categories"]])
    if which == "complaints":
        return csv_response(name, ["Outcome", "Complaints answered"],
                            [(c["label"], csv_value("known", c["count"])) for c in published.get("complaints", [])])
    if which == "feedback":
        return csv_response(name, ["Answer", "Children who answered so"],
                            [(c["label"], csv_value("known", c["count"])) for c in published.get("feedback", [])])
    rows = regions if which == "regions" else las
    header = ["Region" if which == "regions" else "Local authority", *([] if which == "regions" else ["Code"]),
              *[csv_heading(c) for c in COLUMNS]]
    return csv_response(name, header, [(r["name"], *([] if which == "regions" else [r["code"]]),
                                        *[csv_value(c.key, r["row"][c.key]) for c in COLUMNS]) for r in rows])


@routes.get("/figures", name="figures")
async def england_page(request: web.Request) -> web.StreamResponse:
    return await _page(request, ENGLAND)


@routes.get("/figures/regions/{region}", name="figures_region")
async def region_page(request: web.Request) -> web.StreamResponse:
    return await _page(request, f"region:{request.match_info['region'][:80]}")


@routes.get("/figures/las/{la}", name="figures_la")
async def la_page(request: web.Request) -> web.StreamResponse:
    return await _page(request, f"la:{request.match_info['la'][:40]}")
