package server

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/account"
	"github.com/estatedesk/estatedesk/internal/subscription"
)

// classifyBilling maps the errors of sign-up and billing to their status
// and message ("error.<code>" in web/locales/billing.*.yaml).
func classifyBilling(err error) (int, string, bool) {
	var de *subscription.DowngradeError
	switch {
	case errors.As(err, &de):
		return fiber.StatusUnprocessableEntity, "billing_downgrade_" + de.What, true
	case errors.As(err, new(*account.SignupThrottledError)):
		return fiber.StatusTooManyRequests, "signup_throttled", true
	case errors.Is(err, account.ErrEmailUnconfirmed):
		return fiber.StatusForbidden, "email_unconfirmed", true
	case errors.Is(err, account.ErrConfirmInvalid):
		return fiber.StatusNotFound, "confirm_invalid", true
	case errors.Is(err, subscription.ErrNotConfigured):
		return fiber.StatusConflict, "billing_not_configured", true
	case errors.Is(err, subscription.ErrBadSignature):
		return fiber.StatusBadRequest, "stripe_bad_signature", true
	case errors.Is(err, subscription.ErrNoSubscription):
		return fiber.StatusConflict, "billing_no_subscription", true
	case errors.Is(err, subscription.ErrComplimentary):
		return fiber.StatusConflict, "billing_complimentary", true
	case errors.Is(err, subscription.ErrSamePlan):
		return fiber.StatusConflict, "billing_same_plan", true
	case errors.Is(err, subscription.ErrInvalidDays):
		return fiber.StatusUnprocessableEntity, "billing_invalid_days", true
	case errors.Is(err, errHoneypot):
		return fiber.StatusBadRequest, "bad_request", true
	}
	return 0, "", false
}

// errHoneypot: the field no person sees was filled in.
var errHoneypot = errors.New("signup honeypot filled")

func setRetryAfter(c *fiber.Ctx, err error) {
	var te *account.SignupThrottledError
	if errors.As(err, &te) {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(te.RetryAfter.Seconds()+0.5)))
	}
}
