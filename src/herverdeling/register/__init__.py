"""The agreement register (issue 17, point 5): what happened to each agreement after its draft.

States: concept -> signed -> PRT informed -> ministry informed -> processed (amendment), or
withdrawn; a surplus swap has no PRT step and is never processed (P7, P8). Every step is an
event kept for ever; the current state is folded from the events. Stored by SQLAlchemy in an
SQLite file beside the scenario by default, or in any database a URL names (PostgreSQL).
The checker never opens the register: a front end reads a `RegisterState` snapshot and passes it
to `check`.
"""

from herverdeling.register.model import (
    KIND_NL,
    STEP_NL,
    STEPS,
    Agreement,
    RegisterEvent,
    derive,
    parse_step,
    validate_step,
)
from herverdeling.register.overview import RegisterRow, agreements_from, overview
from herverdeling.register.store import ENV_URL, REGISTER_FILE, Register, default_url, register_url

__all__ = ["ENV_URL", "KIND_NL", "REGISTER_FILE", "STEPS", "STEP_NL", "Agreement", "Register",
           "RegisterEvent", "RegisterRow", "agreements_from", "default_url", "derive", "overview",
           "parse_step", "register_url", "validate_step"]
