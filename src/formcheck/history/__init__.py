"""The local history: every analysis, live run and session exercise in ``history.sqlite3``.

``store`` owns the database (schema, migrations, writing a run); ``rebuild`` turns session logs
and report files into runs (the same code records a session as it goes and rebuilds it later);
``views`` reads it back for `formcheck history` (table, trend, plot, page, CSV).
"""
