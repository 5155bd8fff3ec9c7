"""The outcome of each action of a feed — created, updated, unchanged or rejected, with its warnings —
counted into the import's report. A repeated action's last occurrence wins."""

from __future__ import annotations

from app.imports.report import ImportReport

CREATED, UPDATED, UNCHANGED, REJECTED = "created", "updated", "unchanged", "rejected"
MAX_LISTED = 10_000  # rejected / warnings entries kept in a report (the totals are always exact)


class Outcomes:
    """Per action ref: its final outcome, its errors (rejected) or its warnings. `skipped` and the
    warnings total are counted into the report as they come (a failed run records them too); the rest
    at `tally`."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        self.status: dict[str, str] = {}  # final outcome per action ref (last occurrence wins)
        self.rejected: dict[str, list[str]] = {}
        self.warnings: dict[str, list[str]] = {}
        self.listed_warnings = 0

    def set(self, ref: str, outcome: str) -> None:
        if ref in self.status:  # a repeated action: the last occurrence wins
            self._drop_warnings(ref)
            self.rejected.pop(ref, None)
            self.warn(ref, "action présente plusieurs fois dans le flux : la dernière occurrence est retenue")
        self.status[ref] = outcome

    def restate(self, ref: str, outcome: str) -> None:
        """The outcome of an action already counted turned out otherwise when it was written."""
        self.status[ref] = outcome

    def skip(self) -> None:
        self.report.skipped += 1

    def warn(self, ref: str, msg: str) -> None:
        self.report.warnings_total += 1
        if self.listed_warnings < MAX_LISTED:
            self.warnings.setdefault(ref, []).append(msg)
            self.listed_warnings += 1

    def _drop_warnings(self, ref: str) -> None:
        dropped = self.warnings.pop(ref, None)
        if dropped:
            self.listed_warnings -= len(dropped)
            self.report.warnings_total -= len(dropped)

    def reject(self, ref: str, errors: list[str]) -> None:
        self.set(ref, REJECTED)
        self._drop_warnings(ref)
        self.rejected[ref] = errors

    def present(self) -> set[str]:
        """Every action the feed holds (rejected ones too: an invalid action is not absent)."""
        return set(self.status)

    def tally(self, bytes_read: int) -> None:
        r = self.report
        counts = {CREATED: 0, UPDATED: 0, UNCHANGED: 0, REJECTED: 0}
        for outcome in self.status.values():
            counts[outcome] += 1
        r.created, r.updated, r.unchanged = counts[CREATED], counts[UPDATED], counts[UNCHANGED]
        r.rejected_total = counts[REJECTED]
        r.rejected = [{"ref": ref, "errors": errs} for ref, errs in list(self.rejected.items())[:MAX_LISTED]]
        r.warnings = [{"ref": ref, "msg": m} for ref, msgs in self.warnings.items() for m in msgs]
        r.bytes_read = bytes_read
