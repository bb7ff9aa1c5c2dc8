package app

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// The demo's dispatch rules leave no category of either estate without a
// team: every root has a rule or the estate's fallback takes it, every
// rule's team has someone to take its tickets, and a second start adds
// no rule.
func TestDemoDispatchCoversEveryCategory(t *testing.T) {
	ctx := context.Background()
	svc := openDemo(t)
	if _, err := loadDemo(ctx, svc); err != nil {
		t.Fatal(err)
	}
	tn, err := tenant.BySlug(ctx, svc.db.Reader(), demoSlug)
	if err != nil {
		t.Fatal(err)
	}
	// The rules without the year of history, which they do not depend on.
	if err := demoRules(ctx, svc, tn); err != nil {
		t.Fatal(err)
	}
	tree, err := svc.tickets.Categories(ctx, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	all := estate.Scope{All: true}
	ests, err := svc.estates.Visible(ctx, tn.ID, all)
	if err != nil || len(ests) != 2 {
		t.Fatalf("demo estates %v %v", ests, err)
	}
	count := 0
	for _, e := range ests {
		rules, err := svc.tickets.EstateRules(ctx, tn.ID, all, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		count += len(rules)
		if left := tree.Uncovered(rules); len(left) > 0 {
			t.Errorf("%s: %d categories without a rule, %s first", e.Name, len(left), left[0].Path)
		}
		if len(rules) == 0 || !rules[0].Fallback() || rules[0].Team.Name != "客服组" || rules[0].Team.Short() {
			t.Errorf("%s has no fallback to 客服组: %+v", e.Name, rules)
		}
		for _, r := range rules {
			if r.Team == nil || r.Team.Archived || (r.Team.NoLeader && r.Team.NoneOnDuty) {
				t.Errorf("%s: a rule to a team nobody works in: %+v", e.Name, r.Team)
			}
		}
	}
	if err := demoRules(ctx, svc, tn); err != nil {
		t.Fatal(err)
	}
	again := 0
	for _, e := range ests {
		rules, err := svc.tickets.EstateRules(ctx, tn.ID, all, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		again += len(rules)
	}
	if again != count {
		t.Errorf("a second start made %d rules of %d", again, count)
	}
}

// openDemo opens the services as `demo` would, on the test's database,
// closed when the test ends.
func openDemo(t *testing.T) *services {
	t.Helper()
	cfg, _, err := parseConfig("demo", dbArgs(t), IO{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard}, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := open(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.db.Close() })
	return svc
}
