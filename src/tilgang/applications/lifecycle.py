"""The lifecycle of an application as one permission table (REMS style): (state, command, role) → next state.

Every change of state goes through ``services.case_transition``, which looks the command up here; a
command not in the table for the case's state and the actor's roles is refused with a message
saying why. ``docs/applications.md`` prints this table, and ``tests/applications/test_lifecycle.py``
enumerates every state × command × role.

Roles are held per case: the applicant (project leader), project members and the signatory come from
the application; the case officer is the one assigned to the case; the legal reviewer and the head of
section are global staff roles; ``system`` is the sweeps and the apps that come after (offers, the
file exchange), which call ``case_transition`` with ``actor=None``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted, waiting for legal review")
    LEGAL_REVIEW = "legal_review", _("In legal review")
    RETURNED_TO_APPLICANT = "returned_to_applicant", _("Returned for completion")
    LEGAL_APPROVED = "legal_approved", _("Legal review passed, waiting for a case officer")
    REFUSED = "refused", _("Refused")
    CASE_OFFICER_ASSIGNED = "case_officer_assigned", _("With a case officer")
    ACCESS_GRANTED = "access_granted", _("Access granted, offer being prepared")
    OFFER_SENT = "offer_sent", _("Offer sent")
    OFFER_EXPIRED = "offer_expired", _("Offer expired")
    OFFER_ACCEPTED = "offer_accepted", _("Offer accepted")
    AGREEMENT_SIGNED = "agreement_signed", _("Agreement signed")
    IN_PREPARATION = "in_preparation", _("Data being prepared")
    DELIVERED = "delivered", _("Delivered")
    ACTIVE = "active", _("Active project")
    CHANGE_REQUESTED = "change_requested", _("Project change requested")
    CHANGE_AGREED = "change_agreed", _("Change agreement issued")
    DELETION_DUE = "deletion_due", _("Deletion due")
    DELETION_CONFIRMED = "deletion_confirmed", _("Deletion confirmed")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    APPEALED = "appealed", _("Appealed")
    UPHELD = "upheld", _("Refusal upheld on appeal")
    REVERSED = "reversed", _("Refusal reversed on appeal")


# What happens next, as the applicant reads it on the case page and in status e-mails.
NEXT_STEP = {
    State.DRAFT: _("Complete the application, run the check and submit it."),
    State.SUBMITTED: _("A legal reviewer will look at the application first."),
    State.LEGAL_REVIEW: _("A legal reviewer is assessing the legal basis and eligibility."),
    State.RETURNED_TO_APPLICANT: _("Complete the application as asked in the message, then send it again."),
    State.LEGAL_APPROVED: _("The head of section will give the case to a case officer."),
    State.CASE_OFFICER_ASSIGNED: _("The case officer assesses the application and decides."),
    State.ACCESS_GRANTED: _("The case officer prepares the offer with price and delivery date."),
    State.OFFER_SENT: _("Accept the offer within two weeks."),
    State.OFFER_EXPIRED: _("The offer expired. Contact the case officer for a new one."),
    State.OFFER_ACCEPTED: _("The signatory signs the agreement; every member signs the declaration."),
    State.AGREEMENT_SIGNED: _("The case officer starts preparing the data."),
    State.IN_PREPARATION: _("The data are being prepared. Send third-party data only when asked."),
    State.DELIVERED: _("Download the data within two weeks and check them against the order."),
    State.ACTIVE: _("Use the data on the conditions of the decision; delete them by the deadline."),
    State.CHANGE_REQUESTED: _("The case officer considers the project change."),
    State.CHANGE_AGREED: _("The signatory signs the change agreement."),
    State.DELETION_DUE: _("Delete the data, copies and printouts, and confirm the deletion."),
    State.DELETION_CONFIRMED: _("The case officer closes the case."),
    State.CLOSED: _("The case is closed."),
    State.WITHDRAWN: _("The application was withdrawn."),
    State.REFUSED: _("You may appeal the refusal within three weeks."),
    State.APPEALED: _("The appeal is being considered, by the office and then the Ministry of Finance."),
    State.UPHELD: _("The refusal was upheld. The case is closed."),
    State.REVERSED: _("The refusal was reversed; the case goes to a case officer."),
}


class CaseRole(models.TextChoices):
    APPLICANT = "applicant", _("applicant")
    MEMBER = "member", _("project member")
    SIGNATORY = "signatory", _("signatory")
    LEGAL_REVIEWER = "legal_reviewer", _("legal reviewer")
    CASE_OFFICER = "case_officer", _("case officer of the case")
    HEAD_OF_SECTION = "head_of_section", _("head of section")
    SYSTEM = "system", _("the system")


class Command(models.TextChoices):
    UPDATE = "update", _("change the application")
    SUBMIT = "submit", _("submit")
    WITHDRAW = "withdraw", _("withdraw")
    TAKE_LEGAL_REVIEW = "take_legal_review", _("take the case for legal review")
    RETURN_FOR_COMPLETION = "return_for_completion", _("return for completion")
    RESUBMIT = "resubmit", _("send the completed application")
    PASS_LEGAL_REVIEW = "pass_legal_review", _("pass the legal review")
    ASSIGN = "assign", _("assign a case officer")
    REASSIGN = "reassign", _("give the case to another case officer")
    REFUSE = "refuse", _("refuse access")
    GRANT_ACCESS = "grant_access", _("grant access")
    SEND_OFFER = "send_offer", _("send the offer")
    EXPIRE_OFFER = "expire_offer", _("let the offer expire")
    ACCEPT_OFFER = "accept_offer", _("accept the offer")
    SIGN_AGREEMENT = "sign_agreement", _("sign the agreement")
    START_PREPARATION = "start_preparation", _("start preparing the data")
    DELIVER = "deliver", _("deliver the data")
    CONFIRM_RECEIPT = "confirm_receipt", _("confirm the delivery")
    COMPLAIN = "complain", _("complain about the delivery")
    REQUEST_CHANGE = "request_change", _("request a project change")
    AGREE_CHANGE = "agree_change", _("issue a change agreement")
    REFUSE_CHANGE = "refuse_change", _("refuse the project change")
    SIGN_CHANGE_AGREEMENT = "sign_change_agreement", _("sign the change agreement")
    MARK_DELETION_DUE = "mark_deletion_due", _("mark the deletion as due")
    CONFIRM_DELETION = "confirm_deletion", _("confirm deletion")
    CLOSE = "close", _("close the case")
    APPEAL = "appeal", _("appeal the refusal")
    UPHOLD = "uphold", _("register that the refusal is upheld")
    REVERSE = "reverse", _("register that the refusal is reversed")
    MESSAGE = "message", _("send a message")
    ADD_NOTE = "add_note", _("write an internal note")
    SIGN_DECLARATION = "sign_declaration", _("sign the non-disclosure declaration")
    RECORD_BREACH = "record_breach", _("record a breach of the conditions")


# Offer and agreement commands run through the offers app, which prices, signs and records them;
# the case page and the generic command route leave them to it.
OFFER_COMMANDS = frozenset(
    {
        Command.SEND_OFFER,
        Command.ACCEPT_OFFER,
        Command.SIGN_AGREEMENT,
        Command.AGREE_CHANGE,
        Command.SIGN_CHANGE_AGREEMENT,
    }
)


# Delivery runs in the preparation app, which packs, sends and invoices the order; a bare "delivered" state
# without a package would tell the researcher to download nothing.
DELIVERY_COMMANDS = frozenset({Command.DELIVER})


S, C, R = State, Command, CaseRole

# States in which the project exists and has data, or will soon.
_OPEN_BEFORE_DELIVERY = (
    S.DRAFT,
    S.SUBMITTED,
    S.LEGAL_REVIEW,
    S.RETURNED_TO_APPLICANT,
    S.LEGAL_APPROVED,
    S.CASE_OFFICER_ASSIGNED,
    S.ACCESS_GRANTED,
    S.OFFER_SENT,
    S.OFFER_EXPIRED,
    S.OFFER_ACCEPTED,
    S.AGREEMENT_SIGNED,
    S.IN_PREPARATION,
)
_WITH_DATA = (S.DELIVERED, S.ACTIVE, S.CHANGE_REQUESTED, S.CHANGE_AGREED, S.DELETION_DUE)
_SUBMITTED_STATES = tuple(s for s in S if s != S.DRAFT)
_STAFF_HANDLING = (R.LEGAL_REVIEWER, R.CASE_OFFICER, R.HEAD_OF_SECTION)

# (from states, command, roles, to state); ``None`` as the to state means: the state stays.
_RULES: list[tuple[tuple[State, ...], Command, tuple[CaseRole, ...], State | None]] = [
    ((S.DRAFT, S.RETURNED_TO_APPLICANT), C.UPDATE, (R.APPLICANT,), None),
    ((S.DRAFT,), C.SUBMIT, (R.APPLICANT,), S.SUBMITTED),
    (_OPEN_BEFORE_DELIVERY, C.WITHDRAW, (R.APPLICANT,), S.WITHDRAWN),
    # DOMAIN R-CASE-1: every application is reviewed by a lawyer first, then goes to a case officer.
    ((S.SUBMITTED,), C.TAKE_LEGAL_REVIEW, (R.LEGAL_REVIEWER,), S.LEGAL_REVIEW),
    ((S.LEGAL_REVIEW,), C.RETURN_FOR_COMPLETION, (R.LEGAL_REVIEWER,), S.RETURNED_TO_APPLICANT),
    ((S.CASE_OFFICER_ASSIGNED,), C.RETURN_FOR_COMPLETION, (R.CASE_OFFICER,), S.RETURNED_TO_APPLICANT),
    ((S.RETURNED_TO_APPLICANT,), C.RESUBMIT, (R.APPLICANT,), S.SUBMITTED),
    ((S.LEGAL_REVIEW,), C.PASS_LEGAL_REVIEW, (R.LEGAL_REVIEWER,), S.LEGAL_APPROVED),
    ((S.LEGAL_APPROVED, S.REVERSED), C.ASSIGN, (R.HEAD_OF_SECTION,), S.CASE_OFFICER_ASSIGNED),
    (
        (
            S.CASE_OFFICER_ASSIGNED,
            S.ACCESS_GRANTED,
            S.OFFER_SENT,
            S.OFFER_EXPIRED,
            S.OFFER_ACCEPTED,
            S.AGREEMENT_SIGNED,
            S.IN_PREPARATION,
            *_WITH_DATA,
            S.DELETION_CONFIRMED,
        ),
        C.REASSIGN,
        (R.HEAD_OF_SECTION,),
        None,
    ),
    # DOMAIN R-CASE-2: refusal by the lawyer, or by the case officer (the "safety valve").
    ((S.LEGAL_REVIEW,), C.REFUSE, (R.LEGAL_REVIEWER,), S.REFUSED),
    ((S.CASE_OFFICER_ASSIGNED,), C.REFUSE, (R.CASE_OFFICER,), S.REFUSED),
    ((S.CASE_OFFICER_ASSIGNED,), C.GRANT_ACCESS, (R.CASE_OFFICER,), S.ACCESS_GRANTED),
    # DOMAIN R-CASE-3, R-CASE-4: the offers app drives these (as the case officer or the system).
    ((S.ACCESS_GRANTED, S.OFFER_EXPIRED), C.SEND_OFFER, (R.CASE_OFFICER, R.SYSTEM), S.OFFER_SENT),
    # An accepted offer still lapses when the agreement is not signed by the deadline.
    ((S.OFFER_SENT, S.OFFER_ACCEPTED), C.EXPIRE_OFFER, (R.SYSTEM,), S.OFFER_EXPIRED),
    ((S.OFFER_SENT,), C.ACCEPT_OFFER, (R.APPLICANT,), S.OFFER_ACCEPTED),
    ((S.OFFER_ACCEPTED,), C.SIGN_AGREEMENT, (R.SIGNATORY,), S.AGREEMENT_SIGNED),
    ((S.AGREEMENT_SIGNED,), C.START_PREPARATION, (R.CASE_OFFICER, R.SYSTEM), S.IN_PREPARATION),
    # DOMAIN R-CASE-5, R-CASE-6: the file exchange delivers.
    ((S.IN_PREPARATION,), C.DELIVER, (R.CASE_OFFICER, R.SYSTEM), S.DELIVERED),
    ((S.DELIVERED,), C.CONFIRM_RECEIPT, (R.APPLICANT, R.SYSTEM), S.ACTIVE),
    (_WITH_DATA, C.COMPLAIN, (R.APPLICANT,), None),
    # DOMAIN R-CASE-7
    ((S.ACTIVE,), C.REQUEST_CHANGE, (R.APPLICANT,), S.CHANGE_REQUESTED),
    ((S.CHANGE_REQUESTED,), C.AGREE_CHANGE, (R.CASE_OFFICER,), S.CHANGE_AGREED),
    ((S.CHANGE_REQUESTED,), C.REFUSE_CHANGE, (R.CASE_OFFICER,), S.ACTIVE),
    ((S.CHANGE_AGREED,), C.SIGN_CHANGE_AGREEMENT, (R.SIGNATORY,), S.ACTIVE),
    # DOMAIN R-CASE-8
    ((S.DELIVERED, S.ACTIVE), C.MARK_DELETION_DUE, (R.CASE_OFFICER, R.SYSTEM), S.DELETION_DUE),
    ((S.ACTIVE, S.DELETION_DUE), C.CONFIRM_DELETION, (R.APPLICANT,), S.DELETION_CONFIRMED),
    ((S.DELETION_CONFIRMED, S.OFFER_EXPIRED), C.CLOSE, (R.CASE_OFFICER,), S.CLOSED),
    # DOMAIN R-CASE-2: appeal to the Ministry of Finance.
    ((S.REFUSED,), C.APPEAL, (R.APPLICANT,), S.APPEALED),
    ((S.APPEALED,), C.UPHOLD, (R.LEGAL_REVIEWER,), S.UPHELD),
    ((S.APPEALED,), C.REVERSE, (R.LEGAL_REVIEWER,), S.REVERSED),
    # Commands that leave the state as it is.
    (_SUBMITTED_STATES, C.MESSAGE, (R.APPLICANT, R.LEGAL_REVIEWER, R.CASE_OFFICER), None),
    (_SUBMITTED_STATES, C.ADD_NOTE, _STAFF_HANDLING, None),
    (
        (*_OPEN_BEFORE_DELIVERY, *_WITH_DATA),
        C.SIGN_DECLARATION,
        (R.APPLICANT, R.MEMBER, R.SIGNATORY),
        None,
    ),
    (
        (*_WITH_DATA, S.DELETION_CONFIRMED, S.CLOSED),
        C.RECORD_BREACH,
        (R.CASE_OFFICER, R.HEAD_OF_SECTION),
        None,
    ),
]


@dataclass(frozen=True)
class Transition:
    state: str
    command: str
    roles: frozenset[str]
    to_state: str  # the same as ``state`` for commands that keep it


TABLE: dict[tuple[str, str], Transition] = {}
for _states, _command, _roles, _to in _RULES:
    for _state in _states:
        key = (str(_state), str(_command))
        if key in TABLE:
            raise ValueError(f"lifecycle rule for {key} defined twice")
        TABLE[key] = Transition(str(_state), str(_command), frozenset(map(str, _roles)), str(_to or _state))

FINAL_STATES = frozenset({S.CLOSED, S.WITHDRAWN, S.UPHELD})
# DOMAIN R-CASE-1: a completed application goes back to the one who returned it: to the legal reviewer in
# legal review, or to the case officer after the legal review. The table's ``submitted`` is only for a
# case with no record of who returned it.
RETURN_TO_SENDER = frozenset({S.LEGAL_REVIEW, S.CASE_OFFICER_ASSIGNED})
RESUBMIT_NOTE = "where it was returned from: legal_review or case_officer_assigned ({fallback} if unknown)"
OPEN_STATES = frozenset(str(s) for s in S) - FINAL_STATES


class Refusal(Exception):
    """A command refused by the table; the message is translated and safe to show."""


def transition_for(state: str, command: str, roles: frozenset[str] | set[str]) -> Transition:
    """The transition the table allows, or a ``Refusal`` that says why not."""
    if command not in Command.values:
        raise Refusal(_("Unknown command: %(command)s.") % {"command": command})
    state_label = State(state).label if state in State.values else state
    command_label = Command(command).label
    rule = TABLE.get((state, command))
    if rule is None:
        raise Refusal(
            _("You cannot %(command)s while the case is “%(state)s”.")
            % {"command": command_label, "state": state_label}
        )
    if not rule.roles & set(roles):
        allowed = ", ".join(str(CaseRole(role).label) for role in sorted(rule.roles))
        raise Refusal(
            _("Only the %(roles)s can %(command)s in this case.")
            % {"roles": allowed, "command": command_label}
        )
    return rule


def commands_for(state: str, roles: frozenset[str] | set[str]) -> list[str]:
    return [command for (s, command), rule in TABLE.items() if s == state and rule.roles & set(roles)]


def table_rows() -> list[Transition]:
    order = {str(s): i for i, s in enumerate(State)}
    corder = {str(c): i for i, c in enumerate(Command)}
    return sorted(TABLE.values(), key=lambda t: (order[t.state], corder[t.command]))


def table_markdown() -> str:
    """The table as printed in docs/applications.md (a test checks the two agree)."""
    lines = ["| state | command | roles | next state |", "|---|---|---|---|"]
    for row in table_rows():
        nxt = "(same)" if row.to_state == row.state else row.to_state
        if row.command == Command.RESUBMIT:
            nxt = RESUBMIT_NOTE.format(fallback=nxt)
        lines.append(f"| {row.state} | {row.command} | {', '.join(sorted(row.roles))} | {nxt} |")
    return "\n".join(lines)
