package fee

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/job"
	"github.com/estatedesk/estatedesk/internal/notify"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// ReminderStatus is what became of one reminder (催缴) of a batch.
type ReminderStatus string

const (
	ReminderPending ReminderStatus = "pending" // not yet sent
	ReminderSent    ReminderStatus = "sent"    // a provider took it (email; SMS once it exists)
	ReminderLogged  ReminderStatus = "logged"  // written to the log: no address, or no provider for it
	ReminderFailed  ReminderStatus = "failed"  // the provider refused it (Error says why)
	ReminderSettled ReminderStatus = "settled" // the unit owed nothing any more when its turn came
)

// MaxReminderUnits bounds the units of one batch of reminders.
const MaxReminderUnits = 5000

// OwnerLanguage is the language of the messages to owners: the
// residents of a Chinese property company read Chinese, whatever the
// language of the clerk who sent them.
const OwnerLanguage = "zh-CN"

// ReminderBatch is a batch of reminders (催缴批次) made from the arrears
// list's filters, and its progress: Done of Planned units handled, by
// outcome.
type ReminderBatch struct {
	bun.BaseModel `bun:"table:fee_reminder_batches"`

	TenantID   uuid.UUID  `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID         uuid.UUID  `bun:"id,pk,type:uuid" json:"id"`
	EstateID   uuid.UUID  `bun:"estate_id,notnull,type:uuid" json:"estate_id"`
	BuildingID *uuid.UUID `bun:"building_id,type:uuid" json:"building_id,omitempty"`
	ItemID     *uuid.UUID `bun:"item_id,type:uuid" json:"item_id,omitempty"`
	Age        string     `bun:"age,notnull" json:"age,omitempty"`
	MinFen     int64      `bun:"min_fen,notnull" json:"min_fen"`
	// AsOf is the day the arrears were counted to when the batch was made.
	AsOf     string    `bun:"as_of,notnull" json:"as_of"`
	Status   RunStatus `bun:"status,notnull" json:"status"`
	Planned  int       `bun:"planned,notnull" json:"planned"`
	Done     int       `bun:"done,notnull" json:"done"`
	Sent     int       `bun:"sent,notnull" json:"sent"`
	Logged   int       `bun:"logged,notnull" json:"logged"`
	Failed   int       `bun:"failed,notnull" json:"failed"`
	Settled  int       `bun:"settled,notnull" json:"settled"`
	TotalFen int64     `bun:"total_fen,notnull" json:"total_fen"`
	Error    string    `bun:"error,notnull" json:"error,omitempty"`
	// CreatedBy is the collector who made the batch.
	CreatedBy      uuid.UUID  `bun:"created_by,notnull,type:uuid" json:"created_by"`
	IdempotencyKey *string    `bun:"idempotency_key" json:"-"`
	RequestHash    string     `bun:"request_hash,notnull" json:"-"`
	CreatedAt      time.Time  `bun:"created_at,notnull" json:"created_at"`
	FinishedAt     *time.Time `bun:"finished_at" json:"finished_at,omitempty"`
	// Replayed: an Idempotency-Key matched this earlier batch.
	Replayed bool `bun:"-" json:"-"`
}

// Working reports whether the batch's job has yet to finish.
func (b *ReminderBatch) Working() bool { return b.Status == RunQueued || b.Status == RunRunning }

// Reminder is one unit's reminder of a batch: what it owed when the batch
// was made, and then what was sent to whom.
type Reminder struct {
	bun.BaseModel `bun:"table:fee_reminders,alias:r"`

	TenantID  uuid.UUID      `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID        uuid.UUID      `bun:"id,pk,type:uuid" json:"id"`
	BatchID   uuid.UUID      `bun:"batch_id,notnull,type:uuid" json:"batch_id"`
	UnitID    uuid.UUID      `bun:"unit_id,notnull,type:uuid" json:"unit_id"`
	Code      string         `bun:"code,scanonly" json:"code,omitempty"`
	Bills     int            `bun:"bills,notnull" json:"bills"`
	TotalFen  int64          `bun:"total_fen,notnull" json:"total_fen"`
	OldestDue string         `bun:"oldest_due,notnull" json:"oldest_due"`
	Status    ReminderStatus `bun:"status,notnull" json:"status"`
	// Channel took the message (email, sms, log); Recipient is the
	// address or phone it was meant for ("" when nobody is on record).
	Channel   notify.Channel `bun:"channel,notnull" json:"channel,omitempty"`
	Recipient string         `bun:"recipient,notnull" json:"recipient,omitempty"`
	// SentFen is the amount the message asked for: the unit's arrears on
	// the batch's day, as they stood when it was sent.
	SentFen   int64      `bun:"sent_fen,notnull" json:"sent_fen"`
	Error     string     `bun:"error,notnull" json:"error,omitempty"`
	CreatedAt time.Time  `bun:"created_at,notnull" json:"created_at"`
	SentAt    *time.Time `bun:"sent_at" json:"sent_at,omitempty"`
}

// ReminderInput chooses the units of a batch: the arrears list's units
// under Query, and of those only UnitIDs when some are given (the ticked
// ones).
type ReminderInput struct {
	Query   AgingQuery
	UnitIDs []uuid.UUID
}

func (in *ReminderInput) hash() string {
	ids := slices.Clone(in.UnitIDs)
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	b, _ := json.Marshal(struct {
		Q   AgingQuery
		IDs []uuid.UUID
	}{in.Query, ids})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// validKey checks an idempotency key as Pay does.
func validKey(key string) bool {
	return len(key) <= MaxIdempotencyKey && utf8.ValidString(key) &&
		strings.IndexFunc(key, func(r rune) bool { return !unicode.IsPrint(r) }) < 0
}

// CreateReminders makes a batch of reminders for the chosen units in
// arrears and queues the job that sends them: the batch, its reminders
// and the job commit together. With key (an Idempotency-Key, or the
// form's token), a retry of the same request returns the first batch
// (Replayed) and the same key with another request is
// ErrBatchKeyMismatch.
func (s *Service) CreateReminders(ctx context.Context, t *tenant.Tenant, a Actor, in ReminderInput, key string) (*ReminderBatch, error) {
	if !ValidAge(in.Query.Age) {
		return nil, ErrInvalidAge
	}
	if !validFen(in.Query.MinFen) {
		return nil, ErrInvalidAmount
	}
	if key != "" && !validKey(key) {
		return nil, ErrInvalidIdempotency
	}
	hash := in.hash()
	if key != "" {
		if b, err := s.replayBatch(ctx, t.ID, a, key, hash); b != nil || err != nil {
			return b, err
		}
	}
	asOf, err := s.asOf(t, in.Query.AsOf)
	if err != nil {
		return nil, err
	}
	q := in.Query
	q.AsOf = formatDate(asOf)
	chosen := map[uuid.UUID]bool{}
	for _, id := range in.UnitIDs {
		chosen[id] = true
	}
	var units []UnitArrears
	const page = 500
	for after := ""; ; {
		rows, err := s.ArrearsByUnit(ctx, t, a.Scope, q, after, page)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if len(chosen) == 0 || chosen[r.UnitID] {
				units = append(units, r)
			}
		}
		if len(units) > MaxReminderUnits {
			return nil, ErrTooManyReminders
		}
		if len(rows) < page {
			break
		}
		after = rows[len(rows)-1].Code
	}
	if len(units) == 0 {
		return nil, ErrNoArrears
	}
	now := s.now()
	b := &ReminderBatch{TenantID: t.ID, ID: uuid.Must(uuid.NewV7()), EstateID: q.EstateID, BuildingID: q.BuildingID, ItemID: q.ItemID,
		Age: q.Age, MinFen: q.MinFen, AsOf: q.AsOf, Status: RunQueued, Planned: len(units), CreatedBy: a.UserID, RequestHash: hash, CreatedAt: now}
	if key != "" {
		b.IdempotencyKey = &key
	}
	rems := make([]Reminder, len(units))
	for i, u := range units {
		rems[i] = Reminder{TenantID: t.ID, ID: uuid.Must(uuid.NewV7()), BatchID: b.ID, UnitID: u.UnitID, Bills: u.Bills,
			TotalFen: u.TotalFen, OldestDue: u.OldestDue, Status: ReminderPending, CreatedAt: now}
		b.TotalFen += u.TotalFen
	}
	err = s.db.InTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		if _, err := activeEstate(ctx, tx, t.ID, a.Scope, q.EstateID); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(b).Exec(ctx); err != nil {
			return err
		}
		for from := 0; from < len(rems); from += 500 {
			chunk := rems[from:min(from+500, len(rems))]
			if _, err := tx.NewInsert().Model(&chunk).Exec(ctx); err != nil {
				return err
			}
		}
		return s.jobs.InsertTx(ctx, tx, reminderArgs{TenantID: t.ID, BatchID: b.ID}, nil)
	})
	if err != nil && key != "" && errors.Is(database.Normalize(err), database.ErrConflict) {
		// A twin request with the key committed first: answer with its
		// batch (or the mismatch).
		if prev, rerr := s.replayBatch(ctx, t.ID, a, key, hash); prev != nil || rerr != nil {
			return prev, rerr
		}
	}
	if err != nil {
		return nil, database.Normalize(err)
	}
	return b, nil
}

// replayBatch finds the batch an earlier request with the same key made.
func (s *Service) replayBatch(ctx context.Context, tenantID uuid.UUID, a Actor, key, hash string) (*ReminderBatch, error) {
	b := new(ReminderBatch)
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(b).Where("tenant_id = ? AND created_by = ? AND idempotency_key = ?", tenantID, a.UserID, key).Scan(ctx)
	})
	if err = database.Normalize(err); errors.Is(err, database.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if b.RequestHash != hash {
		return nil, ErrBatchKeyMismatch
	}
	b.Replayed = true
	return b, nil
}

// ReminderBatch reads a batch in scope with its reminders by unit code.
func (s *Service) ReminderBatch(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, id uuid.UUID) (*ReminderBatch, []Reminder, error) {
	b := new(ReminderBatch)
	rems := []Reminder{}
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(b).Where("tenant_id = ? AND id = ?", tenantID, id).Scan(ctx); err != nil {
			return err
		}
		if !scope.Allows(b.EstateID) {
			return database.ErrNotFound
		}
		return tx.NewSelect().Model(&rems).ColumnExpr("r.*, u.code").
			Join("JOIN units AS u ON u.tenant_id = r.tenant_id AND u.id = r.unit_id").
			Where("r.tenant_id = ? AND r.batch_id = ?", tenantID, id).OrderExpr("u.code").Scan(ctx)
	})
	if err != nil {
		return nil, nil, database.Normalize(err)
	}
	return b, rems, nil
}

// ReminderBatches lists an estate's latest batches, newest first.
func (s *Service) ReminderBatches(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, estateID uuid.UUID) ([]ReminderBatch, error) {
	out := []ReminderBatch{}
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if _, err := estate.InScope(ctx, tx, tenantID, scope, estateID); err != nil {
			return err
		}
		return tx.NewSelect().Model(&out).Where("tenant_id = ? AND estate_id = ?", tenantID, estateID).
			OrderExpr("created_at DESC, id DESC").Limit(20).Scan(ctx)
	})
	return out, database.Normalize(err)
}

// reminderArgs is the job of one batch; its rows hold the rest.
type reminderArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
	BatchID  uuid.UUID `json:"batch_id"`
}

func (reminderArgs) Kind() string { return "fee_reminder_batch" }

// InsertOpts: an attempt goes on with the reminders still pending.
func (reminderArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 5} }

type reminderWorker struct {
	river.WorkerDefaults[reminderArgs]
	s *Service
}

func (w *reminderWorker) Timeout(*river.Job[reminderArgs]) time.Duration { return 30 * time.Minute }

func (w *reminderWorker) Work(ctx context.Context, j *river.Job[reminderArgs]) error {
	err := w.s.sendReminders(ctx, j)
	if err != nil && j.Attempt >= j.MaxAttempts && !errors.Is(ctx.Err(), context.Canceled) {
		// The last attempt failed: the batch's page stops waiting.
		ctx := context.WithoutCancel(ctx)
		_ = w.s.db.InTenant(ctx, j.Args.TenantID, func(ctx context.Context, tx bun.Tx) error {
			_, err2 := tx.NewUpdate().Model((*ReminderBatch)(nil)).Set("status = ?", RunFailed).Set("error = ?", err.Error()).
				Set("finished_at = ?", w.s.now()).Where("tenant_id = ? AND id = ? AND status <> ?", j.Args.TenantID, j.Args.BatchID, RunDone).Exec(ctx)
			return err2
		})
	}
	return err
}

// reminderChunk is how many reminders the job reads at once (their
// contacts and bills in one query each).
const reminderChunk = 100

// sendReminders is a batch's job: for each pending reminder, the unit's
// arrears as they stand (on the batch's day), one message through the
// notifier, and the outcome recorded with the batch's counts in one
// transaction. A reminder is sent at least once: an attempt cut off
// between a send and its record sends that one again.
func (s *Service) sendReminders(ctx context.Context, j *river.Job[reminderArgs]) error {
	tenantID := j.Args.TenantID
	var (
		t  *tenant.Tenant
		es *estate.Estate
	)
	b := new(ReminderBatch)
	var names map[uuid.UUID]string
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if t, err = tenant.ByID(ctx, tx, tenantID); err != nil {
			return err
		}
		if err := tx.NewSelect().Model(b).Where("tenant_id = ? AND id = ?", tenantID, j.Args.BatchID).Scan(ctx); err != nil {
			return err
		}
		if es, err = estate.ByID(ctx, tx, tenantID, b.EstateID); err != nil {
			return err
		}
		items, err := itemsOf(ctx, tx, tenantID, b.EstateID, true)
		names = make(map[uuid.UUID]string, len(items))
		for _, it := range items {
			names[it.ID] = it.Name
		}
		return err
	})
	if errors.Is(database.Normalize(err), database.ErrNotFound) {
		return nil // the tenant's data is gone
	}
	if err != nil {
		return err
	}
	if !b.Working() {
		return nil
	}
	if err := s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Model(b).Set("status = ?", RunRunning).WherePK().Exec(ctx)
		return err
	}); err != nil {
		return err
	}
	asOf, err := ParseDate(b.AsOf)
	if err != nil {
		return err
	}
	all := estate.Scope{All: true}
	q := AgingQuery{EstateID: b.EstateID, BuildingID: b.BuildingID, ItemID: b.ItemID, AsOf: b.AsOf}
	today := formatDate(localDay(s.now(), t.Location()))
	for {
		var rems []Reminder
		var contacts map[uuid.UUID][]estate.Contact
		err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
			if err := tx.NewSelect().Model(&rems).ColumnExpr("r.*, u.code").
				Join("JOIN units AS u ON u.tenant_id = r.tenant_id AND u.id = r.unit_id").
				Where("r.tenant_id = ? AND r.batch_id = ? AND r.status = ?", tenantID, b.ID, ReminderPending).
				OrderExpr("r.id").Limit(reminderChunk).Scan(ctx); err != nil {
				return err
			}
			ids := make([]uuid.UUID, len(rems))
			for i, r := range rems {
				ids[i] = r.UnitID
			}
			var err error
			contacts, err = estate.UnitContacts(ctx, tx, tenantID, all, ids, today)
			return err
		})
		if err != nil {
			return err
		}
		if len(rems) == 0 {
			break
		}
		ids := make([]uuid.UUID, len(rems))
		for i, r := range rems {
			ids[i] = r.UnitID
		}
		bills, err := s.OverdueBills(ctx, t, all, q, ids)
		if err != nil {
			return err
		}
		byUnit := map[uuid.UUID][]Bill{}
		for _, bl := range bills {
			byUnit[bl.UnitID] = append(byUnit[bl.UnitID], bl)
		}
		for i := range rems {
			r := &rems[i]
			m := reminderMessage{company: t.Name, estate: es, unit: r.Code, asOf: asOf, bills: byUnit[r.UnitID], items: names}
			s.deliver(ctx, r, m, contacts[r.UnitID])
			if err := s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
				if _, err := tx.NewUpdate().Model(r).Column("status", "channel", "recipient", "sent_fen", "error", "sent_at").WherePK().Exec(ctx); err != nil {
					return err
				}
				col := map[ReminderStatus]string{ReminderSent: "sent", ReminderLogged: "logged", ReminderFailed: "failed", ReminderSettled: "settled"}[r.Status]
				_, err := tx.NewUpdate().Model(b).Set("done = done + 1").Set("? = ? + 1", bun.Ident(col), bun.Ident(col)).WherePK().Exec(ctx)
				return err
			}); err != nil {
				return err
			}
		}
	}
	return s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		now := s.now()
		if _, err := tx.NewUpdate().Model(b).Set("status = ?", RunDone).Set("finished_at = ?", now).WherePK().Exec(ctx); err != nil {
			return err
		}
		return job.CompleteTx(ctx, tx, j)
	})
}

// deliver sends one reminder and records the outcome on r: to the first
// contact with an email address by email, else to the first with a phone
// by SMS (the log until an SMS provider exists), else to the log.
func (s *Service) deliver(ctx context.Context, r *Reminder, m reminderMessage, contacts []estate.Contact) {
	now := s.now()
	r.SentAt = &now
	for _, bl := range m.bills {
		r.SentFen += bl.OpenFen()
	}
	if r.SentFen == 0 {
		r.Status = ReminderSettled
		return
	}
	ch, to, name := notify.Log, "", ""
	if len(contacts) > 0 {
		name = contacts[0].Name
	}
	for _, c := range contacts {
		if c.Email != "" {
			ch, to, name = notify.Email, c.Email, c.Name
			break
		}
	}
	if ch == notify.Log {
		for _, c := range contacts {
			if len(c.Phones) > 0 {
				ch, to, name = notify.SMS, c.Phones[0], c.Name
				break
			}
		}
	}
	m.owner = name
	subject, body := s.compose(m)
	took, err := s.opt.Notifier.Send(ctx, notify.Message{Channel: ch, Recipient: to, Subject: subject, Body: body})
	r.Channel, r.Recipient = took, to
	switch {
	case err != nil:
		r.Status, r.Error = ReminderFailed, truncate(err.Error(), 500)
	case took == notify.Log:
		r.Status = ReminderLogged
	default:
		r.Status = ReminderSent
	}
}

// reminderMessage is what a reminder says.
type reminderMessage struct {
	company, owner, unit string
	estate               *estate.Estate
	asOf                 time.Time
	bills                []Bill
	items                map[uuid.UUID]string
}

// compose writes the message in the owners' language: the unit, each
// bill in arrears with its item, period, due day and open amount, the
// total in figures and capitals, and where to pay.
func (s *Service) compose(m reminderMessage) (subject, body string) {
	tr := func(id string, data map[string]any) string { return s.opt.Translate(OwnerLanguage, id, data) }
	var total int64
	var lines []string
	for _, bl := range m.bills {
		total += bl.OpenFen()
		lines = append(lines, tr("dunning.message.line", map[string]any{"Item": m.items[bl.ItemID], "Period": bl.Period,
			"Due": bl.DueDate, "Amount": Format(bl.OpenFen()), "Days": DaysOverdue(bl.DueDate, m.asOf)}))
	}
	owner := m.owner
	if owner == "" {
		owner = tr("dunning.message.owner_of", map[string]any{"Unit": m.unit})
	}
	data := map[string]any{"Company": m.company, "Estate": m.estate.Name, "Unit": m.unit, "Owner": owner,
		"Date": formatDate(m.asOf), "Total": Format(total), "Capital": Capital(total), "Lines": strings.Join(lines, "\n"),
		"Address": m.estate.Address, "Phone": m.estate.OfficePhone}
	return tr("dunning.message.subject", data), tr("dunning.message.body", data)
}

// UnitReminders lists the reminders sent to a unit, newest first.
func (s *Service) UnitReminders(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, unitID uuid.UUID) ([]Reminder, error) {
	out := []Reminder{}
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if _, err := unitInScope(ctx, tx, tenantID, scope, unitID); err != nil {
			return err
		}
		return tx.NewSelect().Model(&out).Where("tenant_id = ? AND unit_id = ?", tenantID, unitID).
			OrderExpr("created_at DESC, id DESC").Limit(100).Scan(ctx)
	})
	return out, database.Normalize(err)
}

// truncate cuts s to at most n runes.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// SetNotifier replaces the reminders' notifier and, when tr is not nil,
// their words (a test records what was sent).
func (s *Service) SetNotifier(n *notify.Notifier, tr func(lang, id string, data map[string]any) string) {
	s.opt.Notifier = n
	if tr != nil {
		s.opt.Translate = tr
	}
}
