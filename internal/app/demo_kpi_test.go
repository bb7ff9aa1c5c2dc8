package app

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/kpi"
	"github.com/estatedesk/estatedesk/internal/tenant"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// Every figure's drill-down lists, in the queue, exactly what the figure
// counts, on the demo's year of tickets: the tickets behind the
// denominator, and those that fall short (the denominator less the
// numerator), for the company and each estate, this month and last.
func TestDemoKPIDrillDowns(t *testing.T) {
	ctx := context.Background()
	svc := openDemo(t)
	if _, err := loadDemo(ctx, svc); err != nil {
		t.Fatal(err)
	}
	if _, err := demoTickets(ctx, svc); err != nil {
		t.Fatal(err)
	}
	tn, err := tenant.BySlug(ctx, svc.db.Reader(), demoSlug)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.kpis.RefreshTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	all := estate.Scope{All: true}
	// A manager of the demo sees every ticket, complaints about staff too.
	a := ticket.Actor{UserID: uuid.New(), Scope: all, Dispatcher: true, Sensitive: true}
	count := func(d kpi.Drill, month string, estateID *uuid.UUID) int64 {
		narrow, err := svc.kpis.Narrow(ctx, tn, d, month)
		if err != nil {
			t.Fatal(err)
		}
		f := ticket.Filter{Narrow: narrow, EstateID: estateID, Limit: ticket.MaxPage, Sort: ticket.Newest}
		var n int64
		for {
			page, err := svc.tickets.List(ctx, tn.ID, a, f)
			if err != nil {
				t.Fatal(err)
			}
			n += int64(len(page.Rows))
			if page.Next == "" {
				return n
			}
			f.Cursor = page.Next
		}
	}
	now := kpi.MonthOf(time.Now(), tn.Location())
	checked := 0
	for _, month := range []string{now.String(), now.Add(-1).String()} {
		b, err := svc.kpis.Board(ctx, tn, all, month, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, col := range append([]kpi.Column{b.Total}, b.Estates...) {
			for _, v := range col.Values {
				whole, short := v.Figure.Drills()
				// Counts of tickets only: call-backs are counted per
				// call-back (a ticket may have two), response times are
				// not a ratio, complaints per 100 units divide by units.
				switch v.Figure {
				case kpi.Satisfaction, kpi.ResponseMedian, kpi.ResponseP90, kpi.ComplaintsPer100, kpi.Collection, kpi.Recovery:
					continue
				case kpi.Majors:
					if got := count(whole, month, col.EstateID); got != v.Value {
						t.Errorf("%s %s %s: the queue lists %d, the figure counts %d", month, col.Name, v.Figure, got, v.Value)
					}
					continue
				}
				if got := count(whole, month, col.EstateID); got != v.Den {
					t.Errorf("%s %s %s: the queue lists %d, the figure's denominator is %d", month, col.Name, v.Figure, got, v.Den)
				}
				if got := count(short, month, col.EstateID); got != v.Den-v.Num {
					t.Errorf("%s %s %s: the queue lists %d short, the figure %d", month, col.Name, v.Figure, got, v.Den-v.Num)
				}
				checked++
			}
		}
		if m := b.Total.Value(kpi.MinorOnTime); month != now.String() && (m.Den == 0 || m.Den == m.Num) {
			t.Errorf("%s: the demo has no late minor repairs to drill into: %+v", month, m)
		}
	}
	t.Logf("%d figures checked", checked)
}
