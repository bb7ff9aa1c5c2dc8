package report

import (
	"io"

	"github.com/xuri/excelize/v2"

	"github.com/estatedesk/estatedesk/internal/kpi"
)

// T translates a message ID with its data into the reader's language.
type T func(id string, data map[string]any) string

// WriteXLSX writes the report's tables as a workbook, one sheet each, for
// people who rework the numbers: values are numbers (rates in percent,
// amounts in yuan), headers in the reader's language, blank where a
// figure has nothing to count.
func WriteXLSX(w io.Writer, r *Report, tr T) error {
	d := r.Data
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	first := true
	sheet := func(id string, header []string, rows [][]any) error {
		name := tr(id, nil)
		if first {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return err
			}
			first = false
		} else if _, err := f.NewSheet(name); err != nil {
			return err
		}
		hdr := make([]any, len(header))
		for i, h := range header {
			hdr[i] = h
		}
		for i, row := range append([][]any{hdr}, rows...) {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow(name, cell, &row); err != nil {
				return err
			}
		}
		end, _ := excelize.CoordinatesToCellName(len(header), 1)
		if err := f.SetCellStyle(name, "A1", end, bold); err != nil {
			return err
		}
		last, _ := excelize.ColumnNumberToName(len(header))
		return f.SetColWidth(name, "A", last, 16)
	}
	h := func(id string) string { return tr(id, nil) }

	var figs [][]any
	for i, v := range d.Figures.Values {
		var prev kpi.Value
		if i < len(d.Figures.Previous) {
			prev = d.Figures.Previous[i]
		}
		var target any
		if v.Target != nil {
			target = number(kpi.Value{Unit: v.Unit, Has: true, Value: *v.Target})
		}
		status := ""
		if v.Status != kpi.NoData {
			status = h("report.status." + string(v.Status))
		}
		figs = append(figs, []any{h("report.figure." + string(v.Figure)), unitText(v.Unit, tr), number(v), number(prev), target, status})
	}
	if err := sheet("report.sheet.figures", []string{h("report.col.figure"), h("report.col.unit"), h("report.col.this_month"),
		h("report.col.last_month"), h("report.col.target"), h("report.col.status")}, figs); err != nil {
		return err
	}
	if len(d.Estates) > 0 {
		header := []string{h("report.col.estate")}
		for _, f := range kpi.Figures() {
			header = append(header, h("report.figure."+string(f)))
		}
		var rows [][]any
		for _, e := range d.Estates {
			row := []any{e.Name}
			for _, f := range kpi.Figures() {
				row = append(row, number(e.Value(f)))
			}
			rows = append(rows, row)
		}
		if err := sheet("report.sheet.estates", header, rows); err != nil {
			return err
		}
	}
	// The trend's figures are those of kpi's trend (not the fee ones).
	var trendFigs []kpi.Figure
	if len(d.Trend) > 0 {
		for _, v := range d.Trend[0].Values {
			trendFigs = append(trendFigs, v.Figure)
		}
	}
	header := []string{h("report.col.month"), h("report.chart.received"), h("report.chart.complaints")}
	for _, f := range trendFigs {
		header = append(header, h("report.figure."+string(f)))
	}
	var trend [][]any
	for _, p := range d.Trend {
		row := []any{p.Month, p.Counts.Received, p.Counts.Complaints}
		for _, f := range trendFigs {
			row = append(row, number(p.Value(f)))
		}
		trend = append(trend, row)
	}
	if err := sheet("report.sheet.trend", header, trend); err != nil {
		return err
	}
	var hot [][]any
	for _, c := range d.Categories {
		hot = append(hot, []any{h("report.col.category"), c.Name, c.N, c.Prev})
	}
	for _, b := range d.Buildings {
		hot = append(hot, []any{h("report.col.building"), b.Name, b.N, b.Prev})
	}
	if err := sheet("report.sheet.hot", []string{h("report.col.kind"), h("report.col.name"),
		h("report.col.this_month"), h("report.col.last_month")}, hot); err != nil {
		return err
	}
	var majors [][]any
	for _, m := range d.Majors {
		majors = append(majors, []any{m.Number, m.Received, m.Estate, m.Category, h("ticket.state." + m.Status), m.Description})
	}
	if err := sheet("report.sheet.majors", []string{h("report.col.number"), h("report.col.received"), h("report.col.estate"),
		h("report.col.category"), h("report.col.status"), h("report.col.content")}, majors); err != nil {
		return err
	}
	var verb [][]any
	for _, v := range d.Verbatims {
		verb = append(verb, []any{v.Number, v.At, v.Estate, v.Overall, v.Speed, v.Attitude, v.Comment})
	}
	if err := sheet("report.sheet.verbatims", []string{h("report.col.number"), h("report.col.called_at"), h("report.col.estate"),
		h("report.col.overall"), h("report.col.speed"), h("report.col.attitude"), h("report.col.comment")}, verb); err != nil {
		return err
	}
	var fees [][]any
	for _, r := range d.Fees {
		fees = append(fees, []any{r.Estate, yuan(r.ReceivableFen), yuan(r.CollectedFen), number(r.Collection),
			yuan(r.ArrearsFen), yuan(r.RecoveredFen), number(r.Recovery)})
	}
	if err := sheet("report.sheet.fees", []string{h("report.col.estate"), h("report.col.receivable"), h("report.col.collected"),
		h("report.figure.collection"), h("report.col.arrears"), h("report.col.recovered"), h("report.figure.recovery")}, fees); err != nil {
		return err
	}
	if r.Commentary != "" {
		if err := sheet("report.sheet.commentary", []string{h("report.commentary")}, [][]any{{r.Commentary}}); err != nil {
			return err
		}
	}
	return f.Write(w)
}

// number is a value for a number cell: rates in percent and complaints per
// 100 units as decimals, counts and minutes whole; nil (blank) without a
// value.
func number(v kpi.Value) any {
	if !v.Has {
		return nil
	}
	switch v.Unit {
	case kpi.BasisPoints, kpi.Hundredths:
		return float64(v.Value) / 100
	}
	return v.Value
}

// unitText names a figure's unit in its column.
func unitText(u kpi.Unit, tr T) string { return tr("report.unit."+string(u), nil) }

// yuan is an amount for a number cell. Display only: the sums stay in fen.
func yuan(fen int64) float64 { return float64(fen) / 100 }
