package webhook

import "errors"

// Errors of the webhook use cases. A webhook or delivery of another tenant
// is database.ErrNotFound, as if it did not exist.
var (
	ErrInvalidURL = errors.New("webhook: the URL must be an http(s) URL of at most 2000 characters, https unless private targets are allowed")
	// ErrPrivateAddress comes wrapped in ErrInvalidURL when a URL is saved,
	// and from the dialer when a host resolves to such an address at
	// delivery time (DNS may change after the check).
	ErrPrivateAddress = errors.New("webhook: the host is a loopback, private, link-local or otherwise internal address")
	ErrInvalidEvents  = errors.New("webhook: choose one or more known events")
	ErrTooMany        = errors.New("webhook: a company may have at most 10 webhooks")
	// ErrDeliveryInFlight: only a delivery that has finished (delivered,
	// failed or cancelled) can be sent again.
	ErrDeliveryInFlight = errors.New("webhook: the delivery is still being attempted")

	// ErrInvalidSignature and ErrSignatureExpired are what Verify returns.
	ErrInvalidSignature = errors.New("webhook: signature missing, malformed or wrong")
	ErrSignatureExpired = errors.New("webhook: signature timestamp outside the tolerance")
)
