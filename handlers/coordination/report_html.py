"""The tray report as one self-contained HTML file: inline CSS and SVG, no script, no font.

Readable on a phone (one column, wrapping tables) and printable on A4. Written in the
coordinator's language (Finnish, Swedish or English) through the gettext catalogs.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from catalog.model import Catalogue, Text
from handlers.coordination.tray_report import DemandLine, Report
from handlers.core.formatting import localised
from handlers.core.i18n import Speaker
from handlers.newcomers.demand import shown
from handlers.volunteers.typed_input import kind_label

STYLE = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;
max-width:60rem;padding:1rem;color:#1b1b1b;line-height:1.4}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.2rem;border-bottom:2px solid #0a5;
margin-top:1.6rem}h3{font-size:1rem;margin:1rem 0 .3rem}
table{border-collapse:collapse;width:100%;margin:.4rem 0}
th,td{border:1px solid #bbb;padding:.3rem .4rem;vertical-align:top;text-align:left}
th{background:#eef6f1}
.grid td{width:31%}.grid ul{margin:0;padding-left:1rem}.empty{color:#a33}
.muted{color:#555;font-size:.9rem}svg{max-width:100%;height:auto}
.gaps li{margin:.1rem 0}
@media (max-width:40rem){.grid th,.grid td{display:block;width:100%}
.grid tr:first-child{display:none}
.grid td::before{content:attr(data-label);display:block;font-weight:600;color:#075}}
@page{size:A4;margin:15mm}
@media print{body{max-width:none;padding:0}h2{break-after:avoid}table{break-inside:auto}
tr{break-inside:avoid}}
"""


def title_of(text: Text, speaker: Speaker) -> str:
    """A name or title as written, in the reader's language when there is one."""
    return localised(text, speaker, say_language=False)


def class_label(klass: str, speaker: Speaker) -> str:
    """A tray class's name."""
    _ = speaker.gettext
    labels = {
        "support": _("Support"),
        "participation": _("Participation"),
        "recruitment": _("Recruitment"),
    }
    return labels.get(klass, klass)


def level_label(level: str, speaker: Speaker) -> str:
    """A level's name."""
    _ = speaker.gettext
    labels = {"national": _("National"), "regional": _("Regional"), "local": _("Local")}
    return labels.get(level, level)


def audience_label(audience: str, speaker: Speaker) -> str:
    """An audience's name."""
    _ = speaker.gettext
    labels = {
        "everyone": _("Everyone"),
        "women": _("Women"),
        "men": _("Men"),
        "children": _("Children"),
        "youth": _("Youth"),
        "families": _("Families"),
        "seniors": _("Seniors"),
        "organisations": _("Organisations"),
    }
    return labels.get(audience, audience)


def bar_chart(values: Sequence[tuple[str, int]], title: str) -> str:
    """A horizontal bar chart as inline SVG (labels left, counts right)."""
    if not values:
        return ""
    top = max(count for _, count in values) or 1
    row, label_width, bar_width = 22, 210, 300
    height = row * len(values) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 '
        f'{label_width + bar_width + 50} {height}" width="{label_width + bar_width + 50}" '
        f'height="{height}"><title>{escape(title)}</title>'
    ]
    for index, (label, count) in enumerate(values):
        y = index * row + 5
        width = max(2, round(bar_width * count / top))
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end" font-size="13">'
            f"{escape(label)}</text>"
            f'<rect x="{label_width}" y="{y + 3}" width="{width}" height="15" fill="#0a5"/>'
            f'<text x="{label_width + width + 4}" y="{y + 15}" font-size="13">{count}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _list(items: Sequence[str], speaker: Speaker) -> str:
    if not items:
        return "<p>" + escape(speaker.gettext("None")) + "</p>"
    return "<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>"


def grid(report: Report, catalogue: Catalogue, speaker: Speaker) -> str:
    """The 3 × 3 table: levels down, classes across, activities by organisation in cells."""
    cells = {(c.klass, c.level): c for c in report.tray.cells}
    classes = list(dict.fromkeys(c.klass for c in report.tray.cells))
    levels = list(dict.fromkeys(c.level for c in report.tray.cells))
    head = "".join(f"<th>{escape(class_label(k, speaker))}</th>" for k in classes)
    rows = [f'<table class="grid" id="tray-grid"><tr><th></th>{head}</tr>']
    for level in levels:
        rows.append(f"<tr><th>{escape(level_label(level, speaker))}</th>")
        for klass in classes:
            label = escape(class_label(klass, speaker))
            by_org: dict[str, list[str]] = {}
            for activity_id in cells[(klass, level)].activities:
                activity = catalogue.activity(activity_id)
                if activity is None:
                    continue
                organisation = catalogue.organisation(activity.organisation)
                name = (
                    localised(organisation.name, speaker, say_language=False)
                    if organisation
                    else activity.organisation
                )
                by_org.setdefault(name, []).append(title_of(activity.title, speaker))
            if by_org:
                items = "".join(
                    f"<li><strong>{escape(org)}</strong>: {escape(', '.join(titles))}</li>"
                    for org, titles in by_org.items()
                )
                rows.append(f'<td data-label="{label}"><ul>{items}</ul></td>')
            else:
                nothing = escape(speaker.gettext("Nothing on offer"))
                rows.append(f'<td class="empty" data-label="{label}">{nothing}</td>')
        rows.append("</tr>")
    rows.append("</table>")
    return "".join(rows)


def tray_section(report: Report, catalogue: Catalogue, speaker: Speaker) -> str:
    """The grid, the counts around it and a chart of activities by kind."""
    _ = speaker.gettext
    tray = report.tray
    kinds = [(kind_label(k, speaker), n) for k, n in tray.by_kind.items()]
    audiences = ", ".join(
        f"{audience_label(a, speaker)} {n}" for a, n in tray.by_audience.items()
    )
    languages = ", ".join(
        f"{speaker.language_name(code)} {n}" for code, n in tray.by_language.items()
    )
    places = ", ".join(f"{m} {n}" for m, n in tray.by_municipality.items())
    return "".join(
        (
            '<section id="tray"><h2>' + escape(_("The tray")) + '</h2>',
            grid(report, catalogue, speaker),
            "<p>"
            + escape(_("Weekly hours offered: %(hours)s") % {"hours": tray.weekly_hours})
            + "<br>"
            + escape(
                _("Free: %(free)d · Paid: %(paid)d · No Finnish needed: %(none)d")
                % {"free": tray.free, "paid": tray.paid, "none": tray.no_finnish}
            )
            + "</p>",
            "<h3>" + escape(_("Audience")) + f"</h3><p>{escape(audiences)}</p>",
            "<h3>" + escape(_("Language")) + f"</h3><p>{escape(languages)}</p>",
            "<h3>" + escape(_("Municipality")) + f"</h3><p>{escape(places)}</p>",
            "<h3>" + escape(_("Activities by kind")) + "</h3>",
            bar_chart(kinds, _("Activities by kind")),
            "</section>",
        )
    )


def gaps_section(report: Report, catalogue: Catalogue, speaker: Speaker) -> str:
    """Per municipality the missing kinds, audiences and languages; idle and stale records."""
    _ = speaker.gettext
    parts = ['<section id="gaps"><h2>' + escape(_("Gaps")) + '</h2>']
    municipalities = list(dict.fromkeys(g.municipality for g in report.gaps))
    for municipality in municipalities:
        mine = [g for g in report.gaps if g.municipality == municipality]
        kinds = [kind_label(g.value, speaker) for g in mine if g.missing == "kind"]
        audiences = [audience_label(g.value, speaker) for g in mine if g.missing == "audience"]
        languages = [speaker.language_name(g.value) for g in mine if g.missing == "language"]
        parts.append(f"<h3>{escape(municipality)}</h3><ul class=\"gaps\">")
        for title, values in (
            (_("Kinds with nothing on offer"), kinds),
            (_("Audiences with nothing on offer"), audiences),
            (_("Newcomer languages with no activity"), languages),
        ):
            shown = ", ".join(values) if values else _("None")
            parts.append(f"<li><strong>{escape(title)}</strong>: {escape(shown)}</li>")
        parts.append("</ul>")
    idle = []
    for organisation_id in report.idle_organisations:
        organisation = catalogue.organisation(organisation_id)
        idle.append(
            localised(organisation.name, speaker, say_language=False)
            if organisation
            else organisation_id
        )
    stale = []
    for activity_id in report.no_sessions:
        activity = catalogue.activity(activity_id)
        stale.append(title_of(activity.title, speaker) if activity else activity_id)
    parts.append("<h3>" + escape(_("Organisations with no activity listed")) + "</h3>")
    parts.append(_list(idle, speaker))
    parts.append("<h3>" + escape(_("Activities with no session in the coming 60 days")) + "</h3>")
    parts.append(_list(stale, speaker))
    parts.append("</section>")
    return "".join(parts)


def _demand_row(line: DemandLine, speaker: Speaker) -> str:
    kinds = ", ".join(kind_label(k, speaker) for k in line.kinds)
    audience = ", ".join(audience_label(a, speaker) for a in (line.audience or "").split(",") if a)
    cells = (
        speaker.language_name(line.language),
        kinds,
        audience,
        line.municipality or "",
        str(line.shown),
    )
    return "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>"


def demand_section(report: Report, speaker: Speaker) -> str:
    """Questions by week and language, what was not found, and the 👍/👎."""
    _ = speaker.gettext
    parts = ['<section id="demand"><h2>' + escape(_("Demand")) + '</h2>']
    parts.append(
        '<p class="muted">'
        + escape(_("Counts of 5 or fewer are shown as <5 so that nobody can be recognised."))
        + "</p>"
    )
    if not report.demand:
        parts.append("<p>" + escape(_("No questions counted in this period.")) + "</p>")
    weeks = [
        (week.isoformat(), sum(by_language.values())) for week, by_language in report.weekly.items()
    ]
    if weeks:
        parts.append("<h3>" + escape(_("Questions by week and language")) + "</h3>")
        parts.append(bar_chart(weeks, _("Questions by week and language")))
        rows = []
        for week, by_language in report.weekly.items():
            counts = ", ".join(
                f"{speaker.language_name(code)} {shown(n)}"
                for code, n in by_language.items()
            )
            rows.append(f"<tr><td>{week.isoformat()}</td><td>{escape(counts)}</td></tr>")
        parts.append("<table>" + "".join(rows) + "</table>")
    missing = report.not_found
    if missing:
        head = "".join(
            f"<th>{escape(h)}</th>"
            for h in (_("Language"), _("Kinds"), _("Audience"), _("Municipality"), _("Count"))
        )
        parts.append("<h3>" + escape(_("Asked and not found")) + "</h3>")
        parts.append(
            f'<table id="not-found"><tr>{head}</tr>'
            + "".join(_demand_row(line, speaker) for line in missing)
            + "</table>"
        )
    parts.append(
        "<p>"
        + escape(
            _("Useful: %(useful)d · Not useful: %(not_useful)d")
            % {"useful": report.useful, "not_useful": report.not_useful}
        )
        + "</p></section>"
    )
    return "".join(parts)


def delivery_section(report: Report, speaker: Speaker) -> str:
    """Reminders, broadcasts and contact requests."""
    _ = speaker.gettext
    d = report.delivery
    hours = "–" if d.median_answer_hours is None else str(d.median_answer_hours)
    lines = [
        _("Reminders: %(sent)d sent, %(late)d late, %(failed)d failed")
        % {"sent": d.reminders_sent, "late": d.reminders_late, "failed": d.reminders_failed},
        _("Broadcasts: %(count)d") % {"count": len(d.broadcasts)},
        _(
            "Contact requests: %(count)d; median time to the first answer: %(hours)s h; "
            "waited more than 24 h: %(waited)d"
        )
        % {"count": d.requests, "hours": hours, "waited": d.waited_over_day},
    ]
    rows = "".join(
        f"<tr><td>{b.created_at.date().isoformat()}</td><td>{escape(b.organisation)}</td>"
        f"<td>{b.recipients}</td><td>{b.sent}</td><td>{b.failed}</td></tr>"
        for b in d.broadcasts
    )
    table = f"<table>{rows}</table>" if rows else ""
    return (
        '<section id="delivery"><h2>' + escape(_("Delivery")) + '</h2><ul>'
        + "".join(f"<li>{escape(line)}</li>" for line in lines)
        + f"</ul>{table}</section>"
    )


def report_title(report: Report, catalogue: Catalogue, speaker: Speaker) -> str:
    """"Tray report: <network>" (or every network)."""
    _ = speaker.gettext
    network = catalogue.network(report.network or "")
    name = (
        localised(network.name, speaker, say_language=False) if network else _("All networks")
    )
    return _("Tray report: %(network)s") % {"network": name}


def report_html(report: Report, catalogue: Catalogue, speaker: Speaker) -> str:
    """The whole report as one HTML document."""
    title = report_title(report, catalogue, speaker)
    period = f"{report.start.isoformat()} – {report.end.isoformat()}"
    body = "".join(
        (
            f"<h1>{escape(title)}</h1><p class=\"muted\">{escape(period)}</p>",
            tray_section(report, catalogue, speaker),
            gaps_section(report, catalogue, speaker),
            demand_section(report, speaker),
            delivery_section(report, speaker),
        )
    )
    return (
        f'<!DOCTYPE html><html lang="{escape(speaker.language)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>\n"
    )
