package report

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/kpi"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// Data is a report's content as computed when it was generated; the
// archive keeps it (JSON), and the PDF and XLSX are drawn from it.
type Data struct {
	Company string `json:"company"`
	// Estate is the estate's name; "" for the company's report.
	Estate string `json:"estate"`
	Month  string `json:"month"`
	// Figures is the month's figures of the company (all its estates) or
	// the estate, with the month before's and the targets.
	Figures kpi.Column `json:"figures"`
	// Estates side by side, for the company's report.
	Estates []kpi.Column `json:"estates"`
	// Trend is the twelve months up to the report's, oldest first.
	Trend      []TrendPoint `json:"trend"`
	Categories []Hot        `json:"categories"`
	Buildings  []Hot        `json:"buildings"`
	Majors     []Major      `json:"majors"`
	Verbatims  []Verbatim   `json:"verbatims"`
	// Fees is 收缴率 and 清欠率 by estate; for an estate's report its one row.
	Fees []FeeRow `json:"fees"`
}

// TrendPoint is one month's figures of the trend.
type TrendPoint struct {
	Month  string      `json:"month"`
	Counts kpi.Counts  `json:"counts"`
	Values []kpi.Value `json:"values"`
}

// Value finds a figure of the month.
func (p TrendPoint) Value(f kpi.Figure) kpi.Value {
	for _, v := range p.Values {
		if v.Figure == f {
			return v
		}
	}
	return kpi.Value{Figure: f, Unit: f.Unit()}
}

// Hot is a category or building (with its estate's name) and its
// requests this month and last.
type Hot struct {
	Name string `json:"name"`
	N    int64  `json:"n"`
	Prev int64  `json:"prev"`
}

// Major is a 重大投诉 received in the month.
type Major struct {
	ID          uuid.UUID `json:"id"`
	Number      string    `json:"number"`
	Estate      string    `json:"estate"`
	Category    string    `json:"category"`
	Status      string    `json:"status"`
	Received    string    `json:"received"`
	Description string    `json:"description"`
}

// Verbatim is what a dissatisfied owner said on a call-back of the month.
type Verbatim struct {
	TicketID uuid.UUID `json:"ticket_id"`
	Number   string    `json:"number"`
	Estate   string    `json:"estate"`
	At       string    `json:"at"`
	Overall  int       `json:"overall"`
	Speed    int       `json:"speed"`
	Attitude int       `json:"attitude"`
	Comment  string    `json:"comment"`
}

// FeeRow is an estate's collection in the month (fee.CollectionRates).
type FeeRow struct {
	Estate        string    `json:"estate"`
	ReceivableFen int64     `json:"receivable_fen"`
	CollectedFen  int64     `json:"collected_fen"`
	ArrearsFen    int64     `json:"arrears_fen"`
	RecoveredFen  int64     `json:"recovered_fen"`
	Collection    kpi.Value `json:"collection"`
	Recovery      kpi.Value `json:"recovery"`
}

// Limits of the lists: a report is read, not searched.
const (
	topN         = 10
	maxMajors    = 50
	maxVerbatims = 100
	descLen      = 200
)

// TrendMonths is how many months the trend covers.
const TrendMonths = kpi.TrendMonths

// compute gathers a report's content: the figures from kpi's rollups (its
// Board), the lists from the tickets of the month.
func (s *Service) compute(ctx context.Context, t *tenant.Tenant, scope estate.Scope, estateID *uuid.UUID, m kpi.Month) (*Data, error) {
	month := m.String()
	b, err := s.kpis.Board(ctx, t, scope, month, estateID)
	if err != nil {
		return nil, err
	}
	d := &Data{Company: t.Name, Month: month, Figures: b.Total, Estates: b.Estates}
	if estateID != nil {
		d.Estate = b.Estates[0].Name
		d.Figures = b.Estates[0]
		d.Figures.Name = d.Estate
		d.Estates = nil
	}
	// The trend is kpi's (the rollups, without the fee figures, which the
	// fee module computes a month and an estate at a time: the fee table
	// has this month's and last).
	tr, err := s.kpis.Trend(ctx, t, scope, month, estateID)
	if err != nil {
		return nil, err
	}
	d.Trend = make([]TrendPoint, len(tr.Months))
	for i, mm := range tr.Months {
		d.Trend[i].Month = mm
		for _, se := range tr.Series {
			if i < len(se.Values) {
				d.Trend[i].Values = append(d.Trend[i].Values, se.Values[i])
			}
		}
	}
	hot, err := s.kpis.HotSpots(ctx, t, scope, month, estateID, topN)
	if err != nil {
		return nil, err
	}
	d.Categories, d.Buildings = hots(hot.Categories), hots(hot.Buildings)
	for _, c := range b.Estates {
		col, rec := c.Value(kpi.Collection), c.Value(kpi.Recovery)
		d.Fees = append(d.Fees, FeeRow{Estate: c.Name, ReceivableFen: col.Den, CollectedFen: col.Num, ArrearsFen: rec.Den, RecoveredFen: rec.Num,
			Collection: col, Recovery: rec})
	}
	ids := make([]uuid.UUID, len(b.Estates))
	names := map[uuid.UUID]string{}
	for i, c := range b.Estates {
		ids[i] = *c.EstateID
		names[*c.EstateID] = c.Name
	}
	if len(ids) == 0 {
		return d, nil
	}
	loc := t.Location()
	from, to := m.Bounds(loc)
	err = s.db.ReadTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if d.Majors, err = majors(ctx, tx, t.ID, ids, from, to, loc, names); err != nil {
			return err
		}
		if d.Verbatims, err = verbatims(ctx, tx, t.ID, ids, from, to, loc, names); err != nil {
			return err
		}
		return trendCounts(ctx, tx, t.ID, ids, d.Trend, m.Add(1).String()+"-01")
	})
	if err != nil {
		return nil, database.Normalize(err)
	}
	return d, nil
}

// trendCounts fills the trend's monthly counts (requests received,
// complaints) for the bar chart, from the daily rollups in one query:
// kpi's trend has the figures, not the counts.
func trendCounts(ctx context.Context, tx bun.Tx, tenantID uuid.UUID, ids []uuid.UUID, trend []TrendPoint, endDay string) error {
	var rows []struct {
		Month      string `bun:"month"`
		Received   int64  `bun:"received"`
		Complaints int64  `bun:"complaints"`
		Majors     int64  `bun:"majors"`
		Completed  int64  `bun:"completed"`
	}
	err := tx.NewSelect().TableExpr("kpi_daily").
		ColumnExpr("substr(day, 1, 7) AS month, sum(received) AS received, sum(complaints) AS complaints, sum(majors) AS majors, sum(completed) AS completed").
		Where("tenant_id = ? AND estate_id IN (?) AND day >= ? AND day < ?", tenantID, bun.In(ids), trend[0].Month+"-01", endDay).
		GroupExpr("substr(day, 1, 7)").Scan(ctx, &rows)
	for _, r := range rows {
		for i := range trend {
			if trend[i].Month == r.Month {
				trend[i].Counts = kpi.Counts{Received: r.Received, Complaints: r.Complaints, Majors: r.Majors, Completed: r.Completed}
			}
		}
	}
	return err
}

// hots are kpi's hot spots as the report keeps them.
func hots(hs []kpi.Hot) []Hot {
	out := make([]Hot, len(hs))
	for i, h := range hs {
		out[i] = Hot{Name: h.Name, N: h.N, Prev: h.Prev}
	}
	return out
}

// majors are the 重大投诉 received in the month, oldest first.
func majors(ctx context.Context, tx bun.Tx, tenantID uuid.UUID, ids []uuid.UUID, from, to time.Time, loc *time.Location, estates map[uuid.UUID]string) ([]Major, error) {
	var rows []struct {
		ID          uuid.UUID `bun:"id"`
		Number      string    `bun:"number"`
		EstateID    uuid.UUID `bun:"estate_id"`
		Category    string    `bun:"category"`
		Status      string    `bun:"status"`
		CreatedAt   time.Time `bun:"created_at"`
		Description string    `bun:"description"`
	}
	err := tx.NewSelect().TableExpr("tickets AS t").
		ColumnExpr("t.id, t.number, t.estate_id, coalesce(c.name, '') AS category, t.status, t.created_at, t.description").
		Join("LEFT JOIN ticket_categories AS c ON c.tenant_id = t.tenant_id AND c.id = t.category_id").
		Where("t.tenant_id = ? AND t.estate_id IN (?) AND t.major AND t.created_at >= ? AND t.created_at < ?", tenantID, bun.In(ids), from, to).
		OrderExpr("t.created_at, t.number").Limit(maxMajors).Scan(ctx, &rows)
	out := make([]Major, 0, len(rows))
	for _, r := range rows {
		out = append(out, Major{ID: r.ID, Number: r.Number, Estate: estates[r.EstateID], Category: r.Category, Status: r.Status,
			Received: r.CreatedAt.In(loc).Format("2006-01-02 15:04"), Description: cut(r.Description, descLen)})
	}
	return out, err
}

// verbatims are the call-backs of the month that reached an owner who was
// not satisfied (overall below kpi.Satisfied), lowest score first.
func verbatims(ctx context.Context, tx bun.Tx, tenantID uuid.UUID, ids []uuid.UUID, from, to time.Time, loc *time.Location, estates map[uuid.UUID]string) ([]Verbatim, error) {
	var rows []struct {
		TicketID uuid.UUID `bun:"ticket_id"`
		Number   string    `bun:"number"`
		EstateID uuid.UUID `bun:"estate_id"`
		At       time.Time `bun:"at"`
		Overall  int       `bun:"overall"`
		Speed    int       `bun:"speed"`
		Attitude int       `bun:"attitude"`
		Comment  string    `bun:"comment"`
	}
	err := tx.NewSelect().TableExpr("ticket_callbacks AS cb").
		ColumnExpr("cb.ticket_id, t.number, t.estate_id, cb.at, cb.overall, cb.speed, cb.attitude, cb.comment").
		Join("JOIN tickets AS t ON t.tenant_id = cb.tenant_id AND t.id = cb.ticket_id").
		Where("cb.tenant_id = ? AND t.estate_id IN (?) AND cb.reached AND cb.overall > 0 AND cb.overall < ? AND cb.at >= ? AND cb.at < ?",
			tenantID, bun.In(ids), kpi.Satisfied, from, to).
		OrderExpr("cb.overall, cb.at, t.number").Limit(maxVerbatims).Scan(ctx, &rows)
	out := make([]Verbatim, 0, len(rows))
	for _, r := range rows {
		out = append(out, Verbatim{TicketID: r.TicketID, Number: r.Number, Estate: estates[r.EstateID], At: r.At.In(loc).Format("2006-01-02 15:04"),
			Overall: r.Overall, Speed: r.Speed, Attitude: r.Attitude, Comment: cut(r.Comment, descLen)})
	}
	return out, err
}

// cut shortens s to n runes with an ellipsis.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
