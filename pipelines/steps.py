"""How a run names and runs its steps: shared by every flow's run (the clock is pipelines.clock).

Kept free of heavy imports so that a run (ingest, linkage) loads only what it uses.

A step function that reads or writes files may be marked :func:`retried`: under Prefect
(``pipelines.flows.prefect_step``) it is then retried on the I/O errors it names; a plain run
(:func:`direct`) ignores the mark. A step that fails under Prefect, or under :func:`staged`, is raised as
:class:`StageFailed`, which says which stage, which input and what to do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, overload

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])
Step = Callable[..., Any]
"""Runs one named step: ``step(name, function, *args)``. Prefect's version makes each a task run."""

RETRY_ATTRIBUTE = "__cohort_retry__"
MAX_INPUTS = 3  # inputs named in a failure message; the rest are counted


def direct(name: str, function: Callable[..., T], *args: Any) -> T:
    """Run a step as a plain call."""
    return function(*args)


def staged(name: str, function: Callable[..., T], *args: Any) -> T:
    """Run a step as a plain call, raising any failure as :class:`StageFailed` (original chained)."""
    try:
        return function(*args)
    except StageFailed:
        raise
    except Exception as error:
        raise StageFailed(name, error, inputs_of(args)) from error


@dataclass(frozen=True)
class Retry:
    """How Prefect retries a step function marked as I/O."""

    retries: int = 2
    delay_seconds: float = 30.0
    on: tuple[type[BaseException], ...] = (OSError,)

    def applies_to(self, error: BaseException | None) -> bool:
        """Whether a failure with this error is worth another attempt."""
        return isinstance(error, self.on)


@overload
def retried(function: F, /) -> F: ...
@overload
def retried(
    *, retries: int = 2, delay_seconds: float = 30.0, on: tuple[type[BaseException], ...] = (OSError,)
) -> Callable[[F], F]: ...
def retried(
    function: F | None = None,
    /,
    *,
    retries: int = 2,
    delay_seconds: float = 30.0,
    on: tuple[type[BaseException], ...] = (OSError,),
) -> F | Callable[[F], F]:
    """Mark a step function as I/O, so that Prefect retries it when it fails with one of ``on``.

    Use as ``@retried`` or ``@retried(retries=3, delay_seconds=60, on=(OSError, duckdb.IOException))``.
    Only mark steps that are safe to run again after a partial failure (reads, or writes that
    replace what they wrote). The function itself is returned unchanged.
    """
    policy = Retry(retries, delay_seconds, on)

    def mark(marked: F) -> F:
        setattr(marked, RETRY_ATTRIBUTE, policy)
        return marked

    return mark(function) if function is not None else mark


def retry_policy(function: Callable[..., Any]) -> Retry | None:
    """The retry policy a step function was marked with, if any."""
    policy = getattr(function, RETRY_ATTRIBUTE, None)
    return policy if isinstance(policy, Retry) else None


class StageFailed(RuntimeError):
    """A step of a run failed. The message says which stage, which input and what to do.

    ``error`` is the original exception (also chained as ``__cause__``).
    """

    def __init__(self, stage: str, error: BaseException, inputs: Sequence[str] = ()) -> None:
        self.stage = stage
        self.error = error
        self.inputs = tuple(inputs)
        self.hint = hint_for(error)
        message = f"stage '{stage}' failed: {str(error) or type(error).__name__}"
        if self.inputs:
            message += f" (input: {', '.join(self.inputs)})"
        if self.hint:
            message += f". What to do: {self.hint}"
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:  # picklable although __init__ takes more than the message
        return (type(self), (self.stage, self.error, self.inputs))


def hint_for(error: BaseException) -> str | None:
    """What to do about an error: its own ``hint`` attribute if it has one, else advice on I/O errors."""
    own = getattr(error, "hint", None)
    if isinstance(own, str) and own:
        return own
    if "Could not set lock on file" in str(
        error
    ):  # duckdb.IOException: another process has the warehouse open
        return (
            "another process has the warehouse open (its PID is in the message): wait for it to finish, "
            "or stop it, then run again"
        )
    where = getattr(error, "filename", None) or "the file"
    if isinstance(error, FileNotFoundError):
        return (
            f"check that {where} exists; relative paths are read from the run's working directory "
            "(for scheduled runs, $COHORT_HOME); then run again"
        )
    if isinstance(error, PermissionError):
        return f"give the user running the pipeline read and write access to {where}, then run again"
    if isinstance(error, OSError):
        return "check that the disk or network share is reachable and has free space, then run again"
    return None


def inputs_of(args: Iterable[Any]) -> tuple[str, ...]:
    """The files and folders among a step's arguments (paths, or objects with a ``path``), for messages."""
    found: list[str] = []
    for arg in args:
        items = arg if isinstance(arg, list | tuple) else [arg]
        for item in items:
            path = item if isinstance(item, Path) else getattr(item, "path", None)
            if isinstance(path, Path):
                found.append(str(path))
    if len(found) > MAX_INPUTS:
        found = [*found[:MAX_INPUTS], f"and {len(found) - MAX_INPUTS} more"]
    return tuple(found)
