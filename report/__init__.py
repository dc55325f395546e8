"""Presentation: renders analysis results for people, in a language (nl-BE first, en).

The Excel workbook (``report.excel``), the answers to the parliamentary question
(``report.accountability``), the wording of the analysis' notes (``report.wording``), the
short labels of its codes (``report.labels``: weighting steps, quadrants, changes, alpha
judgements, the total row), numbers and dates (``report.format``) and the organisation's
names (``report.organisation``). It takes the numbers and codes that ``analysis`` returns and
never imports Streamlit or the database.
"""
