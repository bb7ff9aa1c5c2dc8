package kpi

import (
	"cmp"
	"context"
	"slices"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// TrendMonths is how many months a trend shows, the asked one last.
const TrendMonths = 12

// Series is one figure's values month by month, oldest first, with the
// target that applies now.
type Series struct {
	Figure Figure  `json:"figure"`
	Unit   Unit    `json:"unit"`
	Target *int64  `json:"target"`
	Values []Value `json:"values"`
}

// Trend is the twelve months up to a month of the estates in scope (or
// one), summed. The fee figures are not in it: the fee module computes
// them a month and an estate at a time, too dear for twelve on a home page.
type Trend struct {
	Months []string `json:"months"`
	Series []Series `json:"series"`
}

// Trend reads the figures of the twelve months up to month, summed over
// the estates in scope or of one (estateID; outside the scope it is not
// found). Two queries over the daily rollups, whatever the span.
func (s *Service) Trend(ctx context.Context, t *tenant.Tenant, scope estate.Scope, month string, estateID *uuid.UUID) (*Trend, error) {
	m, ids, err := s.monthIDs(ctx, t.ID, scope, month, estateID)
	if err != nil {
		return nil, err
	}
	first := m.Add(1 - TrendMonths)
	sums := make(map[string]*monthSum, TrendMonths)
	var units int64
	var tg targets
	err = s.db.ReadTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		if tg, err = readTargets(ctx, tx, t.ID); err != nil || len(ids) == 0 {
			return err
		}
		var rows []struct {
			Month string `bun:"month"`
			Counts
		}
		if err := sumCounts(tx.NewSelect().TableExpr("kpi_daily").ColumnExpr("substr(day, 1, 7) AS month")).
			Where("tenant_id = ? AND estate_id IN (?) AND day >= ? AND day < ?", t.ID, bun.In(ids), first.firstDay(), m.endDay()).
			GroupExpr("substr(day, 1, 7)").Scan(ctx, &rows); err != nil {
			return err
		}
		for _, r := range rows {
			sums[r.Month] = &monthSum{counts: r.Counts, hist: map[int]int64{}}
		}
		var hist []struct {
			Month   string `bun:"month"`
			Minutes int    `bun:"minutes"`
			N       int64  `bun:"n"`
		}
		if err := tx.NewSelect().TableExpr("kpi_response_daily").ColumnExpr("substr(day, 1, 7) AS month, minutes, sum(n) AS n").
			Where("tenant_id = ? AND estate_id IN (?) AND day >= ? AND day < ?", t.ID, bun.In(ids), first.firstDay(), m.endDay()).
			GroupExpr("substr(day, 1, 7), minutes").Scan(ctx, &hist); err != nil {
			return err
		}
		for _, h := range hist {
			if sums[h.Month] == nil {
				sums[h.Month] = &monthSum{hist: map[int]int64{}}
			}
			sums[h.Month].hist[h.Minutes] += h.N
		}
		u, err := unitCounts(ctx, tx, t.ID, ids)
		for _, n := range u {
			units += n
		}
		return err
	})
	if err != nil {
		return nil, database.Normalize(err)
	}
	tr := &Trend{}
	byFigure := map[Figure]*Series{}
	for _, f := range figures {
		if f == Collection || f == Recovery {
			continue
		}
		tr.Series = append(tr.Series, Series{Figure: f, Unit: f.Unit(), Target: tg.of(estateID, f)})
	}
	for i := range tr.Series {
		byFigure[tr.Series[i].Figure] = &tr.Series[i]
	}
	for i := range TrendMonths {
		mm := first.Add(i)
		tr.Months = append(tr.Months, mm.String())
		var sum monthSum
		if p := sums[mm.String()]; p != nil {
			sum = *p
		}
		for _, v := range sum.values(units, tg, estateID) {
			if se := byFigure[v.Figure]; se != nil {
				se.Values = append(se.Values, v)
			}
		}
	}
	return tr, nil
}

// monthIDs reads the month asked for and the IDs of the estates (the one
// asked for, or all in scope).
func (s *Service) monthIDs(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, month string, estateID *uuid.UUID) (Month, []uuid.UUID, error) {
	m, err := ParseMonth(month)
	if err != nil {
		return m, nil, err
	}
	estates, err := s.estates(ctx, tenantID, scope, estateID)
	ids := make([]uuid.UUID, len(estates))
	for i, e := range estates {
		ids[i] = e.ID
	}
	return m, ids, err
}

// Hot is a category (its root) or a building with its requests received
// in a month and the month before.
type Hot struct {
	ID   uuid.UUID `json:"id"`
	Name string    `json:"name"`
	N    int64     `json:"n"`
	Prev int64     `json:"previous"`
}

// HotSpots are the categories and buildings with the most requests in a
// month, most first, at most limit of each.
type HotSpots struct {
	Categories []Hot `json:"categories"`
	Buildings  []Hot `json:"buildings"`
}

// HotSpots reads a month's hot spots of the estates in scope or of one.
func (s *Service) HotSpots(ctx context.Context, t *tenant.Tenant, scope estate.Scope, month string, estateID *uuid.UUID, limit int) (*HotSpots, error) {
	m, ids, err := s.monthIDs(ctx, t.ID, scope, month, estateID)
	if err != nil {
		return nil, err
	}
	out := &HotSpots{Categories: []Hot{}, Buildings: []Hot{}}
	if len(ids) == 0 {
		return out, nil
	}
	tree, err := s.tickets.Categories(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	err = s.db.ReadTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		var rows []struct {
			Kind      string    `bun:"kind"`
			SubjectID uuid.UUID `bun:"subject_id"`
			N         int64     `bun:"n"`
			Prev      int64     `bun:"prev"`
		}
		cur := m.firstDay()
		if err := tx.NewSelect().TableExpr("kpi_hot_daily").
			ColumnExpr("kind, subject_id").
			ColumnExpr("sum(CASE WHEN day >= ? THEN n ELSE 0 END) AS n", cur).
			ColumnExpr("sum(CASE WHEN day < ? THEN n ELSE 0 END) AS prev", cur).
			Where("tenant_id = ? AND estate_id IN (?) AND day >= ? AND day < ?", t.ID, bun.In(ids), m.Add(-1).firstDay(), m.endDay()).
			GroupExpr("kind, subject_id").Scan(ctx, &rows); err != nil {
			return err
		}
		var buildings []uuid.UUID
		for _, r := range rows {
			if r.N == 0 {
				continue
			}
			h := Hot{ID: r.SubjectID, N: r.N, Prev: r.Prev}
			switch r.Kind {
			case KindCategory:
				if c := tree.ByID(r.SubjectID); c != nil {
					h.Name = c.Name
				}
				out.Categories = append(out.Categories, h)
			case KindBuilding:
				out.Buildings = append(out.Buildings, h)
				buildings = append(buildings, r.SubjectID)
			}
		}
		out.Categories = top(out.Categories, limit)
		out.Buildings = top(out.Buildings, limit)
		if len(out.Buildings) == 0 {
			return nil
		}
		var names []struct {
			ID     uuid.UUID `bun:"id"`
			Name   string    `bun:"name"`
			Estate string    `bun:"estate"`
		}
		if err := tx.NewSelect().TableExpr("buildings AS b").
			Join("JOIN estates AS e ON e.tenant_id = b.tenant_id AND e.id = b.estate_id").
			ColumnExpr("b.id, b.name, e.name AS estate").
			Where("b.tenant_id = ? AND b.id IN (?)", t.ID, bun.In(buildings)).Scan(ctx, &names); err != nil {
			return err
		}
		for i := range out.Buildings {
			for _, n := range names {
				if n.ID == out.Buildings[i].ID {
					out.Buildings[i].Name = n.Estate + " " + n.Name
				}
			}
		}
		return nil
	})
	return out, database.Normalize(err)
}

// top sorts hot spots, most requests first (then by name, for a stable
// page), and keeps limit of them.
func top(hs []Hot, limit int) []Hot {
	slices.SortFunc(hs, func(a, b Hot) int {
		return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Name, b.Name))
	})
	if len(hs) > limit {
		hs = hs[:limit]
	}
	return hs
}

// Workload is a team's or a worker's load in a month and the month
// before.
type Workload struct {
	ID   uuid.UUID `json:"id"`
	Kind string    `json:"kind"`
	Load Load      `json:"load"`
	Prev Load      `json:"previous"`
}

// Workloads reads the month's load of the given teams and workers within
// the estates in scope. The caller decides whose load the reader may see
// (a team leader: their teams and its members).
func (s *Service) Workloads(ctx context.Context, t *tenant.Tenant, scope estate.Scope, month string, teams, workers []uuid.UUID) ([]Workload, error) {
	m, ids, err := s.monthIDs(ctx, t.ID, scope, month, nil)
	if err != nil || len(ids) == 0 || len(teams)+len(workers) == 0 {
		return nil, err
	}
	var out []Workload
	err = s.db.ReadTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		cur := m.firstDay()
		q := tx.NewSelect().TableExpr("kpi_staff_daily").ColumnExpr("kind, subject_id")
		for _, c := range []string{"received", "outside", "completed", "breached"} {
			q = q.ColumnExpr("sum(CASE WHEN day >= ? THEN "+c+" ELSE 0 END) AS "+c, cur).
				ColumnExpr("sum(CASE WHEN day < ? THEN "+c+" ELSE 0 END) AS prev_"+c, cur)
		}
		var rows []struct {
			Kind      string    `bun:"kind"`
			SubjectID uuid.UUID `bun:"subject_id"`
			Load
			PrevReceived  int64 `bun:"prev_received"`
			PrevOutside   int64 `bun:"prev_outside"`
			PrevCompleted int64 `bun:"prev_completed"`
			PrevBreached  int64 `bun:"prev_breached"`
		}
		subjects := append(slices.Clone(teams), workers...)
		if err := q.Where("tenant_id = ? AND estate_id IN (?) AND day >= ? AND day < ?", t.ID, bun.In(ids), m.Add(-1).firstDay(), m.endDay()).
			Where("kind IN (?) AND subject_id IN (?)", bun.In([]string{KindTeam, KindWorker}), bun.In(subjects)).
			GroupExpr("kind, subject_id").Scan(ctx, &rows); err != nil {
			return err
		}
		for _, r := range rows {
			if (r.Kind == KindTeam) != slices.Contains(teams, r.SubjectID) {
				continue
			}
			out = append(out, Workload{ID: r.SubjectID, Kind: r.Kind, Load: r.Load,
				Prev: Load{Received: r.PrevReceived, Outside: r.PrevOutside, Completed: r.PrevCompleted, Breached: r.PrevBreached}})
		}
		return nil
	})
	return out, database.Normalize(err)
}
