package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/cache"
	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/job"
)

// Options configures a Service.
type Options struct {
	// Client sends deliveries. Default: a client that refuses private
	// addresses at dial time (unless AllowPrivate), ignores proxy settings,
	// follows no redirect and gives up after 10 s. Tests pass their own.
	Client *http.Client
	// Now replaces the wall clock (payload times, signatures, row times).
	Now func() time.Time
	// AllowPrivate lets webhooks reach loopback, private and link-local
	// addresses and plain http: for tests and for an installation whose
	// receivers live on its own network. Off, such URLs are refused when
	// saved and such addresses when dialled (SSRF protection).
	AllowPrivate bool
}

// subscriptionTTL is how long a process trusts what it knows of a tenant's
// subscriptions. Writes through this process forget at once; a webhook
// saved on another replica starts receiving within this time.
const subscriptionTTL = 5 * time.Second

// Service is the use cases of webhooks.
type Service struct {
	db           *database.DB
	jobs         *job.Client
	client       *http.Client
	now          func() time.Time
	allowPrivate bool
	lookup       func(ctx context.Context, host string) ([]netip.Addr, error)

	// subscribed is, per tenant, the events its active webhooks want, so
	// that publishing an event nobody wants costs no query: the common
	// case, since most tenants have no webhook at all.
	subscribed *cache.TTL[uuid.UUID, eventMask]
	// generation changes on every write, so that a read that raced one is
	// not cached.
	generation atomic.Uint64
}

// NewService wires webhooks and registers the delivery worker on jobs,
// which must not have started yet.
func NewService(db *database.DB, jobs *job.Client, opts Options) (*Service, error) {
	s := &Service{db: db, jobs: jobs, client: opts.Client, now: opts.Now, allowPrivate: opts.AllowPrivate, lookup: lookupHost,
		subscribed: cache.New[uuid.UUID, eventMask](10_000, subscriptionTTL)}
	if s.client == nil {
		s.client = newClient(opts.AllowPrivate)
	}
	db.OnInvalidate(func() { s.generation.Add(1); s.subscribed.Purge() })
	if s.now == nil {
		s.now = func() time.Time { return time.Now().UTC() }
	}
	if err := job.AddWorker(jobs, &deliverWorker{s: s}); err != nil {
		return nil, err
	}
	return s, nil
}

// forget drops what the process knows of a tenant's subscriptions after a
// write has committed.
func (s *Service) forget(tenantID uuid.UUID) {
	s.generation.Add(1)
	s.subscribed.Remove(tenantID)
	s.db.Invalidate(context.Background())
}

// List returns a tenant's webhooks, oldest first.
func (s *Service) List(ctx context.Context, tenantID uuid.UUID) ([]Webhook, error) {
	out := []Webhook{}
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(&out).Where("tenant_id = ?", tenantID).OrderExpr("created_at, id").Scan(ctx)
	})
	return out, database.Normalize(err)
}

// Log is a webhook with its latest deliveries, for the settings page.
type Log struct {
	Webhook
	Deliveries []Delivery
}

// ListWithDeliveries returns a tenant's webhooks, oldest first, each with
// its latest deliveries (without payloads), newest first.
func (s *Service) ListWithDeliveries(ctx context.Context, tenantID uuid.UUID, perHook int) ([]Log, error) {
	perHook = clampLimit(perHook)
	var out []Log
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		var hooks []Webhook
		if err := tx.NewSelect().Model(&hooks).Where("tenant_id = ?", tenantID).OrderExpr("created_at, id").Scan(ctx); err != nil {
			return err
		}
		out = make([]Log, len(hooks))
		for i, h := range hooks {
			out[i].Webhook = h
			if err := latest(ctx, tx, tenantID, h.ID, perHook, &out[i].Deliveries, "payload"); err != nil {
				return err
			}
		}
		return nil
	})
	return out, database.Normalize(err)
}

// Get returns one webhook.
func (s *Service) Get(ctx context.Context, tenantID, id uuid.UUID) (*Webhook, error) {
	h := new(Webhook)
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(h).Where("tenant_id = ? AND id = ?", tenantID, id).Scan(ctx)
	})
	if err != nil {
		return nil, database.Normalize(err)
	}
	return h, nil
}

// Create adds an active webhook with a new random secret, which the caller
// shows to the user: the receiver needs it to check signatures.
func (s *Service) Create(ctx context.Context, tenantID uuid.UUID, rawURL string, events []string) (*Webhook, error) {
	// The URL is checked outside the transaction: its DNS lookup must not
	// hold SQLite's one writer.
	u, err := s.checkURL(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	ev, err := normalizeEvents(events)
	if err != nil {
		return nil, err
	}
	now := s.now()
	h := &Webhook{TenantID: tenantID, ID: uuid.Must(uuid.NewV7()), URL: u, Secret: newSecret(), Events: ev, Active: true,
		CreatedAt: now, UpdatedAt: now}
	err = s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		n, err := tx.NewSelect().Model((*Webhook)(nil)).Where("tenant_id = ?", tenantID).Count(ctx)
		if err != nil {
			return err
		}
		if n >= MaxPerTenant {
			return ErrTooMany
		}
		_, err = tx.NewInsert().Model(h).Exec(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.forget(tenantID)
	return h, nil
}

// Update replaces a webhook's URL, events and whether it is active. The
// secret stays. Switching a webhook off cancels its deliveries still
// waiting for an attempt.
func (s *Service) Update(ctx context.Context, tenantID, id uuid.UUID, rawURL string, events []string, active bool) (*Webhook, error) {
	u, err := s.checkURL(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	ev, err := normalizeEvents(events)
	if err != nil {
		return nil, err
	}
	h := new(Webhook)
	err = s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(h).Where("tenant_id = ? AND id = ?", tenantID, id).Scan(ctx); err != nil {
			return err
		}
		h.URL, h.Events, h.Active, h.UpdatedAt = u, ev, active, s.now()
		if _, err := tx.NewUpdate().Model(h).Column("url", "events", "active", "updated_at").
			Where("tenant_id = ? AND id = ?", tenantID, id).Exec(ctx); err != nil {
			return err
		}
		if active {
			return nil
		}
		_, err := tx.NewUpdate().Model((*Delivery)(nil)).Set("status = ?", Cancelled).Set("updated_at = ?", h.UpdatedAt).
			Where("tenant_id = ? AND webhook_id = ? AND status IN (?)", tenantID, id, bun.In([]Status{Pending, Retrying})).Exec(ctx)
		return err
	})
	if err != nil {
		return nil, database.Normalize(err)
	}
	s.forget(tenantID)
	return h, nil
}

// Delete removes a webhook with its delivery log; its queued jobs find
// nothing to send and end.
func (s *Service) Delete(ctx context.Context, tenantID, id uuid.UUID) error {
	err := s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewDelete().Model((*Webhook)(nil)).Where("tenant_id = ? AND id = ?", tenantID, id).Exec(ctx)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return database.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.forget(tenantID)
	return nil
}

// Deliveries returns a webhook's latest deliveries, newest first; limit is
// 1–100 (50 when not positive).
func (s *Service) Deliveries(ctx context.Context, tenantID, webhookID uuid.UUID, limit int) ([]Delivery, error) {
	out := []Delivery{}
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		exists, err := tx.NewSelect().Model((*Webhook)(nil)).Where("tenant_id = ? AND id = ?", tenantID, webhookID).Exists(ctx)
		if err != nil {
			return err
		}
		if !exists {
			return database.ErrNotFound
		}
		return latest(ctx, tx, tenantID, webhookID, clampLimit(limit), &out)
	})
	return out, database.Normalize(err)
}

func latest(ctx context.Context, tx bun.Tx, tenantID, webhookID uuid.UUID, limit int, dst *[]Delivery, exclude ...string) error {
	*dst = []Delivery{}
	q := tx.NewSelect().Model(dst)
	if len(exclude) > 0 {
		q = q.ExcludeColumn(exclude...)
	}
	return q.Where("tenant_id = ? AND webhook_id = ?", tenantID, webhookID).
		OrderExpr("created_at DESC, id DESC").Limit(int64(limit)).Scan(ctx)
}

func clampLimit(n int) int {
	if n <= 0 {
		return 50
	}
	return min(n, 100)
}

// Redeliver sends a finished delivery again, same body and ID, so that a
// receiver that already processed it can tell. Its attempts go on counting.
func (s *Service) Redeliver(ctx context.Context, tenantID, deliveryID uuid.UUID) (*Delivery, error) {
	d := new(Delivery)
	err := s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(d).Where("tenant_id = ? AND id = ?", tenantID, deliveryID).Scan(ctx); err != nil {
			return err
		}
		if !d.Status.Final() {
			return ErrDeliveryInFlight
		}
		d.Status, d.UpdatedAt = Pending, s.now()
		if _, err := tx.NewUpdate().Model(d).Column("status", "updated_at").Where("tenant_id = ? AND id = ?", tenantID, deliveryID).Exec(ctx); err != nil {
			return err
		}
		return s.jobs.InsertTx(ctx, tx, deliverArgs{TenantID: tenantID, DeliveryID: deliveryID}, nil)
	})
	if err != nil {
		return nil, database.Normalize(err)
	}
	return d, nil
}

// PublishTx records event for every active webhook of the tenant that
// subscribes to it, and queues its delivery, inside the caller's
// transaction: if the change that caused the event rolls back, nothing is
// sent. data becomes the payload's "data" and must marshal to JSON.
//
// With no webhook wanting the event it usually costs nothing: what a tenant
// subscribes to is remembered for a few seconds.
func (s *Service) PublishTx(ctx context.Context, tx bun.Tx, tenantID uuid.UUID, event string, data any) error {
	b := bit(event)
	if b == 0 {
		return fmt.Errorf("webhook: unknown event %q", event)
	}
	known, cached := s.subscribed.Get(tenantID)
	if cached && known&b == 0 {
		return nil
	}
	gen := s.generation.Load()
	var hooks []Webhook
	q := tx.NewSelect().Model(&hooks).Column("id", "events").Where("tenant_id = ? AND active = ?", tenantID, true)
	if s.db.Postgres() {
		// A webhook deleted by a transaction that commits after this read
		// would make the deliveries' foreign key fail the caller's change;
		// the lock makes that delete wait instead.
		q = q.For("KEY SHARE")
	}
	if err := q.Scan(ctx); err != nil {
		return err
	}
	if !cached {
		var m eventMask
		for _, h := range hooks {
			m |= h.Events.mask()
		}
		if s.generation.Load() == gen {
			s.subscribed.Add(tenantID, m)
		}
	}
	var raw json.RawMessage
	now := s.now()
	for _, h := range hooks {
		if !h.Events.Has(event) {
			continue
		}
		if raw == nil {
			var err error
			if raw, err = json.Marshal(data); err != nil {
				return fmt.Errorf("webhook: %s payload: %w", event, err)
			}
		}
		d := &Delivery{TenantID: tenantID, ID: uuid.Must(uuid.NewV7()), WebhookID: h.ID, Event: event, Status: Pending,
			CreatedAt: now, UpdatedAt: now}
		body, err := json.Marshal(envelope{ID: d.ID, Event: event, CreatedAt: now.Format(time.RFC3339), Data: raw})
		if err != nil {
			return err
		}
		d.Payload = RawJSON(body)
		if _, err := tx.NewInsert().Model(d).Exec(ctx); err != nil {
			return err
		}
		if err := s.jobs.InsertTx(ctx, tx, deliverArgs{TenantID: tenantID, DeliveryID: d.ID}, nil); err != nil {
			return err
		}
	}
	return nil
}
