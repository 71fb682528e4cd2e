"""Seeding and reading the reference tables (units, regions, industries, employment forms)."""
from __future__ import annotations

from importlib import resources
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.store.orm import EmploymentForm, Industry, OrgUnit, Region, UnitLevel

_LEVELS = [UnitLevel.province, UnitLevel.city, UnitLevel.grassroots]


def load_reference() -> dict[str, Any]:
    return yaml.safe_load(resources.files("hub.data").joinpath("reference.yaml").read_text("utf-8"))


def seed_reference(session: Session) -> None:
    """Insert what is missing; existing rows are left as they are (idempotent)."""
    data = load_reference()
    for model, key in ((Region, "regions"), (Industry, "industries")):
        have = set(session.scalars(select(model.code)))
        for row in data[key]:
            if row["code"] not in have:
                session.add(model(code=row["code"], name=row["name"]))
    have = set(session.scalars(select(EmploymentForm.code)))
    for row in data["employment_forms"]:
        if row["code"] not in have:
            session.add(EmploymentForm(code=row["code"], name=row["name"], is_new_form=row["new_form"]))
    session.flush()
    regions = {r.code: r.id for r in session.scalars(select(Region))}
    units = {u.code: u for u in session.scalars(select(OrgUnit))}

    def add_units(rows: list[dict], parent: OrgUnit | None, depth: int, region_id: int | None) -> None:
        for row in rows:
            rid = regions.get(row.get("region", ""), region_id)
            unit = units.get(row["code"])
            if unit is None:
                unit = OrgUnit(code=row["code"], name=row["name"], level=_LEVELS[depth],
                               parent=parent, region_id=rid)
                session.add(unit)
                units[row["code"]] = unit
            add_units(row.get("children", []), unit, depth + 1, rid)

    add_units(data["org_units"], None, 0, None)
    session.flush()


def choices(session: Session) -> dict[str, list[dict[str, Any]]]:
    """What the sign-up form offers, grouped for <select> menus."""
    units = session.scalars(select(OrgUnit).order_by(OrgUnit.code)).all()
    grassroots = [
        {"code": u.code, "name": u.name, "group": u.parent.path_name() if u.parent else ""}
        for u in units if u.level == UnitLevel.grassroots
    ]
    return {
        "units": grassroots,
        "regions": [{"code": r.code, "name": r.name} for r in session.scalars(select(Region).order_by(Region.id))],
        "industries": [{"code": i.code, "name": i.name}
                       for i in session.scalars(select(Industry).order_by(Industry.id))],
        "employment_forms": [{"code": e.code, "name": e.name, "new_form": e.is_new_form}
                             for e in session.scalars(select(EmploymentForm).order_by(EmploymentForm.id))],
    }
