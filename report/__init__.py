"""Presentation: renders analysis results for people, in a language (nl-BE first, en).

The Excel workbook (``report.excel``), the answers to the parliamentary question
(``report.accountability``), and the wording of notes and sentences. It takes the numbers and
codes that ``analysis`` returns and never imports Streamlit or the database.
"""
