"""The set-up every bound engine over boxes of one unrolled plan shares, float or exact.

A box's facts come from interval evaluation, and where intervals leave a question open, from
mean-value forms: of R, and of the margin of every comparison in the plan's conditions (a
condition is decided by its comparisons' enclosures). Both twins build those forms the same
way, once per plan and on first use — `Enclosures` does it for them — and differ only in how
a form computes: outward-rounded floats over batches of boxes (`evaluation.GoalEvaluator`, the
search's) or exact rationals box by box (`interval_exact.ExactBoxFacts`, the checker's). A twin
says which with `_form(exprs)`.
"""
from __future__ import annotations

from prover.bounds.mean_value_exact import ConditionAtoms, margin


class Enclosures:
    """The plan `u`, its reward's mean-value form and its conditions' comparison atoms with
    their margins' forms, each built on first use by the twin's `_form`."""

    def __init__(self, u):
        self.u = u
        self._reward_form = self._atoms = self._atom_form = None

    def _form(self, exprs):
        """A mean-value form of `exprs` (float or exact: the twin's choice)."""
        raise NotImplementedError

    @property
    def reward_form(self):
        if self._reward_form is None:
            self._reward_form = self._form([self.u.reward])
        return self._reward_form

    @property
    def atoms(self) -> ConditionAtoms:
        if self._atoms is None:
            bools = frozenset(v.name for v in self.u.variables if v.vtype == "bool")
            self._atoms = ConditionAtoms(self.u.conditions, bools)
        return self._atoms

    @property
    def atom_form(self):
        if self._atom_form is None:
            self._atom_form = self._form([margin(a) for a in self.atoms.atoms])
        return self._atom_form
