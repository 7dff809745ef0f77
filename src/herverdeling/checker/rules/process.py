"""Process steps judged against the round's dates: written agreement, PRT and ministry informed.

A step not yet taken is `open` ("nog te doen, uiterlijk <date>") while its deadline lies ahead of
the scenario's as-of date. Once the notification deadline has passed it is a `warning`, not an
error: processing an agreement into the verdeelbesluit is a choice (note, "Kortom"; U5). A late
agreement still binds the parties; IBT and SPUK stay with the municipality in the verdeelbesluit
until a later amendment takes it in, and the draft says so. A date recorded after the as-of date
is an error: proposals are made as of that date and cannot record the future.
Shared by U2-U4 (uitruil), S3 (merger) and P4/P7 (surplus swap).

The process state is the draft's own ("concept") unless the agreement register says otherwise:
`check(..., register=...)` puts the register's states and dates on the proposals first, and a
withdrawn agreement gets one warning instead of its open steps.

P7's "per ommegaande" has no number of days in the note; the checker signals a long wait after a
labelled setting (models/process/default.yaml), as a warning that names the setting.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from functools import cache

from pydantic import BaseModel, ConfigDict, Field

from herverdeling.checker.rules.base import AnyProposal, Context, Hit

# Not processed in this round: what the note says follows (U5, "Kortom").
NOT_PROCESSED_NL = ("De afspraak bindt partijen, maar valt buiten de ene wijziging van de "
                    "verdeelbesluiten van deze ronde: IBT en SPUK blijven bij de gemeente uit het "
                    "verdeelbesluit, tot een volgende wijziging de afspraak opneemt.")
NOT_PROCESSED_EN = ("The agreement binds the parties but misses this round's single amendment of "
                    "the verdeelbesluiten: IBT and SPUK stay with the municipality in the "
                    "verdeelbesluit until a later amendment takes it in.")


class LabelledDays(BaseModel):
    """A number of days the note does not give: a model choice with its label and source."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: int = Field(ge=1)
    label: str = Field(min_length=1)
    source: str = Field(min_length=1)


class ProcessSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    ministry_signal_days: LabelledDays


@cache
def process_settings(name_or_path: str = "default") -> ProcessSettings:
    """models/process/<name>.yaml; imported late because herverdeling.settings imports the scenario."""
    from herverdeling.settings import load_model, settings_file

    return load_model(settings_file("process", name_or_path), ProcessSettings)

WRITTEN_MESSAGES: dict[str, tuple[str, str]] = {
    "draft_open": (
        "Nog te doen, uiterlijk {deadline}: de afspraak schriftelijk vastleggen en ondertekenen "
        "(nu een concept).",
        "Still to do, by {deadline}: put the agreement in writing and sign it (now a draft).",
    ),
    "draft_open_nodate": (
        "Nog te doen: de uitruilovereenkomst schriftelijk vastleggen en ondertekenen (nu een concept).",
        "Still to do: put the uitruilovereenkomst in writing and sign it (now a draft).",
    ),
    "draft_late": (
        "Niet ondertekend, terwijl de meldtermijn (uiterlijk {deadline}) op {as_of} is verstreken. "
        + NOT_PROCESSED_NL,
        "Not signed, and the notification deadline of {deadline} has passed as of {as_of}. "
        + NOT_PROCESSED_EN,
    ),
    "withdrawn": (
        "Ingetrokken op {withdrawn_on} (volgens het afsprakenregister): er valt niets meer te "
        "ondertekenen of te melden.",
        "Withdrawn on {withdrawn_on} (per the agreement register): nothing is left to sign or report.",
    ),
    "signed_no_date": (
        "Als ondertekend gemarkeerd, maar zonder datum van ondertekening.",
        "Marked as signed but without a signing date.",
    ),
    "signed_future": (
        "Ondertekend op {signed_on}, na de peildatum {as_of}.",
        "Signed on {signed_on}, after the as-of date {as_of}.",
    ),
    "signed_before_vb": (
        "Ondertekend op {signed_on}, vóór de verdeelbesluiten van {vb_date}: eerdere afspraken zijn "
        "daarin al verwerkt.",
        "Signed on {signed_on}, before the verdeelbesluiten of {vb_date}: earlier agreements are "
        "already part of them.",
    ),
    "signed_late": (
        "Ondertekend op {signed_on}, na de meldtermijn (uiterlijk {deadline}). " + NOT_PROCESSED_NL,
        "Signed on {signed_on}, after the notification deadline of {deadline}. " + NOT_PROCESSED_EN,
    ),
}

INFORMED_MESSAGES: dict[str, tuple[str, str]] = {
    "prt_open": (
        "Nog te doen, uiterlijk {deadline}: de PRT informeren.",
        "Still to do, by {deadline}: inform the PRT.",
    ),
    "prt_late": (
        "Nog te doen: de PRT informeren; de meldtermijn (uiterlijk {deadline}) is op {as_of} "
        "verstreken.",
        "Still to do: inform the PRT; the notification deadline of {deadline} has passed as of "
        "{as_of}.",
    ),
    "prt_future": (
        "PRT geïnformeerd op {informed_on}, na de peildatum {as_of}.",
        "PRT informed on {informed_on}, after the as-of date {as_of}.",
    ),
    "ministry_open": (
        "Nog te doen, uiterlijk {deadline}: het ministerie informeren.",
        "Still to do, by {deadline}: inform the ministry.",
    ),
}

DEADLINE_MESSAGES: dict[str, tuple[str, str]] = {
    "ministry_late": (
        "Het ministerie is op {informed_on} geïnformeerd, na de meldtermijn (uiterlijk {deadline}) "
        "voor de wijziging van de verdeelbesluiten vóór {amendment_deadline}. " + NOT_PROCESSED_NL,
        "The ministry was informed on {informed_on}, after the notification deadline of {deadline} "
        "for the amendment of the verdeelbesluiten before {amendment_deadline}. " + NOT_PROCESSED_EN,
    ),
    "ministry_missing_late": (
        "Het ministerie is nog niet geïnformeerd en de meldtermijn (uiterlijk {deadline}) is op "
        "{as_of} verstreken. " + NOT_PROCESSED_NL,
        "The ministry has not been informed and the notification deadline of {deadline} has passed "
        "as of {as_of}. " + NOT_PROCESSED_EN,
    ),
    "ministry_future": (
        "Ministerie geïnformeerd op {informed_on}, na de peildatum {as_of}.",
        "Ministry informed on {informed_on}, after the as-of date {as_of}.",
    ),
}

IMMEDIATE_MESSAGES: dict[str, tuple[str, str]] = {
    "draft": (
        "Nog te doen: het ministerie per ommegaande informeren zodra de overeenkomst is ondertekend.",
        "Still to do: inform the ministry immediately (per ommegaande) once the agreement is signed.",
    ),
    "open": (
        "Nog te doen: het ministerie per ommegaande informeren over de op {signed_on} ondertekende "
        "overeenkomst.",
        "Still to do: inform the ministry immediately of the agreement signed on {signed_on}.",
    ),
    "missing_late": (
        "Ondertekend op {signed_on}, maar het ministerie is op {as_of} nog niet geïnformeerd; het "
        "informatiebericht vraagt 'per ommegaande'. (Deze tool signaleert na {days} dagen: {label}.)",
        "Signed on {signed_on}, but the ministry has not been informed as of {as_of}; the note asks "
        "for 'per ommegaande' (immediately). (This tool signals after {days} days, a setting: "
        "{label}.)",
    ),
    "late": (
        "Het ministerie is op {informed_on} geïnformeerd, {waited} dagen na ondertekening op "
        "{signed_on}; het informatiebericht vraagt 'per ommegaande'. (Deze tool signaleert na "
        "{days} dagen: {label}.)",
        "The ministry was informed on {informed_on}, {waited} days after signing on {signed_on}; "
        "the note asks for 'per ommegaande' (immediately). (This tool signals after {days} days, a "
        "setting: {label}.)",
    ),
    "future": (
        "Ministerie geïnformeerd op {informed_on}, na de peildatum {as_of}.",
        "Ministry informed on {informed_on}, after the as-of date {as_of}.",
    ),
}


def _passed(ctx: Context, deadline: date) -> bool:
    return ctx.as_of > deadline


def written(ctx: Context, p: AnyProposal, *, with_deadline: bool = True) -> Iterator[Hit]:
    """U2 / S3 / P4: a signed, dated written agreement; a draft is an open step until the deadline."""
    if (withdrawn := ctx.withdrawn_on(p)) is not None:
        yield Hit("withdrawn", {"withdrawn_on": withdrawn}, severity="warning")
        return
    st = p.process
    v = {"deadline": ctx.deadline, "as_of": ctx.as_of, "vb_date": ctx.scenario.round.verdeelbesluit_date}
    if st.status == "draft":
        if not with_deadline:
            yield Hit("draft_open_nodate", v, severity="open")
        elif _passed(ctx, ctx.deadline):
            yield Hit("draft_late", v, severity="warning")
        else:
            yield Hit("draft_open", v, severity="open")
        return
    if st.signed_on is None:
        yield Hit("signed_no_date", v)
        return
    v["signed_on"] = st.signed_on
    if st.signed_on > ctx.as_of:
        yield Hit("signed_future", v)
    if st.signed_on < ctx.scenario.round.verdeelbesluit_date:
        yield Hit("signed_before_vb", v)
    if with_deadline and st.signed_on > ctx.deadline:
        yield Hit("signed_late", v, severity="warning")


def informed(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    """U3 / S3: the PRT and the ministry are informed (the ministry's date itself is U4's)."""
    if ctx.withdrawn_on(p) is not None:  # written() says so once
        return
    st = p.process
    v: dict[str, object] = {"deadline": ctx.deadline, "as_of": ctx.as_of}
    if st.prt_informed_on is None:
        yield (Hit("prt_late", v, severity="warning") if _passed(ctx, ctx.deadline)
               else Hit("prt_open", v, severity="open"))
    elif st.prt_informed_on > ctx.as_of:
        yield Hit("prt_future", {**v, "informed_on": st.prt_informed_on})
    if st.ministry_informed_on is None and not _passed(ctx, ctx.deadline):
        yield Hit("ministry_open", v, severity="open")


def notified_by_deadline(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    """U4 / S3: the ministry knows of it by the round's notification deadline."""
    if ctx.withdrawn_on(p) is not None:  # written() says so once
        return
    st = p.process
    v: dict[str, object] = {"deadline": ctx.deadline, "as_of": ctx.as_of,
                            "amendment_deadline": ctx.scenario.round.amendment_deadline}
    if st.ministry_informed_on is None:
        if _passed(ctx, ctx.deadline):
            yield Hit("ministry_missing_late", v, severity="warning")
        return
    v["informed_on"] = st.ministry_informed_on
    if st.ministry_informed_on > ctx.deadline:
        yield Hit("ministry_late", v, severity="warning")
    if st.ministry_informed_on > ctx.as_of:
        yield Hit("ministry_future", v)


def informed_immediately(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    """P7: once signed, the ministry is informed per ommegaande; a long wait is a warning.

    The note names no number of days: the signal after `ministry_signal_days` is a labelled setting.
    """
    if ctx.withdrawn_on(p) is not None:  # P4's written() says so once
        return
    st = p.process
    signal = process_settings().ministry_signal_days
    v: dict[str, object] = {"days": signal.value, "label": signal.label, "as_of": ctx.as_of}
    if st.ministry_informed_on is not None and st.ministry_informed_on > ctx.as_of:
        yield Hit("future", {**v, "informed_on": st.ministry_informed_on})
    if st.status == "draft" or st.signed_on is None:
        if st.ministry_informed_on is None:
            yield Hit("draft", v, severity="open")
        return
    due = st.signed_on + timedelta(days=signal.value)
    v.update(signed_on=st.signed_on)
    if st.ministry_informed_on is None:
        yield (Hit("missing_late", v, severity="warning") if ctx.as_of > due
               else Hit("open", v, severity="open"))
    elif st.ministry_informed_on > due:
        yield Hit("late", {**v, "informed_on": st.ministry_informed_on,
                           "waited": (st.ministry_informed_on - st.signed_on).days},
                  severity="warning")
