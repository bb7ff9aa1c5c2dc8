package fee

import (
	"errors"

	"github.com/estatedesk/estatedesk/internal/database"
)

// Errors of the fee use cases. A bill, payment, unit, item or estate
// outside the caller's tenant or estate scope is database.ErrNotFound, as
// if it did not exist. The errors of a race or a state that moved on are
// conflicts: errors.Is(err, database.ErrConflict) holds for them, so the
// HTTP layer answers 409 even before it knows them by name.
var (
	ErrInvalidAmount        = errors.New("fee: the amount must be a number of yuan with at most two decimals")
	ErrInvalidPrice         = errors.New("fee: the price must be a number of yuan with at most four decimals")
	ErrInvalidPeriod        = errors.New("fee: the period must look like 2026-03, 2026-Q1, 2026-H1 or 2026")
	ErrInvalidDate          = errors.New("fee: the date must be YYYY-MM-DD")
	ErrInvalidName          = errors.New("fee: the name must be 1–50 characters")
	ErrInvalidKind          = errors.New("fee: unknown calculation")
	ErrInvalidCycle         = errors.New("fee: unknown billing cycle")
	ErrInvalidDueDay        = errors.New("fee: the due day must be 1 to 31")
	ErrInvalidVacantPercent = errors.New("fee: the vacant-unit rate must be 0 to 100 percent")
	ErrInvalidTiers         = errors.New("fee: tiers need increasing thresholds and prices of zero or more, on meter items only")
	ErrInvalidUnitKind      = errors.New("fee: unknown unit kind")
	ErrInvalidReading       = errors.New("fee: the reading must be zero or more, with at most two decimals")
	ErrReadingBelowLast     = errors.New("fee: the reading is lower than the last one; mark the meter as replaced")
	ErrNotMeterItem         = errors.New("fee: the item is not read from a meter")
	ErrNotOneOff            = errors.New("fee: the item is not a one-off charge")
	ErrNotPeriodic          = errors.New("fee: one-off items are charged one by one, not in billing runs")
	ErrItemArchived         = errors.New("fee: the item is archived")
	ErrUnitNotInEstate      = errors.New("fee: the unit is not in the item's estate")
	ErrInvalidCode          = errors.New("fee: the parking space code must be 1–30 characters")
	ErrUnknownUnitCode      = errors.New("fee: the estate has no unit with that code")
	ErrUnknownPhone         = errors.New("fee: nobody has that phone number")
	ErrUnknownItem          = errors.New("fee: the estate has no fee item of that name")
	ErrAmbiguousPhone       = errors.New("fee: several people have that phone number; link the space to their unit")
	ErrInvalidMethod        = errors.New("fee: unknown payment method")
	ErrNothingToPay         = errors.New("fee: choose bills to pay or take a prepayment")
	ErrTooMuch              = errors.New("fee: the amount is more than the bills' open total; take the rest as a prepayment")
	ErrBillNotOfUnit        = errors.New("fee: every bill paid together must be of the same unit")
	ErrInvalidIdempotency   = errors.New("fee: the Idempotency-Key must be 1–200 printable characters")
	ErrInvalidReason        = errors.New("fee: a reason of 1–500 characters is required")
	ErrWaiverTooLarge       = errors.New("fee: the waiver is more than the bill's open amount")
	ErrSelfApproval         = errors.New("fee: a waiver is approved by someone other than who asked for it")
	ErrCodeTaken            = conflict("fee: the estate has a parking space with that code")
	ErrNameTaken            = conflict("fee: the estate has an item with that name")
	ErrRateExists           = conflict("fee: the item has a rate for that unit kind from that day")
	ErrReadingExists        = conflict("fee: the unit has a reading of that meter for the period")
	ErrReadingNotLatest     = conflict("fee: a later reading counts from this one; it can no longer be corrected")
	ErrReadingBilled        = conflict("fee: the period is billed from this reading; it can no longer be corrected")
	ErrAlreadyPaid          = conflict("fee: the bill has been paid meanwhile")
	ErrDueChanged           = conflict("fee: the bills' open total changed meanwhile; look again")
	ErrAlreadyVoided        = conflict("fee: the payment is already voided")
	ErrWaiverDecided        = conflict("fee: the waiver has already been decided")
)

// Errors of the selection of reminder letters (催缴通知书).
var (
	ErrTooManyUnits   = errors.New("fee: at most 500 units at a time; narrow the selection")
	ErrInvalidMinDays = errors.New("fee: the days overdue must be a whole number from 0 to 3650")
	ErrNoArrears      = errors.New("fee: no unit of the selection is in arrears")
)

// Errors of collection (催缴): the arrears list's filters, reminder
// batches and contact attempts.
var (
	ErrInvalidAge       = errors.New("fee: unknown age bucket")
	ErrTooManyReminders = errors.New("fee: at most 5,000 units in a batch of reminders; narrow the selection")
	ErrInvalidOutcome   = errors.New("fee: choose called, promised to pay, refused or no answer")
	ErrInvalidPromise   = errors.New("fee: a promise to pay needs the day, today or later")
	ErrInvalidNote      = errors.New("fee: the note must be at most 500 characters")
	ErrBatchKeyMismatch = conflict("fee: the Idempotency-Key was used with a different batch of reminders")
)

// conflictError is a domain error that is also a database.ErrConflict.
type conflictError struct{ msg string }

func conflict(msg string) error { return &conflictError{msg} }

func (e *conflictError) Error() string        { return e.msg }
func (e *conflictError) Is(target error) bool { return target == database.ErrConflict }

// ErrIdempotencyMismatch: the key was used with another request. Not a
// conflict to retry but a client error (422), as for tickets: the key
// must change.
var (
	ErrIdempotencyMismatch = errors.New("fee: the Idempotency-Key was used with a different payment")
)

// Errors of the daily cashier report (日结).
var (
	ErrDayClosed        = errors.New("fee: the clerk's day at this estate is closed; an office head can reopen it")
	ErrDayInFuture      = errors.New("fee: a day that has not begun cannot be closed")
	ErrDayAlreadyClosed = conflict("fee: the day is already closed")
	ErrDayNotClosed     = conflict("fee: the day is not closed")
)

// Errors of late fees (滞纳金).
var (
	ErrInvalidLateRate  = errors.New("fee: the late fee's daily rate must be more than 0 and at most 1%, with at most four decimals")
	ErrInvalidGraceDays = errors.New("fee: the grace days must be a whole number from 0 to 365")
	ErrInvalidLateCap   = errors.New("fee: the cap must be 0 to 100 percent of the bill and an amount of zero or more")
	ErrNoLateFee        = errors.New("fee: the bill has no late fee to waive")
	ErrLateFeeChanged   = conflict("fee: the late fees changed meanwhile; look again")
)
