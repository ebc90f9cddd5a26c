"""Reports that combine the two analyses: the sustainability-report document (.docx).

Sits above ``spend`` and ``travel`` (it reads their JSON payloads) and below the application
layer and the interfaces; it imports no storage, no Dash. The workbooks of each analysis stay in
their rooms (``spend.report``, ``travel.report``); all words come from ``spendanalys.i18n``.
"""
