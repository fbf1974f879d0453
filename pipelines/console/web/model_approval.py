"""What the console lets a board member approve: never what `cohort model approve` would refuse.

The command line (pipelines.warehouse.model_registry.set_status) changes nothing for a model already
approved and refuses a retired one; the store (opstore.approvals) refuses a second approval by the
first approver and a model approved in the console and awaiting the sync. A model's checks (fairness
breaches, unmet targets) must be confirmed as read, and the confirmation names the checks the page
showed (a fingerprint), so checks that changed since are read again.
"""

from __future__ import annotations

import hashlib
import json

from pipelines.opstore.approvals import APPROVED, ModelApproval
from pipelines.opstore.reading_governance import ModelView

TAKES_EFFECT = "It takes effect at the next sync (`cohort app sync`, or the next flow)."


def refusal(model: ModelView, username: str) -> str | None:
    """Why ``username`` may not approve ``model`` now, in words; None when they may.

    Args:
        model: the model as the read model shows it, with any console approval in progress.
        username: the board member asking.
    """
    if model.status == "approved":
        return f"model {model.version} is already approved: nothing to change."
    if model.status == "retired":
        return f"model {model.version} is retired and stays retired: train or approve another."
    if model.approval is not None and model.approval.state == APPROVED:
        return f"model {model.version} is approved already in the console. {TAKES_EFFECT}"
    if model.approval is not None and model.approval.first_by == username:
        return "you gave the first approval: the second must come from a different board member."
    return None


def checks_fingerprint(model: ModelView) -> str:
    """A short digest of the model's breaches and unmet targets, as the page shows them."""
    shown = json.dumps([model.breaches, model.unmet_targets], ensure_ascii=False)
    return hashlib.sha256(shown.encode("utf-8")).hexdigest()[:16]


def saved_message(done: ModelApproval, required: int) -> str:
    """What the page says once an approval is recorded."""
    if done.state == APPROVED:
        by = " and ".join(b for b in (done.first_by, done.second_by) if b)
        return f"Model {done.version} is approved by {by}. {TAKES_EFFECT}"
    return (
        f"Your approval of model {done.version} is recorded. It awaits a second, different board "
        f"member's approval ({required} are needed); then it takes effect at the next sync."
    )
