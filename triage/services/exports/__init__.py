"""Exports for managers: the decision log (CSV, JSON Lines, XLSX, FHIR R4), each decision's
letters as files, and the de-identified monthly report for the LMC and ICB (report.py).

Every export is private (0600), complete or absent, logged (who, what filter, how many rows, a
hash of the file) before it is moved into place, and carries the log head it was taken at.
"""

from triage.services.exports.formats import FORMATS, suffix_format
from triage.services.exports.letter_files import export_letters
from triage.services.exports.log_export import export_log
from triage.services.exports.recording import Exported
from triage.services.exports.report import decision_statistics, monthly_report

__all__ = [
    "FORMATS",
    "Exported",
    "decision_statistics",
    "export_letters",
    "export_log",
    "monthly_report",
    "suffix_format",
]
