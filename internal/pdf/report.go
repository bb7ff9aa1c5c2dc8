package pdf

import (
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/estatedesk/estatedesk/internal/fee"
	"github.com/estatedesk/estatedesk/internal/kpi"
	"github.com/estatedesk/estatedesk/internal/report"
)

// ReportMeta is what a monthly report's PDF says besides its content.
type ReportMeta struct {
	// Generated is when the figures were computed, in the company's time.
	Generated  string
	Commentary string
	// Author is who wrote the commentary.
	Author string
}

// statusColors are a figure's colours against its target, as fills.
var statusColors = map[kpi.Status][3]int{
	kpi.Green: {198, 239, 206}, kpi.Amber: {255, 235, 156}, kpi.Red: {255, 199, 206},
}

// trendFigures are the figures the report draws twelve months of.
var trendFigures = []kpi.Figure{kpi.Satisfaction, kpi.MinorOnTime, kpi.ComplaintOnTime, kpi.CallbackRate}

// RenderReport writes a monthly report (月度分析报告) on A4 sheets: the
// figures against their targets, the estates side by side (the company's
// report), twelve-month trends drawn as charts, hot spots, the 重大投诉,
// the dissatisfied owners' words and the fees collected.
func RenderReport(w io.Writer, d *report.Data, meta ReportMeta, tr T) error {
	doc := newDoc("P", "A4")
	const full = 180.0
	doc.SetFooterFunc(func() {
		doc.SetY(-12)
		doc.setSize(8)
		doc.cell(full, 5, tr("pdf.statement.page", map[string]any{"N": doc.PageNo(), "Total": "{nb}"}), "C", "", false)
	})
	doc.AddPage()
	doc.setSize(12)
	doc.cell(full, 7, d.Company, "C", "", false)
	doc.Ln(8)
	doc.setSize(18)
	doc.cell(full, 10, tr("report.pdf.title", nil), "C", "", false)
	doc.Ln(11)
	doc.setSize(11)
	subject := d.Estate
	if subject == "" {
		subject = tr("report.company_wide", nil)
	}
	doc.cell(full, 6, tr("report.pdf.subtitle", map[string]any{"Subject": subject, "Month": d.Month}), "C", "", false)
	doc.Ln(6)
	doc.setSize(8)
	doc.cell(full, 5, tr("report.pdf.generated", map[string]any{"At": meta.Generated}), "C", "", false)
	doc.Ln(8)
	doc.setSize(10)

	if meta.Commentary != "" {
		doc.heading(full, tr("report.commentary", nil))
		doc.para(full, 5.5, meta.Commentary, "L")
		if meta.Author != "" {
			doc.cell(full, 5.5, "— "+meta.Author, "R", "", false)
			doc.Ln(5.5)
		}
		doc.Ln(3)
	}

	doc.heading(full, tr("report.section.figures", nil))
	figs := []col{{62, "L"}, {28, "R"}, {28, "R"}, {32, "R"}, {30, "C"}}
	doc.row(figs, []string{tr("report.col.figure", nil), tr("report.col.this_month", nil), tr("report.col.last_month", nil),
		tr("report.col.target", nil), tr("report.col.status", nil)}, 7, true)
	for i, v := range d.Figures.Values {
		prev := kpi.Value{Unit: v.Unit}
		if i < len(d.Figures.Previous) {
			prev = d.Figures.Previous[i]
		}
		target := "—"
		if v.Target != nil {
			target = targetText(v.Figure, *v.Target, tr)
		}
		vals := []string{tr("report.figure."+string(v.Figure), nil), valueText(v, tr), valueText(prev, tr), target, ""}
		for j := range 4 {
			doc.cell(figs[j].w, 6.5, vals[j], figs[j].align, "1", false)
		}
		doc.statusCell(figs[4].w, 6.5, v.Status, tr)
		doc.Ln(6.5)
	}
	doc.Ln(5)

	if len(d.Estates) > 0 {
		doc.heading(full, tr("report.section.estates", nil))
		side := []kpi.Figure{kpi.Satisfaction, kpi.MinorOnTime, kpi.ComplaintOnTime, kpi.Majors, kpi.Collection}
		cols := []col{{40, "L"}}
		head := []string{tr("report.col.estate", nil)}
		for _, f := range side {
			cols = append(cols, col{28, "R"})
			head = append(head, tr("report.figure."+string(f), nil))
		}
		doc.setSize(9)
		doc.row(cols, head, 7, true)
		for _, e := range d.Estates {
			doc.cell(cols[0].w, 6.5, e.Name, "L", "1", false)
			for i, f := range side {
				v := e.Value(f)
				doc.fillStatus(v.Status)
				doc.cell(cols[i+1].w, 6.5, valueText(v, tr), "R", "1", v.Status != kpi.NoData)
			}
			doc.Ln(6.5)
		}
		doc.setSize(10)
		doc.Ln(5)
	}

	// The trends: a bar chart of requests, then a line chart per figure,
	// two to a row.
	doc.AddPage()
	doc.heading(full, tr("report.section.trends", map[string]any{"N": report.TrendMonths}))
	labels := make([]string, len(d.Trend))
	received, complaints := make([]float64, len(d.Trend)), make([]float64, len(d.Trend))
	for i, p := range d.Trend {
		labels[i] = p.Month[5:]
		received[i], complaints[i] = float64(p.Counts.Received), float64(p.Counts.Complaints)
	}
	y := doc.GetY()
	doc.barChart(15, y, full, 55, tr("report.chart.requests", nil), labels, received, complaints,
		tr("report.chart.received", nil), tr("report.chart.complaints", nil))
	y += 62
	for i, f := range trendFigures {
		vals, has := make([]float64, len(d.Trend)), make([]bool, len(d.Trend))
		var target *float64
		for j, p := range d.Trend {
			v := p.Value(f)
			vals[j], has[j] = float64(v.Value)/100, v.Has
			if v.Target != nil {
				t := float64(*v.Target) / 100
				target = &t
			}
		}
		x := 15 + float64(i%2)*(full/2+2)
		doc.lineChart(x, y+float64(i/2)*62, full/2-2, 55, tr("report.figure."+string(f), nil)+" (%)", labels, vals, has, target)
	}
	doc.SetY(y + 2*62)

	doc.heading(full, tr("report.section.hot", nil))
	cats := []col{{120, "L"}, {30, "R"}, {30, "R"}}
	doc.row(cats, []string{tr("report.col.category", nil), tr("report.col.this_month", nil), tr("report.col.last_month", nil)}, 7, true)
	for _, h := range d.Categories {
		doc.row(cats, []string{h.Name, strconv.FormatInt(h.N, 10), strconv.FormatInt(h.Prev, 10)}, 6.5, false)
	}
	doc.none(full, len(d.Categories), tr)
	doc.Ln(3)
	doc.row(cats, []string{tr("report.col.building", nil), tr("report.col.this_month", nil), tr("report.col.last_month", nil)}, 7, true)
	for _, h := range d.Buildings {
		doc.row(cats, []string{h.Name, strconv.FormatInt(h.N, 10), strconv.FormatInt(h.Prev, 10)}, 6.5, false)
	}
	doc.none(full, len(d.Buildings), tr)
	doc.Ln(5)

	doc.heading(full, tr("report.section.majors", map[string]any{"N": len(d.Majors)}))
	for _, m := range d.Majors {
		doc.setSize(9)
		doc.SetFillColor(235, 235, 235)
		doc.cell(full, 6, fmt.Sprintf("%s · %s · %s · %s · %s", m.Number, m.Received, m.Estate, m.Category, tr("ticket.state."+m.Status, nil)), "L", "1", true)
		doc.Ln(6)
		doc.para(full, 5, m.Description, "L")
		doc.setSize(10)
		doc.Ln(1)
	}
	doc.none(full, len(d.Majors), tr)
	doc.Ln(5)

	doc.heading(full, tr("report.section.verbatims", map[string]any{"N": len(d.Verbatims)}))
	for _, v := range d.Verbatims {
		doc.setSize(9)
		doc.SetFillColor(235, 235, 235)
		doc.cell(full, 6, tr("report.verbatim.head", map[string]any{"Number": v.Number, "At": v.At, "Estate": v.Estate,
			"Overall": v.Overall, "Speed": v.Speed, "Attitude": v.Attitude}), "L", "1", true)
		doc.Ln(6)
		c := v.Comment
		if c == "" {
			c = tr("report.verbatim.no_comment", nil)
		}
		doc.para(full, 5, "“"+c+"”", "L")
		doc.setSize(10)
		doc.Ln(1)
	}
	doc.none(full, len(d.Verbatims), tr)
	doc.Ln(5)

	doc.heading(full, tr("report.section.fees", nil))
	fees := []col{{36, "L"}, {28, "R"}, {28, "R"}, {22, "R"}, {24, "R"}, {22, "R"}, {20, "R"}}
	doc.setSize(9)
	doc.row(fees, []string{tr("report.col.estate", nil), tr("report.col.receivable", nil), tr("report.col.collected", nil), tr("report.figure.collection", nil),
		tr("report.col.arrears", nil), tr("report.col.recovered", nil), tr("report.figure.recovery", nil)}, 7, true)
	for _, f := range d.Fees {
		doc.row(fees, []string{f.Estate, fee.Format(f.ReceivableFen), fee.Format(f.CollectedFen), valueText(f.Collection, tr),
			fee.Format(f.ArrearsFen), fee.Format(f.RecoveredFen), valueText(f.Recovery, tr)}, 6.5, false)
	}
	doc.none(full, len(d.Fees), tr)
	return doc.Output(w)
}

// valueText is a value as the report prints it: minutes with their unit.
func valueText(v kpi.Value, tr T) string {
	s := v.String()
	if v.Has && v.Unit == kpi.Minutes {
		return tr("report.minutes", map[string]any{"N": s})
	}
	return s
}

// targetText is a target with the way it is met: "≥ 95.00%", "≤ 0".
func targetText(f kpi.Figure, target int64, tr T) string {
	op := "≤ "
	if f.HigherBetter() {
		op = "≥ "
	}
	return op + valueText(kpi.Value{Unit: f.Unit(), Has: true, Value: target}, tr)
}

// fillStatus sets the fill of a status's colour.
func (d *doc) fillStatus(s kpi.Status) {
	if c, ok := statusColors[s]; ok {
		d.SetFillColor(c[0], c[1], c[2])
	}
}

// statusCell writes a status in its colour, "—" without one.
func (d *doc) statusCell(w, h float64, s kpi.Status, tr T) {
	if s == kpi.NoData {
		d.cell(w, h, "—", "C", "1", false)
		return
	}
	d.fillStatus(s)
	d.cell(w, h, tr("report.status."+string(s), nil), "C", "1", true)
}

// none writes "none" across a table that has no rows.
func (d *doc) none(w float64, n int, tr T) {
	if n == 0 {
		d.cell(w, 6.5, tr("report.none", nil), "C", "1", false)
		d.Ln(6.5)
	}
}

// chartFrame draws a chart's title, its plot area's horizontal grid with
// the axis's values from lo to hi, and the month labels; it returns the
// plot area.
func (d *doc) chartFrame(x, y, w, h float64, title string, labels []string, lo, hi float64, ticks int) (px, py, pw, ph float64) {
	saved := d.size
	d.setSize(9)
	d.text(x, y+4, title)
	px, py, pw, ph = x+12, y+8, w-14, h-16
	d.setSize(7)
	d.SetLineWidth(0.1)
	d.SetDrawColor(200, 200, 200)
	for i := 0; i <= ticks; i++ {
		v := lo + (hi-lo)*float64(i)/float64(ticks)
		gy := py + ph - ph*float64(i)/float64(ticks)
		d.Line(px, gy, px+pw, gy)
		s := strconv.FormatFloat(v, 'f', -1, 64)
		d.text(px-1.5-d.width(s), gy+1, s)
	}
	step := pw / float64(len(labels))
	for i, l := range labels {
		d.text(px+step*(float64(i)+0.5)-d.width(l)/2, py+ph+4, l)
	}
	d.SetDrawColor(0, 0, 0)
	d.setSize(saved)
	return
}

// barChart draws two series of counts as paired bars, with a legend.
func (d *doc) barChart(x, y, w, h float64, title string, labels []string, a, b []float64, aName, bName string) {
	hi := niceCeil(max(slicesMax(a), slicesMax(b), 1))
	px, py, pw, ph := d.chartFrame(x, y, w, h, title, labels, 0, hi, 4)
	step := pw / float64(len(labels))
	bw := step * 0.35
	colors := [2][3]int{{70, 130, 180}, {230, 120, 60}}
	for i := range labels {
		for k, v := range []float64{a[i], b[i]} {
			bh := ph * v / hi
			c := colors[k]
			d.SetFillColor(c[0], c[1], c[2])
			d.Rect(px+step*float64(i)+step*0.15+bw*float64(k), py+ph-bh, bw, bh, "F")
		}
	}
	saved := d.size
	d.setSize(7)
	lx := x + w - 50
	for k, name := range []string{aName, bName} {
		c := colors[k]
		d.SetFillColor(c[0], c[1], c[2])
		d.Rect(lx+float64(k)*25, y+1.5, 3, 3, "F")
		d.text(lx+float64(k)*25+4, y+4, name)
	}
	d.setSize(saved)
}

// lineChart draws a percentage over the months, gaps where there is no
// value, and the target as a dashed red line.
func (d *doc) lineChart(x, y, w, h float64, title string, labels []string, vals []float64, has []bool, target *float64) {
	lo := 100.0
	for i, v := range vals {
		if has[i] {
			lo = min(lo, v)
		}
	}
	if target != nil {
		lo = min(lo, *target)
	}
	// The axis starts at a round step below every value, so small
	// differences near 100% stay visible, with gridlines at round values.
	hi, step := 100.0, 20.0
	switch {
	case lo >= 81:
		step = 5
	case lo >= 51:
		step = 10
	}
	lo = max(0, math.Floor((lo-0.5)/step)*step)
	px, py, pw, ph := d.chartFrame(x, y, w, h, title, labels, lo, hi, int((hi-lo)/step))
	yOf := func(v float64) float64 { return py + ph - ph*(v-lo)/(hi-lo) }
	slot := pw / float64(len(labels))
	if target != nil {
		d.SetDrawColor(200, 0, 0)
		d.SetLineWidth(0.3)
		d.SetDashPattern([]float64{1.2, 0.8}, 0)
		d.Line(px, yOf(*target), px+pw, yOf(*target))
		d.SetDashPattern([]float64{}, 0)
	}
	d.SetDrawColor(70, 130, 180)
	d.SetFillColor(70, 130, 180)
	d.SetLineWidth(0.5)
	for i := range vals {
		if !has[i] {
			continue
		}
		cx, cy := px+slot*(float64(i)+0.5), yOf(vals[i])
		if i > 0 && has[i-1] {
			d.Line(px+slot*(float64(i)-0.5), yOf(vals[i-1]), cx, cy)
		}
		d.Circle(cx, cy, 0.8, "F")
	}
	d.SetDrawColor(0, 0, 0)
	d.SetLineWidth(0.2)
	if last := len(vals) - 1; last >= 0 && has[last] {
		saved := d.size
		d.setSize(7)
		s := strconv.FormatFloat(vals[last], 'f', 2, 64) + "%"
		d.text(x+w-d.width(s)-1, y+4, s)
		d.setSize(saved)
	}
}

func slicesMax(vs []float64) float64 {
	m := 0.0
	for _, v := range vs {
		m = max(m, v)
	}
	return m
}

// niceCeil rounds up to 1, 2 or 5 times a power of ten, for an axis.
func niceCeil(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}
