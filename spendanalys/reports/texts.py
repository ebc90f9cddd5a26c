"""The paragraphs the controller used to write by hand, written from the figures.

Pure functions from the JSON payloads of ``spendanalys spend`` and ``spendanalys travel`` (the
same dicts ``--format json`` prints) to sentences in one language; every figure goes through
``i18n.figures.figure``, so the document prints exactly what the workbooks round to, and the
test compares both with the JSON. A figure the payload lacks leaves its sentence out rather
than printing a guess.
"""

from __future__ import annotations

from typing import Any

from spendanalys.i18n import format_number, t
from spendanalys.i18n.figures import figure
from spendanalys.i18n.notes import translate

TOP_AGREEMENTS = 3


def _latest(years: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The latest year with a per-FTE figure."""
    with_data = [y for y in years if y.get("kg_co2e_per_fte") is not None]
    return max(with_data, key=lambda y: int(y["year"])) if with_data else None


def spend_paragraphs(payload: dict[str, Any], lang: str) -> list[str]:
    """Upphandling: the miljökrav KPI, the total, the categories and agreements that weigh
    most, the priority list, the unlinked share."""
    out: list[str] = []
    kpi = payload.get("kpi") or {}
    if kpi.get("ongoing_agreements"):
        out.append(
            t(
                "rpt.doc.kpi",
                lang,
                date=kpi["as_of"],
                n=kpi["with_requirements"],
                share=figure(kpi["share"], "share", lang),
                total=kpi["ongoing_agreements"],
                value_share=figure(kpi.get("value_share"), "share", lang),
            )
        )
        if kpi.get("unknown"):
            out.append(t("rpt.doc.kpi_unknown", lang, n=kpi["unknown"]))
    totals = payload["totals"]
    basis = t(
        f"rpt.basis.{'invoices' if payload.get('spend_basis') == 'invoices' else 'estimate'}", lang
    )
    out.append(
        t(
            "rpt.doc.spend_total",
            lang,
            spend=figure(totals["spend_sek"], "msek", lang),
            t=figure(totals["kg_co2e"], "t", lang),
            agreements=totals.get("agreements", 0),
            basis=basis,
            pareto=totals.get("pareto_agreements", 0),
        )
    )
    span = totals.get("kg_co2e_range") or []
    sets = payload.get("factor_sets") or []
    if len(sets) > 1 and len(span) == 2 and None not in span:
        out.append(
            t(
                "rpt.doc.spend_range",
                lang,
                sets=len(sets),
                low=figure(span[0], "t", lang),
                high=figure(span[1], "t", lang),
                robust=totals.get("rank_robust_agreements", "–"),
                agreements=totals.get("agreements", 0),
            )
        )
    categories = [c for c in payload.get("categories", []) if c.get("kg_co2e")]
    if categories:
        top = sorted(categories, key=lambda c: -float(c["kg_co2e"]))[:TOP_AGREEMENTS]
        name = "name_en" if lang == "en" else "name_sv"
        parts = [
            t(
                "rpt.doc.part",
                lang,
                what=c.get(name) or c.get("name_sv") or c.get("category_id"),
                t=figure(c["kg_co2e"], "t", lang),
                share=figure(c.get("share_of_kg"), "share", lang),
            )
            for c in top
        ]
        out.append(t("rpt.doc.categories", lang, parts="; ".join(parts)))
    agreements = [a for a in payload.get("agreements", []) if a.get("kg_co2e")]
    if agreements:
        parts = [
            t(
                "rpt.doc.part",
                lang,
                what=f"{a['agreement_id']} {a.get('name') or ''}".strip(),
                t=figure(a["kg_co2e"], "t", lang),
                share=figure(a.get("share_of_kg"), "share", lang),
            )
            for a in agreements[:TOP_AGREEMENTS]
        ]
        out.append(t("rpt.doc.agreements", lang, parts="; ".join(parts)))
    priority = payload.get("priority", [])
    if priority:
        first = priority[0]
        out.append(
            t(
                "rpt.doc.priority",
                lang,
                n=len(priority),
                first=f"{first['agreement_id']} {first.get('name') or ''}".strip(),
                end=first.get("end_date") or "–",
            )
        )
    else:
        out.append(t("rpt.doc.no_priority", lang))
    if totals.get("spend_sek"):
        share = float(totals.get("unlinked_spend_sek") or 0) / float(totals["spend_sek"])
        out.append(
            t(
                "rpt.doc.unlinked",
                lang,
                spend=figure(totals.get("unlinked_spend_sek"), "msek", lang),
                share=figure(share, "share", lang),
            )
        )
    return out


def travel_paragraphs(payload: dict[str, Any], lang: str) -> list[str]:
    """Tjänsteresor: kg CO2e per FTE against the baseline and the goal, on or off the path,
    what drove the change, what train instead of flight would save."""
    out: list[str] = []
    latest = _latest(payload.get("years", []))
    baseline, target = payload.get("baseline") or {}, payload.get("target") or {}
    if latest is None:
        return [t("rpt.doc.travel_no_data", lang)]
    path = {int(p["year"]): p for p in payload.get("path", [])}
    row = path.get(int(latest["year"]), {})
    out.append(
        t(
            "rpt.doc.per_fte",
            lang,
            year=latest["year"],
            t=figure(latest["kg_co2e"], "t", lang),
            kg=figure(latest["kg_co2e_per_fte"], "kg", lang),
            baseline_year=baseline.get("year", "–"),
            baseline=figure(baseline.get("kg_co2e_per_fte"), "kg", lang),
            change=figure(row.get("change_vs_baseline"), "share", lang),
        )
    )
    status = row.get("status")
    key = "rpt.doc.on_path" if status == "on or below the path" else "rpt.doc.off_path"
    out.append(
        t(
            key,
            lang,
            target_year=target.get("year", "–"),
            target=figure(target.get("kg_co2e_per_fte"), "kg", lang),
            reduction=figure(target.get("reduction"), "share", lang),
            path=figure(row.get("path_kg_co2e_per_fte"), "kg", lang),
        )
    )
    forecast = payload.get("forecast")
    if forecast:
        out.append(
            t(
                "rpt.doc.forecast",
                lang,
                year=forecast["year"],
                kg=figure(forecast["kg_co2e_per_fte"], "kg", lang),
            )
        )
    d = payload.get("decomposition")
    if d and d.get("effects"):
        effects = sorted(d["effects"].items(), key=lambda kv: -abs(float(kv[1])))[:3]
        parts = ", ".join(
            f"{t(f'effect.{k}', lang).lower()} {_signed(v, lang)}" for k, v in effects
        )
        out.append(
            t(
                "rpt.doc.drivers",
                lang,
                start=d["from_year"],
                end=d["to_year"],
                total=_signed(d["total_change"], lang),
                parts=parts,
            )
        )
    what_if = (payload.get("what_if") or {}).get("train_instead_of_flight") or {}
    routes = what_if.get("routes") or []
    years = [y for y in what_if.get("years", []) if int(y["year"]) == int(latest["year"])]
    if routes:
        saved = sum(float(r.get("kg_co2e_saved") or 0) for r in routes)
        cost = sum(float(r.get("cost_change_sek") or 0) for r in routes)
        hours = sum(float(r.get("time_change_hours") or 0) for r in routes)
        out.append(
            t(
                "rpt.doc.train",
                lang,
                km=format_number(payload.get("settings", {}).get("train_threshold_km"), lang),
                routes=len(routes),
                t=figure(saved, "t", lang),
                cost=figure(cost, "tkr", lang),
                hours=format_number(hours, lang),
            )
        )
        if years and years[0].get("kg_co2e_per_fte_after") is not None:
            out.append(
                t(
                    "rpt.doc.train_year",
                    lang,
                    year=latest["year"],
                    kg=figure(years[0]["kg_co2e_per_fte_after"], "kg", lang),
                )
            )
    return out


def _signed(value: Any, lang: str) -> str:
    text = figure(value, "kg", lang)
    return text if text.startswith(("−", "-", "–")) else f"+{text}"


def notes_in(payload: dict[str, Any], lang: str) -> list[str]:
    """The payload's notes in ``lang``."""
    return [str(translate(n, lang)) for n in payload.get("notes", [])]
