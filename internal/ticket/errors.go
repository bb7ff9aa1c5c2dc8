package ticket

import "errors"

// Errors of the ticket use cases. A ticket, unit, team or estate outside the
// caller's tenant or estate scope is database.ErrNotFound, as if it did not
// exist; an illegal move is a *MoveError.
var (
	ErrInvalidChannel       = errors.New("ticket: unknown channel")
	ErrInvalidType          = errors.New("ticket: unknown type")
	ErrInvalidPriority      = errors.New("ticket: unknown priority")
	ErrInvalidDescription   = errors.New("ticket: the description must be 1–4000 characters")
	ErrInvalidCaller        = errors.New("ticket: give the unit, the owner, or the caller's name or phone")
	ErrInvalidPreferredTime = errors.New("ticket: the preferred time is too long")
	ErrInvalidCategory      = errors.New("ticket: unknown category")
	ErrInvalidReason        = errors.New("ticket: a reason of 1–500 characters is required")
	ErrInvalidComment       = errors.New("ticket: the comment must be 1–4000 characters")
	ErrInvalidScore         = errors.New("ticket: scores are 1 to 5")
	ErrUnitNotInEstate      = errors.New("ticket: the unit is not in the estate")
	ErrInvalidReceiver      = errors.New("ticket: received_by is not active staff of the company")
	ErrTeamNotInEstate      = errors.New("ticket: the team does not serve the ticket's estate")
	ErrNotTeamMember        = errors.New("ticket: the worker is not an on-duty member of the team")
	ErrNoTeam               = errors.New("ticket: no team given and no dispatch rule matches")
	ErrNotAssignee          = errors.New("ticket: only the assigned worker or the team leader may do this")
	ErrAlreadyClaimed       = errors.New("ticket: another worker has already claimed the ticket")
	ErrNoCallback           = errors.New("ticket: the ticket is not waiting for a call-back")
	ErrIdempotencyMismatch  = errors.New("ticket: the Idempotency-Key was used with a different request")
	ErrInvalidIdempotency   = errors.New("ticket: the Idempotency-Key must be 1–200 printable characters")
	ErrAttachmentType       = errors.New("ticket: that file type is not accepted")
	ErrAttachmentSize       = errors.New("ticket: the file is too large")
	ErrTooManyAttachments   = errors.New("ticket: the ticket has too many attachments")
	ErrInvalidMode          = errors.New("ticket: unknown dispatch mode")
	ErrInvalidPolicy        = errors.New("ticket: deadlines must be 1 minute to 90 days, the response no later than the resolution")
	ErrInvalidLadder        = errors.New("ticket: an escalation level needs a trigger and a role or an address")
	ErrInvalidSettings      = errors.New("ticket: invalid call-back settings")
	ErrInvalidCursor        = errors.New("ticket: invalid page cursor")
	ErrInvalidFilter        = errors.New("ticket: invalid filter")
	ErrCloseReason          = errors.New("ticket: closing a ticket the owner was not called back about needs a reason")
)
