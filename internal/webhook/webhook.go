// Package webhook sends a tenant's ticket events to the URLs its manager
// configured: durably (each delivery is a row and a River job written in
// the same transaction as the ticket change that caused it), signed
// (HMAC-SHA256 over timestamp and body, as Stripe does), retried on a fixed
// schedule, and logged in webhook_deliveries for the settings page. The
// scheme receivers implement is in docs/webhooks.md.
package webhook

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// The events a webhook can subscribe to.
const (
	TicketCreated       = "ticket.created"
	TicketStatusChanged = "ticket.status_changed"
	TicketEscalated     = "ticket.escalated"
	TicketFollowedUp    = "ticket.followed_up"
	// The fee service's events (its Event* constants).
	BillCreated     = "bill.created"
	PaymentRecorded = "payment.recorded"
	PaymentVoided   = "payment.voided"
)

var events = []string{TicketCreated, TicketStatusChanged, TicketEscalated, TicketFollowedUp, BillCreated, PaymentRecorded, PaymentVoided}

// AllEvents lists every event in display order.
func AllEvents() []string { return slices.Clone(events) }

// Limits of a tenant's webhooks.
const (
	MaxPerTenant = 10
	MaxURLLen    = 2000
)

// Webhook is one receiver of a tenant's events.
type Webhook struct {
	bun.BaseModel `bun:"table:webhooks"`

	TenantID uuid.UUID `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID       uuid.UUID `bun:"id,pk,type:uuid" json:"id"`
	URL      string    `bun:"url,notnull" json:"url"`
	// Secret signs every delivery. The API returns it only when the webhook
	// is created; the settings page shows it to managers on request.
	Secret    string    `bun:"secret,notnull" json:"-"`
	Events    EventList `bun:"-" json:"events"`
	Active    bool      `bun:"active,notnull" json:"active"`
	CreatedAt time.Time `bun:"created_at,notnull" json:"created_at"`
	UpdatedAt time.Time `bun:"updated_at,notnull" json:"updated_at"`

	// StoredEvents is Events as the column holds them, comma-separated;
	// bun's hooks below keep the two in step.
	StoredEvents string `bun:"events,notnull" json:"-"`
}

var (
	_ bun.BeforeAppendModelHook = (*Webhook)(nil)
	_ bun.AfterScanRowHook      = (*Webhook)(nil)
)

// BeforeAppendModel writes Events into the column.
func (h *Webhook) BeforeAppendModel(context.Context, bun.Query) error {
	h.StoredEvents = strings.Join(h.Events, ",")
	return nil
}

// AfterScanRow reads Events from the column.
func (h *Webhook) AfterScanRow(context.Context) error {
	h.Events = EventList{}
	if h.StoredEvents != "" {
		h.Events = strings.Split(h.StoredEvents, ",")
	}
	return nil
}

// EventList is the events a webhook wants.
type EventList []string

// Has reports whether the list holds event.
func (l EventList) Has(event string) bool { return slices.Contains(l, event) }

// mask is the list as a set of event bits.
func (l EventList) mask() eventMask {
	var m eventMask
	for _, e := range l {
		m |= bit(e)
	}
	return m
}

// eventMask is a set of events, one bit per entry of events.
type eventMask uint8

func bit(event string) eventMask {
	if i := slices.Index(events, event); i >= 0 {
		return 1 << i
	}
	return 0
}

// normalizeEvents checks a chosen set of events and puts it in display
// order without repeats.
func normalizeEvents(in []string) (EventList, error) {
	var m eventMask
	for _, e := range in {
		b := bit(strings.TrimSpace(e))
		if b == 0 {
			return nil, ErrInvalidEvents
		}
		m |= b
	}
	out := EventList{}
	for i, e := range events {
		if m&(1<<i) != 0 {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return nil, ErrInvalidEvents
	}
	return out, nil
}

// checkURL validates a receiver URL. Unless private targets are allowed it
// must be https and its host must resolve only to public addresses; the
// dialer checks again at every delivery.
func (s *Service) checkURL(ctx context.Context, raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > MaxURLLen {
		return "", ErrInvalidURL
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.User != nil || u.Hostname() == "" {
		return "", ErrInvalidURL
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !s.allowPrivate {
			return "", ErrInvalidURL
		}
	default:
		return "", ErrInvalidURL
	}
	if s.allowPrivate {
		return raw, nil
	}
	host := u.Hostname()
	addrs := []netip.Addr{}
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = append(addrs, a)
	} else if addrs, err = s.lookup(ctx, host); err != nil || len(addrs) == 0 {
		return "", fmt.Errorf("%w: %s does not resolve", ErrInvalidURL, host)
	}
	for _, a := range addrs {
		if !public(a) {
			return "", fmt.Errorf("%w: %w", ErrInvalidURL, ErrPrivateAddress)
		}
	}
	return raw, nil
}

// newSecret is 32 random bytes in hex.
func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}
