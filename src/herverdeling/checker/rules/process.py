"""Process steps judged against the round's dates: written agreement, PRT and ministry informed.

A step not yet taken is `open` ("still to do before <date>") while its deadline lies ahead of the
scenario's as-of date, and an `error` once the deadline has passed. A date recorded after the
as-of date is an error: proposals are made as of that date and cannot record the future.
Shared by U2-U4 (uitruil), S3 (merger) and P4/P7 (surplus swap).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from herverdeling.checker.rules.base import AnyProposal, Context, Hit

# P7 "per ommegaande": model choice, the ministry must have the signed agreement within a week.
IMMEDIATELY_DAYS = 7

WRITTEN_MESSAGES: dict[str, tuple[str, str]] = {
    "draft_open": (
        "Nog te doen vóór {deadline}: de afspraak schriftelijk vastleggen en ondertekenen "
        "(nu een concept).",
        "Still to do before {deadline}: put the agreement in writing and sign it (now a draft).",
    ),
    "draft_open_nodate": (
        "Nog te doen: de uitruilovereenkomst schriftelijk vastleggen en ondertekenen (nu een concept).",
        "Still to do: put the uitruilovereenkomst in writing and sign it (now a draft).",
    ),
    "draft_late": (
        "Niet ondertekend, terwijl de meldingstermijn van {deadline} op {as_of} is verstreken.",
        "Not signed, and the notification deadline of {deadline} has passed as of {as_of}.",
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
        "Ondertekend op {signed_on}, na de meldingstermijn van {deadline}.",
        "Signed on {signed_on}, after the notification deadline of {deadline}.",
    ),
}

INFORMED_MESSAGES: dict[str, tuple[str, str]] = {
    "prt_open": (
        "Nog te doen vóór {deadline}: de PRT informeren.",
        "Still to do before {deadline}: inform the PRT.",
    ),
    "prt_late": (
        "De PRT is niet geïnformeerd en de termijn van {deadline} is op {as_of} verstreken.",
        "The PRT has not been informed and the deadline of {deadline} has passed as of {as_of}.",
    ),
    "prt_future": (
        "PRT geïnformeerd op {informed_on}, na de peildatum {as_of}.",
        "PRT informed on {informed_on}, after the as-of date {as_of}.",
    ),
    "ministry_open": (
        "Nog te doen vóór {deadline}: het ministerie informeren.",
        "Still to do before {deadline}: inform the ministry.",
    ),
}

DEADLINE_MESSAGES: dict[str, tuple[str, str]] = {
    "ministry_late": (
        "Het ministerie is op {informed_on} geïnformeerd, na de meldingstermijn van {deadline}: de "
        "afspraak valt buiten de wijziging van de verdeelbesluiten vóór {amendment_deadline}.",
        "The ministry was informed on {informed_on}, after the notification deadline of {deadline}: "
        "the agreement misses the amendment of the verdeelbesluiten before {amendment_deadline}.",
    ),
    "ministry_missing_late": (
        "Het ministerie is niet geïnformeerd en de meldingstermijn van {deadline} is op {as_of} "
        "verstreken.",
        "The ministry has not been informed and the notification deadline of {deadline} has passed "
        "as of {as_of}.",
    ),
    "ministry_future": (
        "Ministerie geïnformeerd op {informed_on}, na de peildatum {as_of}.",
        "Ministry informed on {informed_on}, after the as-of date {as_of}.",
    ),
}

IMMEDIATE_MESSAGES: dict[str, tuple[str, str]] = {
    "draft": (
        "Nog te doen: het ministerie per ommegaande (binnen {days} dagen) informeren zodra de "
        "overeenkomst is ondertekend.",
        "Still to do: inform the ministry immediately (within {days} days) once the agreement is "
        "signed.",
    ),
    "open": (
        "Nog te doen vóór {due}: het ministerie per ommegaande informeren (ondertekend op {signed_on}).",
        "Still to do before {due}: inform the ministry immediately (signed on {signed_on}).",
    ),
    "missing_late": (
        "Ondertekend op {signed_on}, maar het ministerie is op {as_of} nog niet geïnformeerd "
        "(per ommegaande: uiterlijk {due}).",
        "Signed on {signed_on}, but the ministry has not been informed as of {as_of} (immediately: "
        "by {due}).",
    ),
    "late": (
        "Het ministerie is op {informed_on} geïnformeerd, niet per ommegaande na ondertekening op "
        "{signed_on} (uiterlijk {due}).",
        "The ministry was informed on {informed_on}, not immediately after signing on {signed_on} "
        "(by {due}).",
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
    st = p.process
    v = {"deadline": ctx.deadline, "as_of": ctx.as_of, "vb_date": ctx.scenario.round.verdeelbesluit_date}
    if st.status == "draft":
        if not with_deadline:
            yield Hit("draft_open_nodate", v, severity="open")
        elif _passed(ctx, ctx.deadline):
            yield Hit("draft_late", v)
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
        yield Hit("signed_late", v)


def informed(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    """U3 / S3: the PRT and the ministry are informed (the ministry's date itself is U4's)."""
    st = p.process
    v: dict[str, object] = {"deadline": ctx.deadline, "as_of": ctx.as_of}
    if st.prt_informed_on is None:
        yield Hit("prt_late", v) if _passed(ctx, ctx.deadline) else Hit("prt_open", v, severity="open")
    elif st.prt_informed_on > ctx.as_of:
        yield Hit("prt_future", {**v, "informed_on": st.prt_informed_on})
    if st.ministry_informed_on is None and not _passed(ctx, ctx.deadline):
        yield Hit("ministry_open", v, severity="open")


def notified_by_deadline(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    """U4 / S3: the ministry knows of it by the round's notification deadline."""
    st = p.process
    v: dict[str, object] = {"deadline": ctx.deadline, "as_of": ctx.as_of,
                            "amendment_deadline": ctx.scenario.round.amendment_deadline}
    if st.ministry_informed_on is None:
        if _passed(ctx, ctx.deadline):
            yield Hit("ministry_missing_late", v)
        return
    v["informed_on"] = st.ministry_informed_on
    if st.ministry_informed_on > ctx.deadline:
        yield Hit("ministry_late", v)
    if st.ministry_informed_on > ctx.as_of:
        yield Hit("ministry_future", v)


def informed_immediately(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    """P7: once signed, the ministry is informed within IMMEDIATELY_DAYS (informing earlier is fine)."""
    st = p.process
    v: dict[str, object] = {"days": IMMEDIATELY_DAYS, "as_of": ctx.as_of}
    if st.ministry_informed_on is not None and st.ministry_informed_on > ctx.as_of:
        yield Hit("future", {**v, "informed_on": st.ministry_informed_on})
    if st.status == "draft" or st.signed_on is None:
        if st.ministry_informed_on is None:
            yield Hit("draft", v, severity="open")
        return
    due = st.signed_on + timedelta(days=IMMEDIATELY_DAYS)
    v.update(signed_on=st.signed_on, due=due)
    if st.ministry_informed_on is None:
        yield Hit("missing_late", v) if ctx.as_of > due else Hit("open", v, severity="open")
    elif st.ministry_informed_on > due:
        yield Hit("late", {**v, "informed_on": st.ministry_informed_on})
