"""The policy language (formats.md §3): schema, loading with clear errors, evaluation, and the
declared policies and letter templates that ship with the product.

Imports nothing of ours but triage.models (enforced by import-linter, see pyproject.toml)."""
