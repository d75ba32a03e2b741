"""Persistence adapter: models, engine, migrations, tenancy and repositories."""
