package ticket

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/cache"
	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/job"
	"github.com/estatedesk/estatedesk/internal/mail"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// Publisher delivers domain events to the tenant's webhooks. PublishTx runs
// inside the transaction of the change, so an event is sent exactly when
// the change commits.
type Publisher interface {
	PublishTx(ctx context.Context, tx bun.Tx, tenantID uuid.UUID, event string, data any) error
}

// Publishers hands each event to several publishers in turn (the
// webhooks, the residents' messages), all in the change's transaction.
type Publishers []Publisher

func (ps Publishers) PublishTx(ctx context.Context, tx bun.Tx, tenantID uuid.UUID, event string, data any) error {
	for _, p := range ps {
		if err := p.PublishTx(ctx, tx, tenantID, event, data); err != nil {
			return err
		}
	}
	return nil
}

// Webhook events the ticket service publishes.
const (
	EventCreated       = "ticket.created"
	EventStatusChanged = "ticket.status_changed"
	EventEscalated     = "ticket.escalated"
	EventFollowedUp    = "ticket.followed_up"
)

// Translate renders a message of the catalog; the service uses it for the
// notification emails.
type Translate func(lang, id string, data map[string]any) string

// Options configures the service.
type Options struct {
	// Now replaces the clock, for tests; give the job client the same one.
	Now func() time.Time
	// DataDir holds the attachments, under attachments/<tenant>/.
	DataDir string
	// MaxAttachmentBytes bounds one file.
	MaxAttachmentBytes int64
	Mail               mail.Sender
	Translate          Translate
	// BaseURL makes links in emails.
	BaseURL string
	// CacheTTL is how long a tenant's ticket configuration and estate
	// calendars are remembered; 0 reads them every time.
	CacheTTL time.Duration
	// SweepEvery is how often the deadline timers are swept (FireDue) as a
	// periodic job; 0 leaves it to the caller, as tests do.
	SweepEvery time.Duration
	Publisher  Publisher
	Log        *slog.Logger
}

// Service is the use cases of tickets.
type Service struct {
	db      *database.DB
	jobs    *job.Client
	creates *creates
	opt     Options
	confs   *cache.TTL[uuid.UUID, *conf]
	cals    *cache.TTL[uuid.UUID, *Calendar] // office calendars by estate
}

// NewService wires the ticket service and registers its timer, call-back
// and mail jobs on jobs.
func NewService(db *database.DB, jobs *job.Client, opt Options) (*Service, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.MaxAttachmentBytes == 0 {
		opt.MaxAttachmentBytes = 10 << 20
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Mail == nil {
		opt.Mail = mail.LogSender{Log: opt.Log}
	}
	if opt.Translate == nil {
		opt.Translate = func(_, id string, _ map[string]any) string { return id }
	}
	s := &Service{db: db, jobs: jobs, opt: opt,
		confs: cache.New[uuid.UUID, *conf](10_000, opt.CacheTTL),
		cals:  cache.New[uuid.UUID, *Calendar](10_000, opt.CacheTTL)}
	db.OnInvalidate(func() { s.confs.Purge(); s.cals.Purge() })
	s.creates = newCreates(s)
	for _, err := range []error{
		job.AddWorker(jobs, &timerWorker{s: s}),
		job.AddWorker(jobs, &callbackWorker{s: s}),
		job.AddWorker(jobs, &followupWorker{s: s}),
		job.AddWorker(jobs, &mailWorker{s: s}),
		job.AddWorker(jobs, &sweepWorker{s: s}),
	} {
		if err != nil {
			return nil, err
		}
	}
	if opt.SweepEvery > 0 {
		jobs.Every(opt.SweepEvery, sweepArgs{})
	}
	return s, nil
}

// SetPublisher connects the webhooks after both services exist.
func (s *Service) SetPublisher(p Publisher) { s.opt.Publisher = p }

func (s *Service) now() time.Time { return s.opt.Now().UTC().Truncate(time.Microsecond) }

// Actor is who acts: a staff member with their estate scope. Dispatcher is
// true for roles that may dispatch (clerks and above): they may also record
// field work on behalf of a team, as when a worker phones it in.
type Actor struct {
	UserID     uuid.UUID
	Scope      estate.Scope
	Dispatcher bool
	Lang       string

	// TeamOnly narrows the scope to the tickets the actor holds and their
	// teams' tickets (workers, rbac.TeamScoped).
	TeamOnly bool
	// Sensitive (ticket:sensitive) shows complaints about staff and the
	// callers' phone numbers. Without it, a complaint about staff is seen
	// only by the person it is assigned to, and a phone number only on the
	// tickets the actor holds, who must arrange the visit; elsewhere it is
	// masked to its last four digits.
	Sensitive bool
}

// Created is the result of Create: Replayed is true when an
// Idempotency-Key matched an earlier create, which is returned instead.
type Created struct {
	Ticket   *Ticket
	Replayed bool
}

// MaxIdempotencyKey bounds an Idempotency-Key.
const MaxIdempotencyKey = 200

// Create records a request. With idemKey (API clients), a retry of the same
// request returns the ticket of the first one; the key and the ticket
// commit together, so a crash cannot leave one without the other. With
// autoDispatch the dispatch rules send it on in the same transaction. The
// tenant's concurrent creates share transactions (see creates).
func (s *Service) Create(ctx context.Context, t *tenant.Tenant, a Actor, in Intake, idemKey string, autoDispatch bool) (*Created, error) {
	if err := in.Check(); err != nil {
		return nil, err
	}
	var hash string
	if idemKey != "" {
		if len(idemKey) > MaxIdempotencyKey || strings.IndexFunc(idemKey, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
			return nil, ErrInvalidIdempotency
		}
		hash = in.hash(autoDispatch)
	}
	return s.createOne(ctx, &createReq{t: t, a: a, in: in, key: idemKey, hash: hash, auto: autoDispatch,
		id: uuid.Must(uuid.NewV7()), now: s.now()})
}

// idempotency is a row of ticket_idempotency.
type idempotency struct {
	bun.BaseModel `bun:"table:ticket_idempotency"`

	TenantID    uuid.UUID `bun:"tenant_id,pk,type:uuid"`
	UserID      uuid.UUID `bun:"user_id,pk,type:uuid"`
	Key         string    `bun:"key,pk"`
	RequestHash string    `bun:"request_hash,notnull"`
	TicketID    uuid.UUID `bun:"ticket_id,notnull,type:uuid"`
	CreatedAt   time.Time `bun:"created_at,notnull"`
}

// hash identifies the request an Idempotency-Key was first used with.
func (in *Intake) hash(autoDispatch bool) string {
	b, _ := json.Marshal(struct {
		In   Intake
		Auto bool
	}{*in, autoDispatch})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// replay finds the ticket an earlier create with the same key made.
func (s *Service) replay(ctx context.Context, tenantID uuid.UUID, a Actor, key, hash string) (*Created, error) {
	var out *Created
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		row := new(idempotency)
		err := tx.NewSelect().Model(row).Where("tenant_id = ? AND user_id = ? AND key = ?", tenantID, a.UserID, key).Scan(ctx)
		if err != nil {
			if errors.Is(database.Normalize(err), database.ErrNotFound) {
				return nil
			}
			return err
		}
		if row.RequestHash != hash {
			return ErrIdempotencyMismatch
		}
		tk, err := byID(ctx, tx, tenantID, row.TicketID)
		if err != nil {
			return err
		}
		out = &Created{Ticket: tk, Replayed: true}
		return nil
	})
	return out, err
}

// newTicket checks the intake's references (the units and people against
// refs) and builds the ticket with its deadlines.
func (s *Service) newTicket(ctx context.Context, tx bun.Tx, refs *intakeRefs, t *tenant.Tenant, a Actor, in Intake, id uuid.UUID, number string, now time.Time) (*Ticket, *Calendar, error) {
	cf, err := s.conf(ctx, tx, t.ID)
	if err != nil {
		return nil, nil, err
	}
	est := cf.estates[in.EstateID]
	if est == nil {
		// Newer than the cached configuration, or unknown.
		if est, err = estate.ByID(ctx, tx, t.ID, in.EstateID); err != nil {
			return nil, nil, err
		}
	}
	if !a.Scope.Allows(est.ID) {
		return nil, nil, database.ErrNotFound
	}
	if est.ArchivedAt != nil {
		return nil, nil, estate.ErrArchived
	}
	if in.UnitID != nil {
		// A unit of an estate outside the caller's scope is as unknown as
		// one that does not exist: the refusal must not tell them it does.
		switch e, ok := refs.units[*in.UnitID]; {
		case !ok, !a.Scope.Allows(e):
			return nil, nil, database.ErrNotFound
		case e != est.ID:
			return nil, nil, ErrUnitNotInEstate
		}
	}
	if in.PersonID != nil {
		// Only people of the ticket's estate count: someone living (or
		// having lived) in one of its units; anyone else is as unknown as
		// a person of another company.
		name, ok := refs.people[personEstate{*in.PersonID, est.ID}]
		if !ok {
			return nil, nil, database.ErrNotFound
		}
		if in.CallerName == "" {
			in.CallerName = name
		}
	}
	if in.CategoryID != nil && cf.tree.ByID(*in.CategoryID) == nil {
		return nil, nil, ErrInvalidCategory
	}
	received := a.UserID
	if in.ReceivedBy != nil && *in.ReceivedBy != a.UserID {
		// Someone of another company is as unknown here as nobody, and
		// this is a field of the intake: refused as such, not as a page
		// that does not exist.
		if err := activeMember(ctx, tx, t.ID, *in.ReceivedBy); errors.Is(err, database.ErrNotFound) {
			return nil, nil, ErrInvalidReceiver
		} else if err != nil {
			return nil, nil, err
		}
		received = *in.ReceivedBy
	}
	tk := &Ticket{
		TenantID: t.ID, ID: id, Number: number, EstateID: est.ID,
		UnitID: in.UnitID, PersonID: in.PersonID, CallerName: in.CallerName, CallerPhone: in.CallerPhone,
		Channel: in.Channel, Type: in.Type, CategoryID: in.CategoryID, Priority: in.Priority,
		Major: in.Major && in.Type == Complaint, Status: Received, Description: in.Description,
		PreferredTime: in.PreferredTime, ReceivedBy: received, CreatedBy: a.UserID,
		CreatedAt: now, UpdatedAt: now,
	}
	cal, err := s.deadlines(ctx, tx, t, cf, est, tk, now)
	if err != nil {
		return nil, nil, err
	}
	return tk, cal, nil
}

// deadlines gives a new ticket (its type, category and priority set) the
// clock and the response and resolution deadlines of its policy, counted
// from now; a policy's zero minutes leave that deadline unset. It returns
// the calendar they count in.
func (s *Service) deadlines(ctx context.Context, db bun.IDB, t *tenant.Tenant, cf *conf, est *estate.Estate, tk *Ticket, now time.Time) (*Calendar, error) {
	pol := cf.policy(tk)
	tk.Clock = pol.Clock
	cal, err := s.calendarOf(ctx, db, t, est, tk.Clock)
	if err != nil {
		return nil, err
	}
	if tk.ResponseDue, err = due(cal, now, pol.ResponseMinutes); err != nil {
		return nil, err
	}
	if tk.ResolveDue, err = due(cal, now, pol.ResolveMinutes); err != nil {
		return nil, err
	}
	return cal, nil
}

// due is the deadline minutes of open time after from; none for 0.
func due(cal *Calendar, from time.Time, minutes int) (*time.Time, error) {
	if minutes == 0 {
		return nil, nil
	}
	at, err := cal.Add(from, time.Duration(minutes)*time.Minute, nil)
	if err != nil {
		return nil, err
	}
	return &at, nil
}

// calendarOf is the calendar a ticket's deadlines count in: every hour, or
// the estate's office hours. A ticket from before clocks were chosen
// counts as it did: emergencies around the clock.
func (s *Service) calendarOf(ctx context.Context, db bun.IDB, t *tenant.Tenant, est *estate.Estate, c Clock) (*Calendar, error) {
	if c == AroundTheClock {
		return AlwaysOpen(t.Location()), nil
	}
	return s.officeCalendar(ctx, db, t, est)
}

// Detail is a ticket with everything its page shows.
type Detail struct {
	Ticket      *Ticket      `json:"ticket"`
	Estate      string       `json:"estate"`
	UnitCode    string       `json:"unit_code,omitempty"`
	PersonName  string       `json:"person_name,omitempty"`
	Phones      []string     `json:"phones,omitempty"`
	Category    string       `json:"category,omitempty"`
	TeamName    string       `json:"team_name,omitempty"`
	TeamLeader  *uuid.UUID   `json:"team_leader_id,omitempty"`
	Assignee    string       `json:"assignee,omitempty"`
	ReceivedBy  string       `json:"received_by_name,omitempty"`
	Timeline    []Entry      `json:"timeline"`
	Attachments []Attachment `json:"attachments"`
	Callbacks   []Callback   `json:"callbacks"`

	// StaffComplaint: the category is a complaint about staff, which only
	// ticket:sensitive (and the assignee) see.
	StaffComplaint bool `json:"staff_complaint,omitempty"`
	// DispatchNote is what the center said with the latest dispatch or
	// transfer, for the worker.
	DispatchNote string `json:"dispatch_note,omitempty"`
}

// Get reads a ticket the actor may see with its timeline, the phone
// numbers masked unless the actor may call (see Actor).
func (s *Service) Get(ctx context.Context, tenantID uuid.UUID, a Actor, id uuid.UUID) (*Detail, error) {
	var d *Detail
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		tk, err := s.visible(ctx, tx, tenantID, a, id)
		if err != nil {
			return err
		}
		d, err = detail(ctx, tx, tk)
		return err
	})
	if err != nil {
		return nil, database.Normalize(err)
	}
	if !a.mayCall(d.Ticket) {
		d.Ticket.CallerPhone = MaskPhone(d.Ticket.CallerPhone)
		for i, p := range d.Phones {
			d.Phones[i] = MaskPhone(p)
		}
	}
	return d, nil
}

// Categories is the tenant's category tree.
func (s *Service) Categories(ctx context.Context, tenantID uuid.UUID) (Tree, error) {
	if c, ok := s.confs.Get(tenantID); ok {
		return c.tree, nil
	}
	var tr Tree
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		tr, err = loadTree(ctx, tx, tenantID)
		return err
	})
	if err == nil && len(tr) == 0 {
		err = s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
			var err error
			tr, err = EnsureTree(ctx, tx, tenantID, s.now())
			return err
		})
	}
	return tr, err
}
