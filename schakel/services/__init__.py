"""Application services: the only code that combines the store, the domain core and
the audit log. Web handlers and CLI commands each call one of these."""
