"""Persistence: dataset versions, settings, users and the analysis cache in one SQL database
(SQLite by default, PostgreSQL by URL), its migrations and backups."""
