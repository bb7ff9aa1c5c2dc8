package server

import (
	"bufio"
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"

	"github.com/estatedesk/estatedesk/internal/ticket"
)

// maxExportRows bounds one export; a bigger list is cut with a note on
// the last line, and the filters narrow it.
const maxExportRows = 100_000

// exportColumns are the export's columns, by their header's message ID.
var exportColumns = []string{
	"queue.col.number", "queue.col.received", "queue.col.estate", "queue.col.unit", "queue.col.caller", "queue.col.phone",
	"queue.col.type", "queue.col.category", "queue.col.priority", "queue.col.channel", "queue.col.status", "queue.col.major",
	"queue.col.team", "queue.col.assignee", "queue.col.resolve_due", "queue.col.completed_at", "queue.col.breached",
	"queue.col.callback", "queue.col.satisfaction", "queue.col.text",
}

// exportSheet receives the rows of an export: CSV or XLSX.
type exportSheet interface {
	header(cells []string) error
	row(r *ticket.Row, texts []string, times [2]*time.Time) error
	note(text string) error
	close() error
}

// ticketExport: the whole filtered list as CSV (UTF-8 with a byte-order
// mark, which Excel needs for Chinese) or XLSX, headers in the reader's
// language and times in the company's zone. The first page is read before
// anything is sent, so a bad filter is still a proper error; the rest is
// read page by page while the file streams out.
func (s *Server) ticketExport(c *fiber.Ctx) error {
	ctx, t := c.UserContext(), tenantOf(c)
	a, err := s.ticketActor(c)
	if err != nil {
		return err
	}
	f, _, err := s.queueFilter(c, a.Scope)
	if err != nil {
		return err
	}
	f.Limit = ticket.MaxPage
	first, err := s.Tickets.List(ctx, t.ID, a, f)
	if err != nil {
		return err
	}
	lang, loc := langOf(c), t.Location()
	tr := func(id string) string { return s.Catalog.T(lang, id, nil) }
	xlsx := strings.HasSuffix(c.Path(), ".xlsx")
	ext := ".csv"
	if xlsx {
		ext = ".xlsx"
		c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	} else {
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	}
	importDownload(c, tr("queue.export.file")+"-"+time.Now().In(loc).Format(time.DateOnly)+ext)
	headers := make([]string, len(exportColumns))
	for i, id := range exportColumns {
		headers[i] = tr(id)
	}
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		var sheet exportSheet
		if xlsx {
			sheet = newXLSXSheet(w, tr("queue.export.sheet"), loc)
		} else {
			sheet = newCSVSheet(w, loc)
		}
		if err := s.writeExport(ctx, sheet, headers, first, func(cursor string) (*ticket.Page, error) {
			f.Cursor = cursor
			return s.Tickets.List(ctx, t.ID, a, f)
		}, lang); err != nil {
			// The status has gone out; the file ends short, and the log
			// says why.
			s.Log.ErrorContext(ctx, "ticket export failed", "err", err, "tenant", t.Slug)
		}
		_ = w.Flush()
	})
	return nil
}

// writeExport pages through the list into the sheet, up to the cap.
func (s *Server) writeExport(ctx context.Context, sheet exportSheet, headers []string, page *ticket.Page,
	next func(cursor string) (*ticket.Page, error), lang string) error {
	tr := func(id string) string { return s.Catalog.T(lang, id, nil) }
	yes, no := tr("queue.yes"), tr("queue.no")
	flag := func(b bool) string {
		if b {
			return yes
		}
		return no
	}
	if err := sheet.header(headers); err != nil {
		return err
	}
	n := 0
	for {
		for i := range page.Rows {
			if n == maxExportRows {
				if err := sheet.note(s.Catalog.T(lang, "queue.export.cut", map[string]any{"Max": s.Catalog.Number(lang, maxExportRows)})); err != nil {
					return err
				}
				return sheet.close()
			}
			r := &page.Rows[i]
			callback := ""
			if r.CallbackState != "" {
				callback = tr("queue.callback." + r.CallbackState)
			}
			satisfaction := ""
			if r.Satisfaction > 0 {
				satisfaction = strconv.Itoa(r.Satisfaction)
			}
			texts := []string{
				r.Number, "", r.Estate, r.UnitCode, r.Caller, r.CallerPhone,
				tr("queue.type." + string(r.Type)), r.Category, tr("queue.priority." + string(r.Priority)),
				channelName(tr, r.Channel), tr("queue.status." + string(r.Status)), flag(r.Major),
				r.Team, r.Assignee, "", "", flag(r.Breached), callback, satisfaction, r.Description,
			}
			if err := sheet.row(r, texts, [2]*time.Time{r.ResolveDue, r.CompletedAt}); err != nil {
				return err
			}
			n++
		}
		if page.Next == "" {
			return sheet.close()
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		var err error
		if page, err = next(page.Next); err != nil {
			return err
		}
	}
}

// channelName names a channel; tickets of old imports may have none.
func channelName(tr func(string) string, ch ticket.Channel) string {
	if ch == ticket.Unknown {
		return ""
	}
	return tr("queue.channel." + string(ch))
}

// Column positions the sheets fill with times.
const (
	colReceived     = 1
	colResolveDue   = 14
	colCompleted    = 15
	colSatisfaction = 18
)

// csvSheet writes CSV: times as text to the minute in the company's zone,
// free text kept from running as a formula.
type csvSheet struct {
	w   *csv.Writer
	loc *time.Location
}

func newCSVSheet(w io.Writer, loc *time.Location) *csvSheet {
	_, _ = io.WriteString(w, "\uFEFF")
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return &csvSheet{w: cw, loc: loc}
}

func (cs *csvSheet) header(cells []string) error { return cs.w.Write(cells) }

func (cs *csvSheet) row(r *ticket.Row, texts []string, times [2]*time.Time) error {
	when := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(cs.loc).Format("2006-01-02 15:04")
	}
	texts[colReceived] = when(&r.CreatedAt)
	texts[colResolveDue] = when(times[0])
	texts[colCompleted] = when(times[1])
	for i, v := range texts {
		texts[i] = sheetSafe(v)
	}
	return cs.w.Write(texts)
}

func (cs *csvSheet) note(text string) error { return cs.w.Write([]string{text}) }

func (cs *csvSheet) close() error {
	cs.w.Flush()
	return cs.w.Error()
}

// xlsxSheet writes a workbook through excelize's stream writer, which
// keeps big sheets in a temporary file rather than in memory; times are
// real dates in the company's zone.
type xlsxSheet struct {
	out   io.Writer
	f     *excelize.File
	sw    *excelize.StreamWriter
	loc   *time.Location
	stamp int
	bold  int
	rowN  int
	err   error
}

func newXLSXSheet(out io.Writer, name string, loc *time.Location) *xlsxSheet {
	x := &xlsxSheet{out: out, f: excelize.NewFile(), loc: loc}
	if x.err = x.f.SetSheetName("Sheet1", name); x.err != nil {
		return x
	}
	if x.sw, x.err = x.f.NewStreamWriter(name); x.err != nil {
		return x
	}
	if x.stamp, x.err = x.f.NewStyle(&excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd hh:mm")}); x.err != nil {
		return x
	}
	x.bold, x.err = x.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	return x
}

func ptr[T any](v T) *T { return &v }

func (x *xlsxSheet) put(values []any) error {
	if x.err != nil {
		return x.err
	}
	x.rowN++
	cell, err := excelize.CoordinatesToCellName(1, x.rowN)
	if err != nil {
		return err
	}
	return x.sw.SetRow(cell, values)
}

func (x *xlsxSheet) header(cells []string) error {
	if x.err != nil {
		return x.err
	}
	if err := x.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	values := make([]any, len(cells))
	for i, h := range cells {
		values[i] = excelize.Cell{StyleID: x.bold, Value: h}
	}
	return x.put(values)
}

func (x *xlsxSheet) row(r *ticket.Row, texts []string, times [2]*time.Time) error {
	values := make([]any, len(texts))
	for i, v := range texts {
		values[i] = v
	}
	// Excel has no time zones: the wall clock of the company's zone is
	// what its staff expect to read.
	when := func(t *time.Time) any {
		if t == nil {
			return ""
		}
		local := t.In(x.loc)
		wall := time.Date(local.Year(), local.Month(), local.Day(), local.Hour(), local.Minute(), local.Second(), 0, time.UTC)
		return excelize.Cell{StyleID: x.stamp, Value: wall}
	}
	values[colReceived] = when(&r.CreatedAt)
	values[colResolveDue] = when(times[0])
	values[colCompleted] = when(times[1])
	if r.Satisfaction > 0 {
		values[colSatisfaction] = r.Satisfaction
	}
	return x.put(values)
}

func (x *xlsxSheet) note(text string) error { return x.put([]any{text}) }

func (x *xlsxSheet) close() error {
	if x.err != nil {
		return x.err
	}
	defer x.f.Close()
	if err := x.sw.Flush(); err != nil {
		return err
	}
	_, err := x.f.WriteTo(x.out)
	return err
}
