"""The Dash dashboard: the only part of Spendanalys that imports dash.

Importing this package does not import dash; ``app_factory.create_app`` does. The message
catalogue (``i18n``) and the Flask-level security (``security``) are importable without it.
"""
