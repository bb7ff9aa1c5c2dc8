package subscription

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/account"
	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/database/dbtest"
	"github.com/estatedesk/estatedesk/internal/job"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// EnvBenchBilling, when set, makes TestBenchBilling measure issue 11's
// figures on PostgreSQL (docs/benchmarks.md):
//
//	ESTATEDESK_BENCH_BILLING=1 ESTATEDESK_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/postgres \
//	  go test -count=1 -run '^TestBenchBilling$' -v ./internal/subscription/
//
// ESTATEDESK_BENCH_BILLING_EVENTS (default 6000) distinct events, a third
// as many duplicates again (a quarter of all deliveries), at
// ESTATEDESK_BENCH_BILLING_CONNS (16) connections; SIGNUPS (40) sign-ups.
const EnvBenchBilling = "ESTATEDESK_BENCH_BILLING"

func benchInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(EnvBenchBilling + "_" + name)); err == nil && n > 0 {
		return n
	}
	return def
}

// benchService is the billing service on a database as production runs it:
// commits wait for the WAL on disk, a pool of conns connections.
func benchService(t *testing.T, conns int) *Service {
	opts := dbtest.Options(t)
	u, err := url.Parse(opts.URL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("synchronous_commit", "on")
	u.RawQuery = q.Encode()
	opts.URL, opts.MaxConns = u.String(), int32(conns)
	db, err := database.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	accounts := account.NewService(db, account.Settings{BaseURL: "http://estatedesk.test", InvitationTTL: 1e15, Limits: tenant.DefaultPlanLimits()}, nil, log)
	jobs, err := job.New(db, job.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewService(db, jobs, accounts, Options{Limits: tenant.DefaultPlanLimits(), TrialDays: 14, GraceDays: 30,
		Prices:        map[string]int64{"starter": 29_900, "growth": 99_900, "enterprise": 299_900},
		StripePrices:  map[string]string{"starter": "price_starter", "growth": "price_growth", "enterprise": "price_enterprise"},
		WebhookSecret: "whsec_bench", BaseURL: "http://estatedesk.test", TimeZone: "Asia/Shanghai", Log: log})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func percentile(ds []time.Duration, p float64) time.Duration {
	slices.Sort(ds)
	return ds[min(len(ds)-1, int(float64(len(ds))*p))]
}

func TestBenchBilling(t *testing.T) {
	if os.Getenv(EnvBenchBilling) == "" || dbtest.Dialect() != "postgres" {
		t.Skip("set " + EnvBenchBilling + "=1 and ESTATEDESK_TEST_POSTGRES")
	}
	t.Run("webhook", benchWebhook)
	t.Run("signup", benchSignup)
}

// benchWebhook: distinct events about 200 companies — invoices paid and
// subscription updates, in no order — and a quarter of all deliveries
// duplicates of them, shuffled in, so that a duplicate often arrives while
// its original is in flight. Each delivery is verified (HMAC, timestamp)
// and applied as the endpoint does. Afterwards every distinct event must
// have had its effect once and every duplicate none.
func benchWebhook(t *testing.T) {
	ctx := context.Background()
	conns, distinct := benchInt("CONNS", 16), benchInt("EVENTS", 6000)
	s := benchService(t, conns)
	const companies = 200
	tenants := make([]*tenant.Tenant, companies)
	err := s.db.InPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		for i := range tenants {
			tn, err := tenant.New(fmt.Sprintf("bench-%03d", i), "压测物业", "growth", "Asia/Shanghai", tenant.Active)
			if err != nil {
				return err
			}
			if err := tenant.Insert(ctx, tx, tn); err != nil {
				return err
			}
			tenants[i] = tn
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	type delivery struct{ payload, header string }
	rng := rand.New(rand.NewPCG(11, 11))
	base := time.Now().Add(-time.Hour)
	events := make([]delivery, 0, distinct+distinct/3)
	invoices := 0
	for i := range distinct {
		tn := tenants[rng.IntN(companies)]
		meta := map[string]string{"tenant_id": tn.ID.String()}
		var typ string
		var obj map[string]any
		if i%2 == 0 {
			typ, invoices = "invoice.paid", invoices+1
			obj = map[string]any{"id": fmt.Sprintf("in_%d", i), "object": "invoice", "customer": "cus_" + tn.Slug, "status": "paid",
				"number": fmt.Sprintf("INV-%d", i), "amount_due": 99_900, "amount_paid": 99_900, "currency": "cny",
				"hosted_invoice_url": "https://invoice.stripe.test/" + strconv.Itoa(i), "created": base.Unix(),
				"subscription": map[string]any{"id": "sub_" + tn.Slug, "object": "subscription", "metadata": meta}}
		} else {
			typ = "customer.subscription.updated"
			status := []string{"active", "past_due", "active", "active"}[rng.IntN(4)]
			obj = map[string]any{"id": "sub_" + tn.Slug, "object": "subscription", "customer": "cus_" + tn.Slug, "status": status,
				"current_period_end": base.AddDate(0, 1, 0).Unix(), "metadata": meta,
				"items": map[string]any{"object": "list", "data": []any{map[string]any{"id": "si_1", "object": "subscription_item",
					"price": map[string]any{"id": "price_growth", "object": "price"}}}}}
		}
		b, err := json.Marshal(map[string]any{"id": fmt.Sprintf("evt_%d", i), "object": "event", "api_version": stripe.APIVersion,
			"created": base.Add(time.Duration(rng.IntN(3600)) * time.Second).Unix(), "type": typ, "data": map[string]any{"object": obj}})
		if err != nil {
			t.Fatal(err)
		}
		sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: b, Secret: "whsec_bench", Timestamp: time.Now()})
		events = append(events, delivery{string(b), sp.Header})
	}
	for range distinct / 3 {
		events = append(events, events[rng.IntN(distinct)])
	}
	rng.Shuffle(len(events), func(i, j int) { events[i], events[j] = events[j], events[i] })

	outcomes := map[Outcome]*atomic.Int64{Applied: {}, Duplicate: {}, Stale: {}, Ignored: {}}
	lat := make([][]time.Duration, conns)
	var next atomic.Int64
	var wg sync.WaitGroup
	load := loadavg()
	start := time.Now()
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(events) {
					return
				}
				t0 := time.Now()
				out, _, err := s.HandleWebhook(ctx, []byte(events[i].payload), events[i].header)
				if err != nil {
					t.Errorf("event %d: %v", i, err)
					return
				}
				lat[w] = append(lat[w], time.Since(t0))
				outcomes[out].Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	var recorded, invoiceRows int
	err = s.db.ReadPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().TableExpr("stripe_events").ColumnExpr("count(*)").Scan(ctx, &recorded); err != nil {
			return err
		}
		return tx.NewSelect().TableExpr("stripe_invoices").ColumnExpr("count(*)").Scan(ctx, &invoiceRows)
	})
	if err != nil {
		t.Fatal(err)
	}
	dups := len(events) - distinct
	t.Logf("BENCH webhook: %d deliveries (%d distinct, %d duplicates = %.0f%%) about %d companies at %d connections in %s: %.0f events/s; per delivery p50 %s p99 %s; load average before %s after %s",
		len(events), distinct, dups, 100*float64(dups)/float64(len(events)), companies, conns, elapsed.Round(time.Millisecond),
		float64(len(events))/elapsed.Seconds(), percentile(all, 0.5).Round(10*time.Microsecond), percentile(all, 0.99).Round(10*time.Microsecond), load, loadavg())
	t.Logf("BENCH webhook outcomes: applied %d, stale %d, duplicate %d, ignored %d; stripe_events rows %d, stripe_invoices rows %d (%d invoices)",
		outcomes[Applied].Load(), outcomes[Stale].Load(), outcomes[Duplicate].Load(), outcomes[Ignored].Load(), recorded, invoiceRows, invoices)
	if outcomes[Duplicate].Load() != int64(dups) || outcomes[Applied].Load()+outcomes[Stale].Load() != int64(distinct) ||
		recorded != distinct || invoiceRows != invoices {
		t.Errorf("a duplicate had an effect, or an event none")
	}
}

// benchSignup: sign-ups one after another, each timed whole; the argon2id
// hash of the password, which PrepareFounder makes before the transaction,
// timed alone just before each; the server's own part is the difference.
func benchSignup(t *testing.T) {
	ctx := context.Background()
	n := benchInt("SIGNUPS", 40)
	s := benchService(t, 16)
	var whole, hash, own []time.Duration
	load := loadavg()
	for i := range n {
		t0 := time.Now()
		if _, err := account.HashPassword("a long password"); err != nil {
			t.Fatal(err)
		}
		h := time.Since(t0)
		slug := fmt.Sprintf("signup-%03d", i)
		t1 := time.Now()
		_, _, _, err := s.SignUp(ctx, Signup{Slug: slug, Name: "绿城物业", Plan: "growth",
			Founder: account.Founder{Email: slug + "@example.com", Name: "王经理", Mobile: fmt.Sprintf("139%08d", i), Password: "a long password"}})
		if err != nil {
			t.Fatal(err)
		}
		w := time.Since(t1)
		whole, hash, own = append(whole, w), append(hash, h), append(own, max(0, w-h))
	}
	t.Logf("BENCH signup: %d sign-ups on PostgreSQL; whole p50 %s p90 %s; argon2id hash alone p50 %s; the rest (checks, one transaction: company, user, membership, roles, billing row, confirmation) p50 %s p90 %s; load average before %s after %s",
		n, percentile(whole, 0.5).Round(100*time.Microsecond), percentile(whole, 0.9).Round(100*time.Microsecond),
		percentile(hash, 0.5).Round(100*time.Microsecond), percentile(own, 0.5).Round(100*time.Microsecond),
		percentile(own, 0.9).Round(100*time.Microsecond), load, loadavg())
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil || len(b) < 14 {
		return "?"
	}
	var a, b5, c float64
	fmt.Sscanf(string(b), "%f %f %f", &a, &b5, &c)
	return fmt.Sprintf("%.2f %.2f %.2f", a, b5, c)
}
