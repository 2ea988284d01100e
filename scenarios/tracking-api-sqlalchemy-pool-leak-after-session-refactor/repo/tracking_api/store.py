"""Read side of the tracking API: shipments and their scan events from Postgres."""

import os

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from tracking_api.models import Shipment, ScanEvent

engine = create_engine(
    os.environ["DATABASE_URL"],
    pool_size=int(os.environ.get("DB_POOL_SIZE", "5")),
    max_overflow=int(os.environ.get("DB_MAX_OVERFLOW", "10")),
    pool_timeout=float(os.environ.get("DB_POOL_TIMEOUT", "30")),
    pool_pre_ping=True,
)


def shipment(tracking_number: str) -> Shipment | None:
    with Session(engine) as session:
        return session.scalar(select(Shipment).where(Shipment.tracking_number == tracking_number))


def shipment_events(tracking_number: str) -> list[dict]:
    # One session per request; the rows are turned into plain dicts so the
    # caller never touches a lazy-loaded attribute.
    session = Session(engine)
    shipment_id = session.scalar(
        select(Shipment.id).where(Shipment.tracking_number == tracking_number)
    )
    if shipment_id is None:
        return []
    rows = session.execute(
        select(ScanEvent)
        .where(ScanEvent.shipment_id == shipment_id)
        .order_by(ScanEvent.scanned_at.desc())
    ).scalars()
    return [event.as_dict() for event in rows]
