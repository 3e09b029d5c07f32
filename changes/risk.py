"""Risk: impact × likelihood → low / medium / high, and a short questionnaire that proposes
both (itil.md §B7). Pure functions."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

# (impact, likelihood) with 1 = high … 3 = low.
RISK_MATRIX = {
    (1, 1): "high", (1, 2): "high", (2, 1): "high",
    (1, 3): "medium", (2, 2): "medium", (3, 1): "medium",
    (2, 3): "low", (3, 2): "low", (3, 3): "low",
}  # fmt: skip

QUESTIONS = (
    ("outage", "impact", _("Does the service go down or degrade while the change is made?")),
    ("many_users", "impact", _("Are more than a hundred users or a critical service affected?")),
    ("untested", "likelihood", _("Is the change untested in a test environment?")),
    ("hard_backout", "likelihood", _("Is backing out hard or slow (more than an hour)?")),
    ("failed_before", "likelihood", _("Has a similar change failed before?")),
)


def risk_for(impact: int | None, likelihood: int | None) -> str:
    """The risk class of an impact and a likelihood, or "" when either is missing."""
    return RISK_MATRIX.get((impact, likelihood), "") if impact and likelihood else ""


@dataclass(frozen=True)
class RiskProposal:
    impact: int
    likelihood: int
    risk: str


def risk_propose(answers: dict[str, bool], *, failure_rate: float | None = None) -> RiskProposal:
    """Propose impact and likelihood from yes/no answers; a poor track record of past changes
    on the same service raises the likelihood."""
    impact_yes = sum(1 for key, axis, _q in QUESTIONS if axis == "impact" and answers.get(key))
    likelihood_yes = sum(
        1 for key, axis, _q in QUESTIONS if axis == "likelihood" and answers.get(key)
    )
    impact = 3 - min(impact_yes, 2)
    likelihood = 3 - min(likelihood_yes, 2)
    if failure_rate is not None and failure_rate >= 0.2:
        likelihood = max(1, likelihood - 1)
    return RiskProposal(impact, likelihood, risk_for(impact, likelihood))
