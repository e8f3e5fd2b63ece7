"""Shared-care triage: the domain and the application (intake, users, the service layer and the
command line). No Textual and no SQL here: screens/ draws, db/ stores."""

__version__ = "0.1.0"
