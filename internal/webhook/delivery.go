package webhook

import (
	"encoding/json"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Status is where a delivery stands. Display names are translations
// "webhook.status.<status>".
type Status string

// The statuses: pending until the first attempt, retrying after a failed
// one, then delivered (a 2xx answer), failed (every attempt used) or
// cancelled (the webhook was switched off before it got through).
const (
	Pending   Status = "pending"
	Retrying  Status = "retrying"
	Delivered Status = "delivered"
	Failed    Status = "failed"
	Cancelled Status = "cancelled"
)

// Final reports whether no job will attempt the delivery again.
func (s Status) Final() bool { return slices.Contains([]Status{Delivered, Failed, Cancelled}, s) }

// Delivery is one event sent (or to be sent) to one webhook.
type Delivery struct {
	bun.BaseModel `bun:"table:webhook_deliveries"`

	TenantID  uuid.UUID `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID        uuid.UUID `bun:"id,pk,type:uuid" json:"id"`
	WebhookID uuid.UUID `bun:"webhook_id,notnull,type:uuid" json:"webhook_id"`
	Event     string    `bun:"event,notnull" json:"event"`
	// Payload is the exact body sent, and signed, on every attempt.
	Payload      RawJSON   `bun:"payload,notnull" json:"payload"`
	Status       Status    `bun:"status,notnull" json:"status"`
	Attempts     int       `bun:"attempts,notnull" json:"attempts"`
	ResponseCode int       `bun:"response_code,notnull" json:"response_code"`
	LastError    string    `bun:"last_error,notnull" json:"last_error"`
	CreatedAt    time.Time `bun:"created_at,notnull" json:"created_at"`
	UpdatedAt    time.Time `bun:"updated_at,notnull" json:"updated_at"`
}

// RawJSON is JSON kept as text in the database and shown as JSON, not as a
// string, by the API.
type RawJSON string

// MarshalJSON writes the text as it is.
func (r RawJSON) MarshalJSON() ([]byte, error) {
	if r == "" || !json.Valid([]byte(r)) {
		return []byte("null"), nil
	}
	return []byte(r), nil
}

// envelope is the body of every delivery.
type envelope struct {
	ID        uuid.UUID       `json:"id"`
	Event     string          `json:"event"`
	CreatedAt string          `json:"created_at"`
	Data      json.RawMessage `json:"data"`
}

// maxErrorLen bounds last_error, in bytes.
const maxErrorLen = 500

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
