"""The terminal app (Textual). The only package that imports textual; nothing imports it."""
