package fee

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// Outcome is how a contact attempt about a unit's arrears went.
type Outcome string

const (
	Called   Outcome = "called"    // reached, talked
	Promised Outcome = "promised"  // promised to pay on a day (PromisedOn)
	Refused  Outcome = "refused"   // refused to pay
	NoAnswer Outcome = "no_answer" // nobody answered
)

// Outcomes lists the outcomes in display order.
var Outcomes = []Outcome{Called, Promised, Refused, NoAnswer}

// Valid reports whether o is known.
func (o Outcome) Valid() bool { return slices.Contains(Outcomes, o) }

// ContactAttempt is one recorded attempt to collect a unit's arrears (a
// call, a visit), with its outcome and a note.
type ContactAttempt struct {
	bun.BaseModel `bun:"table:fee_contacts"`

	TenantID   uuid.UUID `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID         uuid.UUID `bun:"id,pk,type:uuid" json:"id"`
	UnitID     uuid.UUID `bun:"unit_id,notnull,type:uuid" json:"unit_id"`
	Outcome    Outcome   `bun:"outcome,notnull" json:"outcome"`
	PromisedOn string    `bun:"promised_on,notnull" json:"promised_on,omitempty"`
	Note       string    `bun:"note,notnull" json:"note,omitempty"`
	CreatedBy  uuid.UUID `bun:"created_by,notnull,type:uuid" json:"created_by"`
	CreatedAt  time.Time `bun:"created_at,notnull" json:"created_at"`
}

// ContactInput is what a collector records.
type ContactInput struct {
	Outcome    Outcome `json:"outcome" form:"outcome"`
	PromisedOn string  `json:"promised_on" form:"promised_on"`
	Note       string  `json:"note" form:"note"`
}

// RecordContact records a contact attempt on a unit in scope. A promise
// to pay names its day, today or later; other outcomes carry none.
func (s *Service) RecordContact(ctx context.Context, t *tenant.Tenant, a Actor, unitID uuid.UUID, in ContactInput) (*ContactAttempt, error) {
	if !in.Outcome.Valid() {
		return nil, ErrInvalidOutcome
	}
	in.Note = strings.TrimSpace(in.Note)
	if utf8.RuneCountInString(in.Note) > 500 {
		return nil, ErrInvalidNote
	}
	in.PromisedOn = strings.TrimSpace(in.PromisedOn)
	if in.Outcome == Promised {
		d, err := ParseDate(in.PromisedOn)
		if err != nil || d.Before(localDay(s.now(), t.Location())) {
			return nil, ErrInvalidPromise
		}
		in.PromisedOn = formatDate(d)
	} else {
		in.PromisedOn = ""
	}
	c := &ContactAttempt{TenantID: t.ID, ID: uuid.Must(uuid.NewV7()), UnitID: unitID, Outcome: in.Outcome, PromisedOn: in.PromisedOn,
		Note: in.Note, CreatedBy: a.UserID, CreatedAt: s.now()}
	err := s.db.InTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		if _, err := unitInScope(ctx, tx, t.ID, a.Scope, unitID); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(c).Exec(ctx)
		return err
	})
	if err != nil {
		return nil, database.Normalize(err)
	}
	return c, nil
}

// Contacts lists the contact attempts on a unit in scope, newest first.
func (s *Service) Contacts(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, unitID uuid.UUID) ([]ContactAttempt, error) {
	out := []ContactAttempt{}
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if _, err := unitInScope(ctx, tx, tenantID, scope, unitID); err != nil {
			return err
		}
		return tx.NewSelect().Model(&out).Where("tenant_id = ? AND unit_id = ?", tenantID, unitID).
			OrderExpr("created_at DESC, id DESC").Limit(200).Scan(ctx)
	})
	return out, database.Normalize(err)
}
