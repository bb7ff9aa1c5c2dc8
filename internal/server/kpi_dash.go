package server

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/kpi"
)

// kpiDashboard is what the dashboard's JSON answers: the month's figures of
// the estates side by side with their total, the twelve months' trend and
// the hot spots.
type kpiDashboard struct {
	Board *kpi.Board    `json:"board"`
	Trend *kpi.Trend    `json:"trend"`
	Hot   *kpi.HotSpots `json:"hot_spots"`
}

// hotLimit bounds each list of hot spots.
const hotLimit = 5

// kpiMonth is the month asked for (?month=2026-11), this month in the
// company's time zone by default.
func kpiMonth(c *fiber.Ctx) string {
	if m := strings.TrimSpace(c.Query("month")); m != "" {
		return m
	}
	return kpi.MonthOf(tenantToday(c), tenantOf(c).Location()).String()
}

// kpiEstate is the estate asked for (?estate=…), nil for all in scope.
func kpiEstate(c *fiber.Ctx) (*uuid.UUID, error) {
	e := strings.TrimSpace(c.Query("estate"))
	if e == "" {
		return nil, nil
	}
	id, err := uuid.Parse(e)
	if err != nil {
		return nil, errNotFoundRoute
	}
	return &id, nil
}

// dashboardTTL is how long a dashboard read is shown again to readers of
// the same scope. The figures lag the tickets by up to a minute anyway
// (the rollup job's period), and the fee module computes 收缴率 and 清欠率
// from the bills on every call: over a second on a loaded machine with a
// year of fees, too dear for a home page opened all day.
const dashboardTTL = 30 * time.Second

// loadDashboard reads the dashboard of a month and an estate (nil: all in
// scope), or remembers it for dashboardTTL.
func (s *Server) loadDashboard(c *fiber.Ctx, scope estate.Scope, month string, estateID *uuid.UUID) (*kpiDashboard, error) {
	ctx, t := c.UserContext(), tenantOf(c)
	key := fmt.Sprint(t.ID, scope.All, scope.EstateIDs, month, estateID)
	if d, ok := s.dashboards.Get(key); ok {
		return d, nil
	}
	b, err := s.KPIs.Board(ctx, t, scope, month, estateID)
	if err != nil {
		return nil, err
	}
	tr, err := s.KPIs.Trend(ctx, t, scope, month, estateID)
	if err != nil {
		return nil, err
	}
	hot, err := s.KPIs.HotSpots(ctx, t, scope, month, estateID, hotLimit)
	if err != nil {
		return nil, err
	}
	d := &kpiDashboard{Board: b, Trend: tr, Hot: hot}
	s.dashboards.Add(key, d)
	return d, nil
}

// kpiShow: GET /kpis — the dashboard of a month (this one by default) for
// the estates in scope or one of them (report:read); JSON on the API.
func (s *Server) kpiShow(c *fiber.Ctx) error {
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	estateID, err := kpiEstate(c)
	if err != nil {
		return err
	}
	month := kpiMonth(c)
	d, err := s.loadDashboard(c, scope, month, estateID)
	if err != nil {
		return err
	}
	if isAPI(c) {
		return c.JSON(d)
	}
	estates, err := s.Estates.Visible(c.UserContext(), tenantOf(c).ID, scope)
	if err != nil {
		return err
	}
	data := map[string]any{"Dash": s.dashView(c, d, estateID), "Estates": estates, "EstateID": estateID, "Month": month}
	return s.render(c, "kpis", "kpidash.title", data)
}

// dashCell is one figure of one column, as shown: the value with its
// colour, last month's, and the links to its tickets.
type dashCell struct {
	Value, Prev, Target string
	Status              kpi.Status
	// Href lists the tickets counted; Short those that fall short (the
	// late, the reopened), which a value that misses its target links to.
	Href, Short string
	ShortN      int64
}

// Link is where the value itself leads: the tickets that fall short when
// the value misses its target, else all it counts.
func (d dashCell) Link() string {
	if d.Short != "" && (d.Status == kpi.Red || d.Status == kpi.Amber) {
		return d.Short
	}
	return d.Href
}

// dashRow is a figure across the columns.
type dashRow struct {
	Figure kpi.Figure
	Name   string
	Cells  []dashCell
}

// dashChart is a figure's twelve months as an inline SVG line chart.
type dashChart struct {
	Figure                 kpi.Figure
	Name                   string
	Now, Prev, Target      string
	Status                 kpi.Status
	Link                   string
	Points                 string // the polyline's "x,y x,y"
	Dots                   []dashDot
	TargetY                float64
	HasTarget              bool
	First, Last, Top, Base string // axis labels
}

type dashDot struct {
	X, Y  float64
	Title string
}

// dashHot is a hot spot's line.
type dashHot struct {
	Name, Href string
	N, Prev    int64
	Change     string
	Up         bool
}

// dashView is the dashboard as the templates show it.
type dashView struct {
	Month, PrevMonth string
	Columns          []string
	Rows             []dashRow
	Charts           []dashChart
	Categories       []dashHot
	Buildings        []dashHot
}

// Chart geometry: a viewBox a phone at 390 px shows whole, the text kept
// large enough to read there.
const (
	chartW, chartH        = 320.0, 120.0
	chartLeft, chartRight = 8.0, 8.0
	chartTop, chartBottom = 12.0, 22.0
)

// dashView turns a dashboard into what the page shows, every figure with
// its links to the queue.
func (s *Server) dashView(c *fiber.Ctx, d *kpiDashboard, estateID *uuid.UUID) *dashView {
	lang, t := langOf(c), tenantOf(c)
	base := "/t/" + t.Slug + "/"
	month := d.Board.Month
	m, _ := kpi.ParseMonth(month)
	v := &dashView{Month: month, PrevMonth: m.Add(-1).String()}
	name := func(f kpi.Figure) string { return s.Catalog.T(lang, "kpidash.figure."+string(f), nil) }
	queue := func(dr kpi.Drill, estateID *uuid.UUID) string {
		if dr == "" {
			return ""
		}
		q := url.Values{"kpi": {string(dr)}, "month": {month}}
		if estateID != nil {
			q.Set("estate", estateID.String())
		}
		return base + "tickets?" + q.Encode()
	}
	show := func(val kpi.Value) string {
		out := val.String()
		if val.Unit == kpi.Minutes && val.Has {
			out = s.Catalog.T(lang, "kpidash.minutes", map[string]any{"N": out})
		}
		return out
	}
	target := func(f kpi.Figure, tg *int64) string {
		if tg == nil {
			return ""
		}
		op := "≥"
		if !f.HigherBetter() {
			op = "≤"
		}
		return op + " " + show(kpi.Value{Figure: f, Unit: f.Unit(), Has: true, Value: *tg})
	}
	cols := append([]kpi.Column{d.Board.Total}, d.Board.Estates...)
	for i, col := range cols {
		if i == 0 {
			v.Columns = append(v.Columns, s.Catalog.T(lang, "kpidash.total", nil))
		} else {
			v.Columns = append(v.Columns, col.Name)
		}
	}
	for fi, f := range kpi.Figures() {
		row := dashRow{Figure: f, Name: name(f)}
		all, short := f.Drills()
		for _, col := range cols {
			val, prev := col.Values[fi], col.Previous[fi]
			cell := dashCell{Value: show(val), Prev: show(prev), Target: target(f, val.Target), Status: val.Status,
				Href: queue(all, col.EstateID), Short: queue(short, col.EstateID), ShortN: val.Den - val.Num}
			if (f == kpi.Collection || f == kpi.Recovery) && col.EstateID != nil {
				cell.Href = base + "fees/rates?estate=" + col.EstateID.String() + "&period=" + month
			}
			row.Cells = append(row.Cells, cell)
		}
		v.Rows = append(v.Rows, row)
	}
	// The charts are of the first column: the total, or the one estate;
	// the total of one estate is that estate's, and its links say so.
	if estateID == nil && len(d.Board.Estates) == 1 {
		estateID = d.Board.Estates[0].EstateID
	}
	for _, se := range d.Trend.Series {
		ch := s.chart(se, d.Trend.Months)
		ch.Name = name(se.Figure)
		last := se.Values[len(se.Values)-1]
		ch.Now, ch.Prev, ch.Status, ch.Target = show(last), show(se.Values[len(se.Values)-2]), last.Status, target(se.Figure, se.Target)
		all, short := se.Figure.Drills()
		ch.Link = dashCell{Status: last.Status, Href: queue(all, estateID), Short: queue(short, estateID)}.Link()
		v.Charts = append(v.Charts, ch)
	}
	from, to := m.Bounds(t.Location())
	for _, h := range d.Hot.Categories {
		q := url.Values{"category": {h.ID.String()}, "from": {from.In(t.Location()).Format("2006-01-02")},
			"to": {to.In(t.Location()).AddDate(0, 0, -1).Format("2006-01-02")}}
		v.Categories = append(v.Categories, s.hotLine(h, base+"tickets?"+q.Encode()))
	}
	for _, h := range d.Hot.Buildings {
		v.Buildings = append(v.Buildings, s.hotLine(h, base+"buildings/"+h.ID.String()))
	}
	return v
}

func (s *Server) hotLine(h kpi.Hot, href string) dashHot {
	l := dashHot{Name: h.Name, Href: href, N: h.N, Prev: h.Prev, Up: h.N > h.Prev}
	switch {
	case h.Prev == 0:
		l.Change = "—"
	default:
		pct := (h.N - h.Prev) * 100 / h.Prev
		l.Change = fmt.Sprintf("%+d%%", pct)
	}
	return l
}

// chart lays out a series: months left to right, the values scaled
// between the lowest and highest of them and the target.
func (s *Server) chart(se kpi.Series, months []string) dashChart {
	ch := dashChart{Figure: se.Figure, First: months[0], Last: months[len(months)-1]}
	lo, hi, any := int64(0), int64(0), false
	seen := func(x int64) {
		if !any || x < lo {
			lo = x
		}
		if !any || x > hi {
			hi = x
		}
		any = true
	}
	for _, v := range se.Values {
		if v.Has {
			seen(v.Value)
		}
	}
	if se.Target != nil && any {
		seen(*se.Target)
	}
	if !any {
		return ch
	}
	if hi == lo {
		hi, lo = hi+1, max(lo-1, 0)
	}
	step := (chartW - chartLeft - chartRight) / float64(len(months)-1)
	y := func(x int64) float64 {
		return chartTop + (chartH-chartTop-chartBottom)*float64(hi-x)/float64(hi-lo)
	}
	var pts []string
	for i, v := range se.Values {
		if !v.Has {
			continue
		}
		x := chartLeft + step*float64(i)
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y(v.Value)))
		ch.Dots = append(ch.Dots, dashDot{X: x, Y: y(v.Value), Title: months[i] + " " + kpi.Format(v.Unit, v.Value, true)})
	}
	ch.Points = strings.Join(pts, " ")
	if se.Target != nil {
		ch.HasTarget, ch.TargetY = true, y(*se.Target)
	}
	ch.Top, ch.Base = kpi.Format(se.Unit, hi, true), kpi.Format(se.Unit, lo, true)
	return ch
}
