"""A file refused whole: one message for people, and one quoting nothing from the file for the audit log."""

from __future__ import annotations

EXCERPT_CHARS = 40
"""The most characters of a file's own text a message may quote (a header name, a sheet name)."""
RESEND = "ask the sender to re-send it"


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """A bounded, printable quotation of text taken from a file.

    Control, invisible and bidirectional characters are escaped (``\\u202e``), so the quotation
    cannot reorder or hide the message around it, and at most ``limit`` characters are shown.

    Args:
        text: the text as found in the file.
        limit: the most characters shown between the quotes.

    Returns:
        The quotation in single quotes; when cut short, followed by ``…`` and the full length.
    """
    shown: list[str] = []
    used = 0
    for char in text:
        piece = "\\'" if char == "'" else repr(char)[1:-1]  # repr escapes what is not printable
        if used + len(piece) > limit:
            return "'" + "".join(shown) + f"'… ({len(text):,} characters)"
        shown.append(piece)
        used += len(piece)
    return "'" + "".join(shown) + "'"


class RejectedFile(Exception):
    """A file that cannot be read as its contract says. Nothing from it is loaded.

    ``str(error)`` is the message for people (the console, the report, meta.load): the file,
    the column, the problem and what to do, quoting at most a short escaped excerpt of the file.
    ``audit_message`` says the same without any excerpt: the audit log keeps no file content.
    """

    def __init__(
        self,
        file_name: str,
        problem: str,
        action: str,
        column: str | None = None,
        *,
        header_position: int | None = None,
        audit_problem: str | None = None,
    ) -> None:
        """A rejection.

        Args:
            file_name: the file.
            problem: what is wrong (may hold an excerpt made by :func:`excerpt`).
            action: what to do.
            column: the column involved: a contract's name, or (with ``header_position``) a
                name as the file wrote it, which is quoted as an excerpt.
            header_position: 1-based place in the header of a column named by the file; the
                audit message names the column by this place instead.
            audit_problem: the problem without any excerpt (default: ``problem``).
        """
        self.file_name, self.problem, self.action, self.column = file_name, problem, action, column
        if column is None:
            where = audit_where = ""
        elif header_position is None:
            where = audit_where = f", column {column!r}"
        else:
            where = f", column {excerpt(column)}"
            audit_where = f", column {header_position} of the header"
        self.audit_message = f"{file_name}{audit_where}: {audit_problem or problem}; {action}"
        super().__init__(f"{file_name}{where}: {problem}; {action}")
