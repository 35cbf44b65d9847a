"""The comparator: observations per trigger, mismatches field by field, noise subtracted."""

from harness.shadow.compare.comparison import Comparison, compare
from harness.shadow.compare.ignore import IgnoreRules
from harness.shadow.compare.mismatch import Mismatch

__all__ = ["Comparison", "IgnoreRules", "Mismatch", "compare"]
