"""HTTP routes, one module per resource: parse, call the core, answer. No rules here."""
