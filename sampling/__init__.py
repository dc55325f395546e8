"""Sampling: the frame, sample size and allocation, seeded selection, invitations and tokens.

Plain data in and out (dicts, pandas DataFrames, dataclasses); no Streamlit, no database.
Typical use::

    frame = sampling.read_frame("kader.xlsx")                     # FrameError lists every problem
    N_h = sampling.population_counts(frame.data, "profession")
    sampling.sample_size(0.05, population=sum(N_h.values()), response_rate=0.4)
    sampling.compare_designs(N_h, n=1500, response_rate=0.4)
    n_h = sampling.allocate(N_h, 1500, "proportional", minimum=30)
    sample = sampling.select(frame.data, "profession", n_h, seed=20250301)
    tokens = sampling.issue_tokens(sample["unit_id"])              # store token_hash only
"""

from sampling import demo
from sampling.allocation import (
    DESIGN_LABELS,
    METHODS,
    allocate,
    compare_designs,
    designs_side_by_side,
    stratified_moe,
)
from sampling.frame import (
    LANGUAGES,
    PROFESSION_CODES,
    REQUIRED_COLUMNS,
    Frame,
    FrameError,
    Problem,
    read_frame,
    read_table,
    validate_frame,
)
from sampling.invitations import (
    AAPOR_CODE,
    DISPOSITION_LABELS,
    DISPOSITIONS,
    EVENTS,
    FINAL_DISPOSITIONS,
    MAIL_MERGE_COLUMNS,
    OPTOUT_PARAM,
    TOKEN_PARAM,
    DateWriter,
    aapor_code,
    advance,
    as_date,
    can_respond,
    hash_token,
    issue_tokens,
    mail_merge_rows,
    new_token,
    opt_out,
    personal_link,
    reminder_targets,
    token_shape_ok,
    tokens_equal,
    write_csv,
    write_mail_merge,
    write_xlsx,
)
from sampling.mailer import (
    MailerError,
    OutgoingMessage,
    SendResult,
    SmtpConfig,
    invitation_message,
    messages_from_invites,
    results_frame,
    send_messages,
)
from sampling.postcontact import (
    REASONS,
    SubmissionsError,
    parse_date,
    post_contact_schedule,
    read_submissions,
    validate_submissions,
)
from sampling.selection import population_counts, select, stratum_labels
from sampling.size import (
    OVERALL,
    SampleSize,
    margin_of_error,
    sample_size,
    sample_size_by_stratum,
    z_value,
)
from vocabulary import neutralise, neutralise_frame

__all__ = [
    "AAPOR_CODE",
    "DESIGN_LABELS",
    "DISPOSITIONS",
    "DISPOSITION_LABELS",
    "EVENTS",
    "FINAL_DISPOSITIONS",
    "LANGUAGES",
    "MAIL_MERGE_COLUMNS",
    "METHODS",
    "OPTOUT_PARAM",
    "OVERALL",
    "PROFESSION_CODES",
    "REASONS",
    "REQUIRED_COLUMNS",
    "TOKEN_PARAM",
    "Frame",
    "FrameError",
    "MailerError",
    "OutgoingMessage",
    "Problem",
    "SampleSize",
    "SendResult",
    "SmtpConfig",
    "SubmissionsError",
    "aapor_code",
    "advance",
    "allocate",
    "can_respond",
    "compare_designs",
    "designs_side_by_side",
    "DateWriter",
    "as_date",
    "hash_token",
    "invitation_message",
    "issue_tokens",
    "mail_merge_rows",
    "margin_of_error",
    "messages_from_invites",
    "neutralise",
    "neutralise_frame",
    "new_token",
    "opt_out",
    "parse_date",
    "personal_link",
    "population_counts",
    "post_contact_schedule",
    "read_frame",
    "read_submissions",
    "read_table",
    "reminder_targets",
    "results_frame",
    "sample_size",
    "sample_size_by_stratum",
    "select",
    "send_messages",
    "stratified_moe",
    "stratum_labels",
    "token_shape_ok",
    "tokens_equal",
    "validate_frame",
    "validate_submissions",
    "write_csv",
    "write_mail_merge",
    "write_xlsx",
    "demo",
    "z_value",
]
