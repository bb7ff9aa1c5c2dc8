package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/database/dbtest"
	"github.com/estatedesk/estatedesk/internal/job"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// quiet keeps River's warnings (deliveries failing on purpose) out of the
// output.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// clock is a test's time for River and the service: it moves only when
// told, so that retries come due without waiting. It starts at a whole
// second: SQLite keeps River's times to the millisecond.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().UTC().Truncate(time.Second)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	db    *database.DB
	acme  *tenant.Tenant
	other *tenant.Tenant
	clock *clock
}

func setup(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{db: dbtest.New(t), clock: newClock()}
	f.acme = f.tenant(t, "acme")
	f.other = f.tenant(t, "other")
	return f
}

func (f *fixture) tenant(t *testing.T, slug string) *tenant.Tenant {
	t.Helper()
	tn, err := tenant.New(slug, slug+" 物业", "growth", "Asia/Shanghai", tenant.Active)
	must(t, err)
	must(t, f.db.InPlatform(context.Background(), func(ctx context.Context, tx bun.Tx) error { return tenant.Insert(ctx, tx, tn) }))
	return tn
}

// process is what a process does at start: a job client on the test's
// clock and the webhook service with its worker on it. Calling it again is
// a restart.
func (f *fixture) process(t *testing.T, opts Options) (*job.Client, *Service) {
	t.Helper()
	jobs, err := job.New(f.db, job.Options{Now: f.clock.now, Logger: quiet})
	must(t, err)
	opts.Now = f.clock.now
	svc, err := NewService(f.db, jobs, opts)
	must(t, err)
	return jobs, svc
}

// receiver is a webhook endpoint that checks every request's signature and
// answers with the next of its codes (the last one repeats).
type receiver struct {
	*httptest.Server
	t      *testing.T
	clock  *clock
	secret atomic.Value // string, set once the webhook exists
	codes  []int

	mu   sync.Mutex
	hits []*http.Request
	body [][]byte
}

func newReceiver(t *testing.T, clk *clock, codes ...int) *receiver {
	r := &receiver{t: t, clock: clk, codes: codes}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		n := len(r.hits)
		r.hits = append(r.hits, req)
		r.body = append(r.body, body)
		r.mu.Unlock()
		secret, _ := r.secret.Load().(string)
		if err := Verify(secret, req.Header.Get(SignatureHeader), body, r.clock.now(), 5*time.Minute); err != nil {
			t.Errorf("request %d: signature: %v", n+1, err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(r.codes[min(n, len(r.codes)-1)])
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.hits)
}

func (r *receiver) hook(t *testing.T, svc *Service, tenantID uuid.UUID, events ...string) *Webhook {
	t.Helper()
	h, err := svc.Create(context.Background(), tenantID, r.URL+"/hooks/estatedesk", events)
	must(t, err)
	r.secret.Store(h.Secret)
	return h
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func run(t *testing.T, jobs *job.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	must(t, jobs.RunPending(ctx))
}

// publish sends event for tenantID in its own transaction, as the ticket
// service does within its own.
func (f *fixture) publish(t *testing.T, svc *Service, tenantID uuid.UUID, event string, data any) {
	t.Helper()
	must(t, f.db.InTenant(context.Background(), tenantID, func(ctx context.Context, tx bun.Tx) error {
		return svc.PublishTx(ctx, tx, tenantID, event, data)
	}))
}

func (f *fixture) deliveries(t *testing.T, tenantID uuid.UUID) []Delivery {
	t.Helper()
	var out []Delivery
	must(t, f.db.ReadTenant(context.Background(), tenantID, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(&out).Where("tenant_id = ?", tenantID).OrderExpr("created_at, id").Scan(ctx)
	}))
	return out
}

// jobs are River's rows of delivery jobs: state and attempt of each.
func (f *fixture) jobs(t *testing.T) []string {
	t.Helper()
	rows, err := f.db.Bun.QueryContext(context.Background(), "SELECT state, attempt FROM river_job WHERE kind = ? ORDER BY id", "webhook_deliver")
	must(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var state string
		var attempt int
		must(t, rows.Scan(&state, &attempt))
		out = append(out, fmt.Sprintf("%s/%d", state, attempt))
	}
	must(t, rows.Err())
	return out
}

type ticketData struct {
	Number string `json:"number"`
	Title  string `json:"title"`
}

// Publishing writes a delivery and a job for each active webhook of the
// tenant that wants the event, and nothing for anyone else.
func TestPublishOnlyToSubscribedActiveHooks(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	_, svc := f.process(t, Options{AllowPrivate: true})
	wants, err := svc.Create(ctx, f.acme.ID, "http://127.0.0.1:1/a", []string{TicketCreated, TicketEscalated})
	must(t, err)
	_, err = svc.Create(ctx, f.acme.ID, "http://127.0.0.1:1/b", []string{TicketEscalated})
	must(t, err)
	off, err := svc.Create(ctx, f.acme.ID, "http://127.0.0.1:1/c", []string{TicketCreated})
	must(t, err)
	_, err = svc.Update(ctx, f.acme.ID, off.ID, off.URL, off.Events, false)
	must(t, err)
	_, err = svc.Create(ctx, f.other.ID, "http://127.0.0.1:1/d", AllEvents())
	must(t, err)

	f.publish(t, svc, f.acme.ID, TicketCreated, ticketData{Number: "T-1", Title: "漏水"})
	ds := f.deliveries(t, f.acme.ID)
	if len(ds) != 1 || ds[0].WebhookID != wants.ID || ds[0].Event != TicketCreated || ds[0].Status != Pending || ds[0].Attempts != 0 {
		t.Fatalf("deliveries %+v", ds)
	}
	var payload struct {
		ID        uuid.UUID  `json:"id"`
		Event     string     `json:"event"`
		CreatedAt string     `json:"created_at"`
		Data      ticketData `json:"data"`
	}
	must(t, json.Unmarshal([]byte(ds[0].Payload), &payload))
	if payload.ID != ds[0].ID || payload.Event != TicketCreated || payload.CreatedAt != f.clock.now().Format(time.RFC3339) ||
		payload.Data != (ticketData{"T-1", "漏水"}) {
		t.Errorf("payload %s", ds[0].Payload)
	}
	if got := f.jobs(t); len(got) != 1 || got[0] != "available/0" {
		t.Errorf("jobs %v", got)
	}
	if ds := f.deliveries(t, f.other.ID); len(ds) != 0 {
		t.Errorf("the other tenant got %d deliveries", len(ds))
	}

	// An event nobody wants, and a tenant without webhooks: nothing.
	f.publish(t, svc, f.acme.ID, TicketFollowedUp, nil)
	nobody := f.tenant(t, "nobody")
	f.publish(t, svc, nobody.ID, TicketCreated, nil)
	f.publish(t, svc, nobody.ID, TicketCreated, nil) // from what the service remembers
	if n := len(f.deliveries(t, f.acme.ID)); n != 1 {
		t.Errorf("%d deliveries after unwanted events", n)
	}
	// What the service remembers is forgotten when a webhook is saved.
	_, err = svc.Create(ctx, nobody.ID, "http://127.0.0.1:1/e", []string{TicketCreated})
	must(t, err)
	f.publish(t, svc, nobody.ID, TicketCreated, nil)
	if n := len(f.deliveries(t, nobody.ID)); n != 1 {
		t.Errorf("after the tenant's first webhook: %d deliveries, want 1", n)
	}

	// An unknown event is a programming error.
	err = f.db.InTenant(ctx, f.acme.ID, func(ctx context.Context, tx bun.Tx) error {
		return svc.PublishTx(ctx, tx, f.acme.ID, "ticket.exploded", nil)
	})
	if err == nil {
		t.Error("unknown event accepted")
	}
}

// A ticket change that rolls back takes its deliveries and jobs with it.
func TestPublishRollsBackWithTheChange(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	_, svc := f.process(t, Options{AllowPrivate: true})
	_, err := svc.Create(ctx, f.acme.ID, "http://127.0.0.1:1/a", AllEvents())
	must(t, err)
	errAbort := errors.New("the ticket could not be saved")
	err = f.db.InTenant(ctx, f.acme.ID, func(ctx context.Context, tx bun.Tx) error {
		if err := svc.PublishTx(ctx, tx, f.acme.ID, TicketCreated, ticketData{Number: "T-1"}); err != nil {
			return err
		}
		return errAbort
	})
	if !errors.Is(err, errAbort) {
		t.Fatal(err)
	}
	if ds, js := f.deliveries(t, f.acme.ID), f.jobs(t); len(ds)+len(js) != 0 {
		t.Errorf("left behind %d deliveries and jobs %v", len(ds), js)
	}
}

// A delivery reaches the receiver signed, with its headers, and is
// recorded with its job's completion.
func TestDeliverySignedAndRecorded(t *testing.T) {
	t.Parallel()
	f := setup(t)
	recv := newReceiver(t, f.clock, http.StatusNoContent)
	jobs, svc := f.process(t, Options{AllowPrivate: true, Client: recv.Client()})
	h := recv.hook(t, svc, f.acme.ID, TicketStatusChanged)
	f.publish(t, svc, f.acme.ID, TicketStatusChanged, map[string]string{"number": "T-7", "from": "new", "to": "dispatched"})
	run(t, jobs)

	if recv.count() != 1 {
		t.Fatalf("receiver got %d requests", recv.count())
	}
	req, body := recv.hits[0], recv.body[0]
	d := f.deliveries(t, f.acme.ID)[0]
	for name, want := range map[string]string{
		"Content-Type": "application/json", "User-Agent": "estatedesk-webhooks/1",
		EventHeader: TicketStatusChanged, DeliveryHeader: d.ID.String(),
	} {
		if got := req.Header.Get(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	if req.Method != http.MethodPost || req.URL.Path != "/hooks/estatedesk" || string(body) != string(d.Payload) {
		t.Errorf("%s %s %s", req.Method, req.URL.Path, body)
	}
	if d.Status != Delivered || d.Attempts != 1 || d.ResponseCode != 204 || d.LastError != "" {
		t.Errorf("delivery %+v", d)
	}
	if got := f.jobs(t); len(got) != 1 || got[0] != "completed/1" {
		t.Errorf("jobs %v", got)
	}
	// The log shows it, newest first, to the tenant only.
	log, err := svc.Deliveries(context.Background(), f.acme.ID, h.ID, 0)
	must(t, err)
	if len(log) != 1 || log[0].ID != d.ID || log[0].Status != Delivered {
		t.Errorf("log %+v", log)
	}
	if _, err := svc.Deliveries(context.Background(), f.other.ID, h.ID, 0); !errors.Is(err, database.ErrNotFound) {
		t.Errorf("another tenant's log: %v", err)
	}
	// Running again sends nothing more.
	run(t, jobs)
	if recv.count() != 1 {
		t.Errorf("sent again: %d requests", recv.count())
	}
}

// A receiver that fails twice gets the delivery on the third attempt, on
// the retry schedule, across a restart of the process.
func TestRetryUntilDeliveredAcrossRestart(t *testing.T) {
	t.Parallel()
	f := setup(t)
	recv := newReceiver(t, f.clock, 500, 500, 200)
	opts := Options{AllowPrivate: true, Client: recv.Client()}
	jobs, svc := f.process(t, opts)
	recv.hook(t, svc, f.acme.ID, TicketEscalated)
	f.publish(t, svc, f.acme.ID, TicketEscalated, map[string]any{"number": "T-9", "level": 2})

	run(t, jobs)
	d := f.deliveries(t, f.acme.ID)[0]
	if recv.count() != 1 || d.Status != Retrying || d.Attempts != 1 || d.ResponseCode != 500 || !strings.Contains(d.LastError, "HTTP 500") {
		t.Fatalf("after the first attempt: %d requests, %+v", recv.count(), d)
	}

	// Not yet due: 30 s after the first attempt.
	f.clock.advance(29 * time.Second)
	run(t, jobs)
	if recv.count() != 1 {
		t.Fatalf("retried %d times before its time", recv.count()-1)
	}

	// The process restarts; the new one retries when due.
	f.clock.advance(2 * time.Second)
	jobs, _ = f.process(t, opts)
	run(t, jobs)
	d = f.deliveries(t, f.acme.ID)[0]
	if recv.count() != 2 || d.Status != Retrying || d.Attempts != 2 {
		t.Fatalf("after the second attempt: %d requests, %+v", recv.count(), d)
	}

	// The second wait is 2 minutes.
	f.clock.advance(time.Minute)
	run(t, jobs)
	if recv.count() != 2 {
		t.Fatalf("third attempt came after 1 minute")
	}
	f.clock.advance(time.Minute + time.Second)
	run(t, jobs)
	d = f.deliveries(t, f.acme.ID)[0]
	if recv.count() != 3 || d.Status != Delivered || d.Attempts != 3 || d.ResponseCode != 200 || d.LastError != "" {
		t.Fatalf("after the third attempt: %d requests, %+v", recv.count(), d)
	}
	if got := f.jobs(t); len(got) != 1 || got[0] != "completed/3" {
		t.Errorf("jobs %v", got)
	}
	// Every attempt sent the same bytes, with the same delivery ID.
	for i := 1; i < 3; i++ {
		if string(recv.body[i]) != string(recv.body[0]) || recv.hits[i].Header.Get(DeliveryHeader) != d.ID.String() {
			t.Errorf("attempt %d differs", i+1)
		}
	}
}

// A receiver that never accepts ends failed after MaxAttempts.
func TestDeliveryFailsAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	f := setup(t)
	recv := newReceiver(t, f.clock, http.StatusServiceUnavailable)
	jobs, svc := f.process(t, Options{AllowPrivate: true, Client: recv.Client()})
	recv.hook(t, svc, f.acme.ID, TicketCreated)
	f.publish(t, svc, f.acme.ID, TicketCreated, nil)
	for i := range MaxAttempts + 2 {
		run(t, jobs)
		if n := recv.count(); n != min(i+1, MaxAttempts) {
			t.Fatalf("round %d: %d requests", i+1, n)
		}
		f.clock.advance(Backoff(i+1) + time.Second)
	}
	d := f.deliveries(t, f.acme.ID)[0]
	if d.Status != Failed || d.Attempts != MaxAttempts || d.ResponseCode != 503 {
		t.Errorf("delivery %+v", d)
	}
	if got := f.jobs(t); len(got) != 1 || got[0] != fmt.Sprintf("discarded/%d", MaxAttempts) {
		t.Errorf("jobs %v", got)
	}
	// A failed delivery can be sent again by hand.
	_, err := svc.Redeliver(context.Background(), f.acme.ID, d.ID)
	must(t, err)
	if _, err := svc.Redeliver(context.Background(), f.acme.ID, d.ID); !errors.Is(err, ErrDeliveryInFlight) {
		t.Errorf("second redelivery while pending: %v", err)
	}
	if _, err := svc.Redeliver(context.Background(), f.other.ID, d.ID); !errors.Is(err, database.ErrNotFound) {
		t.Errorf("another tenant's delivery: %v", err)
	}
	run(t, jobs)
	if d := f.deliveries(t, f.acme.ID)[0]; recv.count() != MaxAttempts+1 || d.Attempts != MaxAttempts+1 || d.Status != Retrying {
		t.Errorf("after redelivery: %d requests, %+v", recv.count(), d)
	}
}

// Switching a webhook off cancels what waits; deleting it drops its log.
// Either way nothing more is sent.
func TestDeactivateAndDeleteStopDeliveries(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	recv := newReceiver(t, f.clock, 500)
	jobs, svc := f.process(t, Options{AllowPrivate: true, Client: recv.Client()})
	h := recv.hook(t, svc, f.acme.ID, TicketCreated)
	f.publish(t, svc, f.acme.ID, TicketCreated, nil)
	run(t, jobs) // fails once: retrying
	f.publish(t, svc, f.acme.ID, TicketCreated, nil)
	_, err := svc.Update(ctx, f.acme.ID, h.ID, h.URL, h.Events, false)
	must(t, err)
	for _, d := range f.deliveries(t, f.acme.ID) {
		if d.Status != Cancelled {
			t.Errorf("after switching off: %+v", d)
		}
	}
	f.clock.advance(time.Hour)
	run(t, jobs)
	if recv.count() != 1 {
		t.Errorf("%d requests after switching off", recv.count())
	}
	if got := f.jobs(t); len(got) != 2 || got[0] != "completed/2" || got[1] != "completed/1" {
		t.Errorf("jobs %v", got)
	}

	// A delivery queued before a webhook went off is cancelled by its job
	// even when the switch happened elsewhere (straight in the database).
	_, err = svc.Update(ctx, f.acme.ID, h.ID, h.URL, h.Events, true)
	must(t, err)
	f.publish(t, svc, f.acme.ID, TicketCreated, nil)
	must(t, f.db.InTenant(ctx, f.acme.ID, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Model((*Webhook)(nil)).Set("active = ?", false).Where("tenant_id = ? AND id = ?", f.acme.ID, h.ID).Exec(ctx)
		return err
	}))
	run(t, jobs)
	if ds := f.deliveries(t, f.acme.ID); recv.count() != 1 || ds[2].Status != Cancelled || ds[2].Attempts != 0 {
		t.Errorf("%d requests, %+v", recv.count(), ds[2])
	}

	// Deleted, the webhook takes its log along; its queued job ends quietly.
	_, err = svc.Update(ctx, f.acme.ID, h.ID, h.URL, h.Events, true)
	must(t, err)
	f.publish(t, svc, f.acme.ID, TicketCreated, nil)
	if err := svc.Delete(ctx, f.other.ID, h.ID); !errors.Is(err, database.ErrNotFound) {
		t.Errorf("delete by another tenant: %v", err)
	}
	must(t, svc.Delete(ctx, f.acme.ID, h.ID))
	run(t, jobs)
	if recv.count() != 1 || len(f.deliveries(t, f.acme.ID)) != 0 {
		t.Errorf("%d requests, %d deliveries after delete", recv.count(), len(f.deliveries(t, f.acme.ID)))
	}
	if err := svc.Delete(ctx, f.acme.ID, h.ID); !errors.Is(err, database.ErrNotFound) {
		t.Errorf("delete twice: %v", err)
	}
}

// What a manager may save, and what not.
func TestValidation(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	_, svc := f.process(t, Options{})
	// Host names resolve through the test's table, not the network.
	svc.lookup = func(_ context.Context, host string) ([]netip.Addr, error) {
		switch host {
		case "hooks.example.com":
			return []netip.Addr{netip.MustParseAddr("203.0.113.10"), netip.MustParseAddr("2001:db8::10")}, nil
		case "rebind.example.com":
			return []netip.Addr{netip.MustParseAddr("203.0.113.11"), netip.MustParseAddr("10.0.0.5")}, nil
		case "localhost":
			return []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")}, nil
		}
		return nil, errors.New("no such host")
	}
	for _, c := range []struct {
		url  string
		want error
	}{
		{"https://hooks.example.com/estatedesk?token=abc", nil},
		{" https://203.0.113.10:8443/hook ", nil},
		{"", ErrInvalidURL},
		{"hooks.example.com/x", ErrInvalidURL},
		{"ftp://hooks.example.com/x", ErrInvalidURL},
		{"http://hooks.example.com/x", ErrInvalidURL}, // https only
		{"https://user:pass@hooks.example.com/x", ErrInvalidURL},
		{"https:///x", ErrInvalidURL},
		{"mailto:ops@example.com", ErrInvalidURL},
		{"https://hooks.example.com/" + strings.Repeat("a", MaxURLLen), ErrInvalidURL},
		{"https://nowhere.invalid/x", ErrInvalidURL},
		{"https://127.0.0.1/x", ErrPrivateAddress},
		{"https://localhost:8080/x", ErrPrivateAddress},
		{"https://10.1.2.3/x", ErrPrivateAddress},
		{"https://192.168.1.1/x", ErrPrivateAddress},
		{"https://172.16.0.1/x", ErrPrivateAddress},
		{"https://169.254.169.254/latest/meta-data", ErrPrivateAddress},
		{"https://100.100.100.200/latest/meta-data", ErrPrivateAddress},
		{"https://0.0.0.0/x", ErrPrivateAddress},
		{"https://[::1]/x", ErrPrivateAddress},
		{"https://[fe80::1]/x", ErrPrivateAddress},
		{"https://[fd00::1]/x", ErrPrivateAddress},
		{"https://[::ffff:192.168.1.1]/x", ErrPrivateAddress},
		{"https://rebind.example.com/x", ErrPrivateAddress},
	} {
		h, err := svc.Create(ctx, f.acme.ID, c.url, []string{TicketCreated})
		if c.want == nil {
			if err != nil {
				t.Errorf("%q refused: %v", c.url, err)
				continue
			}
			must(t, svc.Delete(ctx, f.acme.ID, h.ID))
			continue
		}
		if !errors.Is(err, c.want) || !errors.Is(err, ErrInvalidURL) {
			t.Errorf("%q: %v, want %v", c.url, err, c.want)
		}
	}

	for _, ev := range [][]string{nil, {}, {"ticket.deleted"}, {TicketCreated, ""}} {
		if _, err := svc.Create(ctx, f.acme.ID, "https://hooks.example.com/x", ev); !errors.Is(err, ErrInvalidEvents) {
			t.Errorf("events %q: %v", ev, err)
		}
	}
	h, err := svc.Create(ctx, f.acme.ID, "https://hooks.example.com/x", []string{TicketFollowedUp, TicketCreated, TicketCreated})
	must(t, err)
	if strings.Join(h.Events, ",") != "ticket.created,ticket.followed_up" || len(h.Secret) != 64 || !h.Active {
		t.Errorf("created %+v", h)
	}
	got, err := svc.Get(ctx, f.acme.ID, h.ID)
	must(t, err)
	if strings.Join(got.Events, ",") != "ticket.created,ticket.followed_up" || got.Secret != h.Secret {
		t.Errorf("read back %+v", got)
	}
	if _, err := svc.Update(ctx, f.acme.ID, h.ID, "https://127.0.0.1/x", h.Events, true); !errors.Is(err, ErrPrivateAddress) {
		t.Errorf("update to a private address: %v", err)
	}
	if _, err := svc.Update(ctx, f.acme.ID, h.ID, h.URL, []string{"nope"}, true); !errors.Is(err, ErrInvalidEvents) {
		t.Errorf("update to unknown events: %v", err)
	}
	up, err := svc.Update(ctx, f.acme.ID, h.ID, "https://203.0.113.10/new", []string{TicketEscalated}, false)
	must(t, err)
	if up.URL != "https://203.0.113.10/new" || up.Active || up.Secret != h.Secret {
		t.Errorf("updated %+v", up)
	}
	if got, err := svc.Get(ctx, f.acme.ID, h.ID); err != nil || got.URL != up.URL || got.Active || strings.Join(got.Events, ",") != TicketEscalated {
		t.Errorf("read back after update %+v %v", got, err)
	}
	for _, err := range []error{
		func() error { _, err := svc.Get(ctx, f.other.ID, h.ID); return err }(),
		func() error {
			_, err := svc.Update(ctx, f.other.ID, h.ID, h.URL, h.Events, true)
			return err
		}(),
		func() error { _, err := svc.Update(ctx, f.acme.ID, uuid.New(), h.URL, h.Events, true); return err }(),
	} {
		if !errors.Is(err, database.ErrNotFound) {
			t.Errorf("another tenant's or no webhook: %v", err)
		}
	}

	// At most ten per tenant, switched off ones included; another tenant
	// has its own ten.
	for i := 1; i < MaxPerTenant; i++ {
		_, err := svc.Create(ctx, f.acme.ID, fmt.Sprintf("https://203.0.113.10/%d", i), []string{TicketCreated})
		must(t, err)
	}
	if _, err := svc.Create(ctx, f.acme.ID, "https://203.0.113.10/11", []string{TicketCreated}); !errors.Is(err, ErrTooMany) {
		t.Errorf("eleventh webhook: %v", err)
	}
	if _, err := svc.Create(ctx, f.other.ID, "https://203.0.113.10/1", []string{TicketCreated}); err != nil {
		t.Errorf("another tenant's first: %v", err)
	}
	list, err := svc.List(ctx, f.acme.ID)
	must(t, err)
	if len(list) != MaxPerTenant || list[0].ID != h.ID {
		t.Errorf("list of %d", len(list))
	}
}

// With private targets refused, a host that resolves to an internal
// address at delivery time (DNS changed since the URL was saved) is not
// dialled.
func TestDialRefusesPrivateAddresses(t *testing.T) {
	t.Parallel()
	f := setup(t)
	recv := newReceiver(t, f.clock, 200)
	// The URL is stored by a process that allows private targets...
	_, lax := f.process(t, Options{AllowPrivate: true})
	recv.hook(t, lax, f.acme.ID, TicketCreated)
	// ...and delivered by one that does not, with its own HTTP client.
	jobs, strict := f.process(t, Options{})
	f.publish(t, strict, f.acme.ID, TicketCreated, nil)
	run(t, jobs)
	d := f.deliveries(t, f.acme.ID)[0]
	if recv.count() != 0 || d.Status != Retrying || d.Attempts != 1 || d.ResponseCode != 0 || !strings.Contains(d.LastError, ErrPrivateAddress.Error()) {
		t.Errorf("%d requests, delivery %+v", recv.count(), d)
	}
	if _, err := strict.Create(context.Background(), f.acme.ID, recv.URL, []string{TicketCreated}); !errors.Is(err, ErrInvalidURL) {
		t.Errorf("saving the test server's URL: %v", err)
	}
}

// The settings page's view: every webhook with its latest deliveries.
func TestListWithDeliveries(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	_, svc := f.process(t, Options{AllowPrivate: true})
	a, err := svc.Create(ctx, f.acme.ID, "http://127.0.0.1:1/a", []string{TicketCreated})
	must(t, err)
	b, err := svc.Create(ctx, f.acme.ID, "http://127.0.0.1:1/b", []string{TicketEscalated})
	must(t, err)
	for range 3 {
		f.publish(t, svc, f.acme.ID, TicketCreated, nil)
		f.clock.advance(time.Second)
	}
	logs, err := svc.ListWithDeliveries(ctx, f.acme.ID, 2)
	must(t, err)
	if len(logs) != 2 || logs[0].ID != a.ID || logs[1].ID != b.ID || len(logs[0].Deliveries) != 2 || len(logs[1].Deliveries) != 0 {
		t.Fatalf("logs %+v", logs)
	}
	if d := logs[0].Deliveries; !d[0].CreatedAt.After(d[1].CreatedAt) || d[0].Payload != "" {
		t.Errorf("not newest first, or with payloads: %+v", d)
	}
}
