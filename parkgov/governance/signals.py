"""Signals governance sends, so that apps above it (supply) can act on a case without governance importing them.

`case_closed` is sent inside the transaction of the transition that takes a case into its workflow's final state
(销号), after the case and its CaseEvent are saved: `sender` is the Case class, with `case`, `event` and `actor`.
A receiver that raises undoes the transition with it (the caller's transaction rolls back).
"""

from django.dispatch import Signal

case_closed = Signal()
