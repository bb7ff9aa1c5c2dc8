package fee

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/job"
	"github.com/estatedesk/estatedesk/internal/notify"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// Publisher delivers domain events to the tenant's webhooks. PublishTx runs
// inside the transaction of the change, so an event is sent exactly when
// the change commits.
type Publisher interface {
	PublishTx(ctx context.Context, tx bun.Tx, tenantID uuid.UUID, event string, data any) error
}

// Webhook events the fee service publishes (once registered with the
// webhook service and connected with SetPublisher).
const (
	EventBillCreated     = "bill.created"
	EventPaymentRecorded = "payment.recorded"
	EventPaymentVoided   = "payment.voided"
)

// Options configures the service.
type Options struct {
	// Now replaces the clock, for tests.
	Now func() time.Time
	// RunBatch is how many bills a billing run writes per transaction
	// (default 5,000).
	RunBatch  int
	Publisher Publisher
	Log       *slog.Logger
	// Notifier sends reminders (催缴) to owners; the log by default.
	Notifier *notify.Notifier
	// Translate writes the reminders' words (web/locales); without it
	// they are the messages' IDs.
	Translate func(lang, id string, data map[string]any) string
}

// Service is the use cases of fees. Permissions are the caller's (the
// server's route table: fee:read, fee:collect, fee:manage); the service
// applies the tenant and the estate scope.
type Service struct {
	db       *database.DB
	jobs     *job.Client
	opt      Options
	payments *payments
}

// NewService wires the fee service and registers the billing run's job
// worker on jobs, which must not have started yet. Without jobs (nil) the
// service makes runs only inline (RunInline): the demo's, on a clock of
// its own.
func NewService(db *database.DB, jobs *job.Client, opt Options) (*Service, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.RunBatch <= 0 {
		opt.RunBatch = 5000
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Notifier == nil {
		opt.Notifier = notify.New(opt.Log)
	}
	if opt.Translate == nil {
		opt.Translate = func(_, id string, _ map[string]any) string { return id }
	}
	s := &Service{db: db, jobs: jobs, opt: opt}
	s.payments = newPayments(s)
	if jobs == nil {
		return s, nil
	}
	if err := job.AddWorker(jobs, &runWorker{s: s}); err != nil {
		return nil, err
	}
	if err := job.AddWorker(jobs, &reminderWorker{s: s}); err != nil {
		return nil, err
	}
	return s, nil
}

// SetPublisher connects the webhooks after both services exist.
func (s *Service) SetPublisher(p Publisher) { s.opt.Publisher = p }

// publish sends an event in tx, when webhooks are connected.
func (s *Service) publish(ctx context.Context, tx bun.Tx, tenantID uuid.UUID, event string, data any) error {
	if s.opt.Publisher == nil {
		return nil
	}
	return s.opt.Publisher.PublishTx(ctx, tx, tenantID, event, data)
}

func (s *Service) now() time.Time { return s.opt.Now().UTC().Truncate(time.Microsecond) }

// Actor is who acts: a staff member with their estate scope.
type Actor struct {
	UserID uuid.UUID
	Scope  estate.Scope
}

// ItemInput is what a manager fills in for a fee item. Kind and cycle are
// fixed once the item exists: its bills' periods follow them.
type ItemInput struct {
	Name          string `json:"name" form:"name"`
	Kind          Kind   `json:"kind" form:"kind"`
	Cycle         Cycle  `json:"cycle" form:"cycle"`
	DueDay        int    `json:"due_day" form:"due_day"`
	VacantPercent int    `json:"vacant_percent" form:"vacant_percent"`
	Refundable    bool   `json:"refundable" form:"refundable"`
	SortOrder     int    `json:"sort_order" form:"sort_order"`
}

func (in *ItemInput) check() error {
	in.Name = strings.TrimSpace(in.Name)
	if in.Cycle == "" {
		in.Cycle = Monthly
	}
	switch {
	case in.Name == "" || utf8.RuneCountInString(in.Name) > 50:
		return ErrInvalidName
	case !in.Kind.Valid():
		return ErrInvalidKind
	case !in.Cycle.Valid():
		return ErrInvalidCycle
	case in.DueDay < 1 || in.DueDay > 31:
		return ErrInvalidDueDay
	case in.VacantPercent < 0 || in.VacantPercent > 100:
		return ErrInvalidVacantPercent
	}
	return nil
}

// CreateItem adds a fee item to an estate in scope.
func (s *Service) CreateItem(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, estateID uuid.UUID, in ItemInput) (*Item, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	now := s.now()
	it := &Item{TenantID: tenantID, ID: uuid.Must(uuid.NewV7()), EstateID: estateID, Name: in.Name, Kind: in.Kind, Cycle: in.Cycle,
		DueDay: in.DueDay, VacantPercent: in.VacantPercent, Refundable: in.Refundable, SortOrder: in.SortOrder, CreatedAt: now, UpdatedAt: now}
	err := s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if _, err := activeEstate(ctx, tx, tenantID, scope, estateID); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(it).Exec(ctx)
		return conflictAs(err, ErrNameTaken)
	})
	if err != nil {
		return nil, err
	}
	return it, nil
}

// UpdateItem changes an item's name, due day, vacant rate, deposit flag
// and order; its kind and cycle stay.
func (s *Service) UpdateItem(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, id uuid.UUID, in ItemInput) (*Item, error) {
	var it *Item
	err := s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if it, err = itemInScope(ctx, tx, tenantID, scope, id); err != nil {
			return err
		}
		in.Kind, in.Cycle = it.Kind, it.Cycle
		if err := in.check(); err != nil {
			return err
		}
		it.Name, it.DueDay, it.VacantPercent, it.Refundable, it.SortOrder, it.UpdatedAt = in.Name, in.DueDay, in.VacantPercent, in.Refundable, in.SortOrder, s.now()
		_, err = tx.NewUpdate().Model(it).Column("name", "due_day", "vacant_percent", "refundable", "sort_order", "updated_at").WherePK().Exec(ctx)
		return conflictAs(err, ErrNameTaken)
	})
	return it, err
}

// SetItemArchived archives an item (runs skip it; its bills stay) or
// brings it back.
func (s *Service) SetItemArchived(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, id uuid.UUID, archived bool) error {
	return s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		it, err := itemInScope(ctx, tx, tenantID, scope, id)
		if err != nil {
			return err
		}
		var at *time.Time
		if archived {
			now := s.now()
			at = &now
		}
		_, err = tx.NewUpdate().Model(it).Set("archived_at = ?", at).Set("updated_at = ?", s.now()).WherePK().Exec(ctx)
		return err
	})
}

// Items lists an estate's items in order, archived ones only if asked.
func (s *Service) Items(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, estateID uuid.UUID, withArchived bool) ([]Item, error) {
	var out []Item
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if _, err := estate.InScope(ctx, tx, tenantID, scope, estateID); err != nil {
			return err
		}
		var err error
		out, err = itemsOf(ctx, tx, tenantID, estateID, withArchived)
		return err
	})
	return out, err
}

// Item reads an item in scope with its rates, newest first.
func (s *Service) Item(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, id uuid.UUID) (*Item, []Rate, error) {
	var it *Item
	var rates []Rate
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if it, err = itemInScope(ctx, tx, tenantID, scope, id); err != nil {
			return err
		}
		if rates, err = ratesOf(ctx, tx, tenantID, []uuid.UUID{id}); err != nil {
			return err
		}
		slices.Reverse(rates)
		return nil
	})
	return it, rates, err
}

// RateInput is a price of an item from a day on. UnitKind "" prices every
// kind without a rate of its own.
type RateInput struct {
	UnitKind      estate.UnitKind `json:"unit_kind" form:"unit_kind"`
	EffectiveFrom string          `json:"effective_from" form:"effective_from"`
	// Price in hundredths of a fen (ParsePrice reads yuan).
	Price int64  `json:"price" form:"-"`
	Tiers []Tier `json:"tiers,omitempty" form:"-"`
}

// AddRate adds a rate. It prices the periods that start on or after its
// day; bills already made keep their amounts.
func (s *Service) AddRate(ctx context.Context, tenantID uuid.UUID, a Actor, itemID uuid.UUID, in RateInput) (*Rate, error) {
	if in.UnitKind != "" && !in.UnitKind.Valid() {
		return nil, ErrInvalidUnitKind
	}
	from, err := ParseDate(in.EffectiveFrom)
	if err != nil {
		return nil, err
	}
	if !validPrice(in.Price) {
		return nil, ErrInvalidPrice
	}
	r := &Rate{TenantID: tenantID, ID: uuid.Must(uuid.NewV7()), ItemID: itemID, UnitKind: in.UnitKind,
		EffectiveFrom: formatDate(from), Price: in.Price, Tiers: in.Tiers, CreatedBy: &a.UserID, CreatedAt: s.now()}
	err = s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		it, err := itemInScope(ctx, tx, tenantID, a.Scope, itemID)
		if err != nil {
			return err
		}
		if err := checkTiers(it.Kind, in.Tiers); err != nil {
			return err
		}
		_, err = tx.NewInsert().Model(r).Exec(ctx)
		return conflictAs(err, ErrRateExists)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

func checkTiers(k Kind, ts []Tier) error {
	if len(ts) == 0 {
		return nil
	}
	if k != ByMeter {
		return ErrInvalidTiers
	}
	for i, t := range ts {
		if t.Above <= 0 || !validPrice(t.Price) || (i > 0 && t.Above <= ts[i-1].Above) {
			return ErrInvalidTiers
		}
	}
	return nil
}

// SetChargedFrom sets the day a unit is charged from (its handover or
// move-in); an empty day charges it for whole periods.
func (s *Service) SetChargedFrom(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, unitID uuid.UUID, day string) error {
	var from time.Time
	if strings.TrimSpace(day) != "" {
		var err error
		if from, err = ParseDate(day); err != nil {
			return err
		}
	}
	return s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if _, err := unitInScope(ctx, tx, tenantID, scope, unitID); err != nil {
			return err
		}
		if from.IsZero() {
			_, err := tx.NewDelete().Model((*unitStart)(nil)).Where("tenant_id = ? AND unit_id = ?", tenantID, unitID).Exec(ctx)
			return err
		}
		_, err := tx.NewInsert().Model(&unitStart{TenantID: tenantID, UnitID: unitID, ChargedFrom: formatDate(from), UpdatedAt: s.now()}).
			On("CONFLICT (tenant_id, unit_id) DO UPDATE").Set("charged_from = EXCLUDED.charged_from, updated_at = EXCLUDED.updated_at").Exec(ctx)
		return err
	})
}

// ParkingInput is a parking space; the unit pays its parking items. The
// unit and person are given by ID, or as people type them: the unit's
// code and the person's phone number. None links nobody (a space not yet
// sold or let).
type ParkingInput struct {
	Code        string     `json:"code" form:"code"`
	UnitID      *uuid.UUID `json:"unit_id,omitempty" form:"-"`
	PersonID    *uuid.UUID `json:"person_id,omitempty" form:"-"`
	UnitCode    string     `json:"unit_code,omitempty" form:"unit_code"`
	PersonPhone string     `json:"person_phone,omitempty" form:"person_phone"`
}

// SaveParkingSpace adds a parking space to an estate (id nil) or changes
// one.
func (s *Service) SaveParkingSpace(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, estateID uuid.UUID, id *uuid.UUID, in ParkingInput) (*ParkingSpace, error) {
	in.Code = strings.TrimSpace(in.Code)
	if in.Code == "" || utf8.RuneCountInString(in.Code) > 30 {
		return nil, ErrInvalidCode
	}
	now := s.now()
	ps := &ParkingSpace{TenantID: tenantID, ID: uuid.Must(uuid.NewV7()), EstateID: estateID, CreatedAt: now}
	err := s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if _, err := estate.InScope(ctx, tx, tenantID, scope, estateID); err != nil {
			return err
		}
		if id != nil {
			if err := tx.NewSelect().Model(ps).Where("tenant_id = ? AND id = ? AND estate_id = ?", tenantID, *id, estateID).Scan(ctx); err != nil {
				return err
			}
		}
		if err := resolveParkingLinks(ctx, tx, tenantID, estateID, &in); err != nil {
			return err
		}
		if in.UnitID != nil {
			u, err := estate.UnitByID(ctx, tx, tenantID, *in.UnitID)
			if err != nil {
				return err
			}
			if u.EstateID != estateID {
				return ErrUnitNotInEstate
			}
		}
		if in.PersonID != nil {
			if _, err := estate.PersonByID(ctx, tx, tenantID, *in.PersonID); err != nil {
				return err
			}
		}
		ps.Code, ps.UnitID, ps.PersonID, ps.UpdatedAt = in.Code, in.UnitID, in.PersonID, now
		var err error
		if id == nil {
			_, err = tx.NewInsert().Model(ps).Exec(ctx)
		} else {
			_, err = tx.NewUpdate().Model(ps).Column("code", "unit_id", "person_id", "updated_at").WherePK().Exec(ctx)
		}
		return conflictAs(err, ErrCodeTaken)
	})
	if err != nil {
		return nil, database.Normalize(err)
	}
	return ps, nil
}

// ParkingSpaces lists an estate's parking spaces by code.
func (s *Service) ParkingSpaces(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, estateID uuid.UUID) ([]ParkingSpace, error) {
	var out []ParkingSpace
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if _, err := estate.InScope(ctx, tx, tenantID, scope, estateID); err != nil {
			return err
		}
		return tx.NewSelect().Model(&out).Where("tenant_id = ? AND estate_id = ? AND archived_at IS NULL", tenantID, estateID).OrderExpr("code").Scan(ctx)
	})
	return out, database.Normalize(err)
}

// ReadingInput is a meter reading. Value and Start are hundredths of the
// unit of measure (ParseReading reads "1234.5" so).
type ReadingInput struct {
	UnitID uuid.UUID `json:"unit_id"`
	ItemID uuid.UUID `json:"item_id"`
	Period string    `json:"period"`
	Value  int64     `json:"reading"`
	// Replaced: the meter was changed since the last reading; the new one
	// started at Start.
	Replaced bool   `json:"replaced"`
	Start    int64  `json:"start"`
	ReadOn   string `json:"read_on"`
	// Correct replaces the period's reading, if there is one: a reader's
	// typing error, found before the period is billed.
	Correct bool `json:"correct"`
}

// RecordReading records a unit's meter reading for a period. A reading
// lower than the last one is refused unless the meter was replaced.
func (s *Service) RecordReading(ctx context.Context, t *tenant.Tenant, a Actor, in ReadingInput) (*Reading, error) {
	p, err := ParsePeriod(in.Period)
	if err != nil {
		return nil, err
	}
	if in.Value < 0 || in.Value > MaxReading || in.Start < 0 || (in.Replaced && in.Start > in.Value) {
		return nil, ErrInvalidReading
	}
	readOn := localDay(s.now(), t.Location())
	if in.ReadOn != "" {
		if readOn, err = ParseDate(in.ReadOn); err != nil {
			return nil, err
		}
	}
	r := &Reading{TenantID: t.ID, ID: uuid.Must(uuid.NewV7()), UnitID: in.UnitID, ItemID: in.ItemID, Period: p.String(),
		Value: in.Value, Replaced: in.Replaced, ReadOn: formatDate(readOn), RecordedBy: &a.UserID, CreatedAt: s.now()}
	err = s.db.InTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		it, err := meterItem(ctx, tx, t.ID, a.Scope, in.ItemID, p)
		if err != nil {
			return err
		}
		u, err := estate.UnitByID(ctx, tx, t.ID, in.UnitID)
		if err != nil {
			return err
		}
		if u.EstateID != it.EstateID {
			return ErrUnitNotInEstate
		}
		var ex Reading
		err = tx.NewSelect().Model(&ex).Where("tenant_id = ? AND unit_id = ? AND item_id = ? AND period = ?", t.ID, in.UnitID, in.ItemID, r.Period).Scan(ctx)
		switch err = database.Normalize(err); {
		case err == nil && !in.Correct:
			return ErrReadingExists
		case err == nil:
			r = &ex
			return correctReading(ctx, tx, t.ID, r, in, a.UserID, formatDate(readOn))
		case !errors.Is(err, database.ErrNotFound):
			return err
		}
		last, err := lastReadings(ctx, tx, t.ID, in.ItemID, r.Period, []uuid.UUID{in.UnitID})
		if err != nil {
			return err
		}
		if r.Previous, err = previousOf(in, last[in.UnitID]); err != nil {
			return err
		}
		_, err = tx.NewInsert().Model(r).Exec(ctx)
		return conflictAs(err, ErrReadingExists)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Readings lists an estate's readings of a meter item for a period.
func (s *Service) Readings(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, itemID uuid.UUID, period string) ([]Reading, error) {
	var out []Reading
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if _, err := itemInScope(ctx, tx, tenantID, scope, itemID); err != nil {
			return err
		}
		return tx.NewSelect().Model(&out).Where("tenant_id = ? AND item_id = ? AND period = ?", tenantID, itemID, period).OrderExpr("unit_id").Scan(ctx)
	})
	return out, database.Normalize(err)
}
