"""The questionnaire: schema, expression language, loaders (YAML, XLSForm), answer table
and printable version. Nothing here imports Streamlit or the database."""

from survey.expr import Expression, ExpressionError
from survey.loaders import (
    dumps_yaml,
    load_questionnaire,
    load_xlsform,
    load_yaml,
    loads_yaml,
    save_questionnaire,
    save_xlsform,
    save_yaml,
)
from survey.schema import (
    MODES,
    PROFESSIONS,
    ROLES,
    Choice,
    Column,
    Item,
    Questionnaire,
    QuestionnaireError,
    QuestionnaireIssue,
    Section,
    build_questionnaire,
)

__all__ = [
    "MODES",
    "PROFESSIONS",
    "ROLES",
    "Choice",
    "Column",
    "Expression",
    "ExpressionError",
    "Item",
    "Questionnaire",
    "QuestionnaireError",
    "QuestionnaireIssue",
    "Section",
    "build_questionnaire",
    "dumps_yaml",
    "load_questionnaire",
    "load_xlsform",
    "load_yaml",
    "loads_yaml",
    "save_questionnaire",
    "save_xlsform",
    "save_yaml",
]
