"""Report ids: the published handle of a conversation's open data, as Polis names them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from deliberation.db import db


class PolisReport(db.Model):
    """A report id (`r` and lowercase letters and digits) a facilitator created to publish a
    conversation's data: Polis tools fetch `/api/v3/reports?report_id=...` and the CSV files under
    `/api/v3/reportExport/<report_id>/`. Without one, nothing is exported; with one, only while
    the conversation's data is open. Only ever added; removed with the conversation."""

    __tablename__ = "polis_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    report_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    created_by: Mapped[int | None] = mapped_column(
        sa.ForeignKey("facilitators.id", ondelete="SET NULL")
    )
    created_ms: Mapped[int] = mapped_column(sa.BigInteger)

    def __repr__(self) -> str:
        return f"<PolisReport {self.report_id}>"
