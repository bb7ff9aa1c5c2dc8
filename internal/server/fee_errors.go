package server

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/fee"
)

// feeErrors names each fee error's message ("error.<code>" in
// web/locales/fee.*.yaml). Conflicts answer 409, the rest 422.
var feeErrors = []struct {
	err  error
	code string
}{
	{fee.ErrInvalidAmount, "fee_invalid_amount"},
	{fee.ErrInvalidPrice, "fee_invalid_price"},
	{fee.ErrInvalidPeriod, "fee_invalid_period"},
	{fee.ErrInvalidDate, "fee_invalid_date"},
	{fee.ErrInvalidName, "fee_invalid_name"},
	{fee.ErrInvalidKind, "fee_invalid_kind"},
	{fee.ErrInvalidCycle, "fee_invalid_cycle"},
	{fee.ErrInvalidDueDay, "fee_invalid_due_day"},
	{fee.ErrInvalidVacantPercent, "fee_invalid_vacant_percent"},
	{fee.ErrInvalidTiers, "fee_invalid_tiers"},
	{fee.ErrInvalidUnitKind, "fee_invalid_unit_kind"},
	{fee.ErrInvalidReading, "fee_invalid_reading"},
	{fee.ErrReadingBelowLast, "fee_reading_below_last"},
	{fee.ErrNotMeterItem, "fee_not_meter_item"},
	{fee.ErrNotOneOff, "fee_not_one_off"},
	{fee.ErrNotPeriodic, "fee_not_periodic"},
	{fee.ErrItemArchived, "fee_item_archived"},
	{fee.ErrUnitNotInEstate, "fee_unit_not_in_estate"},
	{fee.ErrInvalidCode, "fee_invalid_code"},
	// Meter readings and parking spaces
	{fee.ErrUnknownUnitCode, "fee_unknown_unit_code"},
	{fee.ErrUnknownPhone, "fee_unknown_phone"},
	{fee.ErrAmbiguousPhone, "fee_ambiguous_phone"},
	{fee.ErrUnknownItem, "fee_unknown_item"},
	{fee.ErrReadingNotLatest, "fee_reading_not_latest"},
	{fee.ErrReadingBilled, "fee_reading_billed"},
	{fee.ErrInvalidMethod, "fee_invalid_method"},
	{fee.ErrNothingToPay, "fee_nothing_to_pay"},
	{fee.ErrTooMuch, "fee_too_much"},
	{fee.ErrBillNotOfUnit, "fee_bill_not_of_unit"},
	{fee.ErrInvalidIdempotency, "fee_invalid_idempotency"},
	{fee.ErrInvalidReason, "fee_invalid_reason"},
	{fee.ErrWaiverTooLarge, "fee_waiver_too_large"},
	{fee.ErrSelfApproval, "fee_self_approval"},
	{fee.ErrCodeTaken, "fee_code_taken"},
	{fee.ErrNameTaken, "fee_name_taken"},
	{fee.ErrRateExists, "fee_rate_exists"},
	{fee.ErrReadingExists, "fee_reading_exists"},
	{fee.ErrAlreadyPaid, "fee_already_paid"},
	{fee.ErrDueChanged, "fee_due_changed"},
	{fee.ErrIdempotencyMismatch, "fee_idempotency_mismatch"},
	{fee.ErrAlreadyVoided, "fee_already_voided"},
	{fee.ErrWaiverDecided, "fee_waiver_decided"},
	// PDFs
	{fee.ErrTooManyUnits, "fee_too_many_units"},
	{fee.ErrInvalidMinDays, "fee_invalid_min_days"},
	{fee.ErrNoArrears, "fee_no_arrears"},
	// The daily cashier report (日结)
	{fee.ErrDayClosed, "fee_day_closed"},
	{fee.ErrDayInFuture, "fee_day_in_future"},
	{fee.ErrDayAlreadyClosed, "fee_day_already_closed"},
	{fee.ErrDayNotClosed, "fee_day_not_closed"},
	// Collection (催缴): filters, reminder batches, contact attempts
	{fee.ErrInvalidAge, "fee_invalid_age"},
	{fee.ErrTooManyReminders, "fee_too_many_reminders"},
	{fee.ErrInvalidOutcome, "fee_invalid_outcome"},
	{fee.ErrInvalidPromise, "fee_invalid_promise"},
	{fee.ErrInvalidNote, "fee_invalid_note"},
	{fee.ErrBatchKeyMismatch, "fee_batch_key_mismatch"},
	// Late fees (滞纳金)
	{fee.ErrInvalidLateRate, "fee_invalid_late_rate"},
	{fee.ErrInvalidGraceDays, "fee_invalid_grace_days"},
	{fee.ErrInvalidLateCap, "fee_invalid_late_cap"},
	{fee.ErrNoLateFee, "fee_no_late_fee"},
	{fee.ErrLateFeeChanged, "fee_late_fee_changed"},
}

// classifyFee maps the fee service's errors; ok is false for any other.
func classifyFee(err error) (status int, code string, ok bool) {
	for _, fe := range feeErrors {
		if errors.Is(err, fe.err) {
			if errors.Is(fe.err, database.ErrConflict) {
				return fiber.StatusConflict, fe.code, true
			}
			return fiber.StatusUnprocessableEntity, fe.code, true
		}
	}
	return 0, "", false
}
