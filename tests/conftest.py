"""Shared fixtures. Which to use when:

- pure core tests (rules, linkage, screening, stats) need no fixture from here;
- database tests use ``engine`` / ``db`` (parametrised over SQLite and PostgreSQL);
- web tests use ``client`` and the ``login`` helpers from ``tests/factory.py``.
"""
