"""Exports for managers: the decision log (CSV, JSON Lines, XLSX, FHIR R4), each decision's
letters as files, and the de-identified monthly report for the LMC and ICB (triage.export.report).

Every export is private (0600), complete or absent, logged (who, what filter, how many rows, a
hash of the file) before it is moved into place, and carries the log head it was taken at.
"""

from triage.export.formats import FORMATS, suffix_format
from triage.export.letter_files import export_letters
from triage.export.log_export import export_log
from triage.export.recording import Exported

__all__ = ["FORMATS", "Exported", "export_letters", "export_log", "suffix_format"]
