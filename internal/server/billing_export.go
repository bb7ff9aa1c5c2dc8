package server

import (
	"bufio"
	"time"

	"github.com/gofiber/fiber/v2"
)

// billingExport streams one sheet of the company's data export (units,
// owners) as XLSX, headers in the reader's language. The export routes sit
// under /billing so that a suspended company's manager can still take the
// company's data (docs/billing.md); the tickets go out through
// ticketExport on the same path.
func (s *Server) billingExport(c *fiber.Ctx, what string, columns []string, fill func(put func([]any) error) error) error {
	ctx, t := c.UserContext(), tenantOf(c)
	lang, loc := langOf(c), t.Location()
	tr := func(id string) string { return s.Catalog.T(lang, id, nil) }
	headers := make([]string, len(columns))
	for i, id := range columns {
		headers[i] = tr("billing.export.col_" + id)
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	importDownload(c, t.Name+"-"+tr("billing.export."+what+"_file")+"-"+time.Now().In(loc).Format(time.DateOnly)+".xlsx")
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		x := newXLSXSheet(w, tr("billing.export."+what+"_file"), loc)
		err := x.header(headers)
		if err == nil {
			err = fill(x.put)
		}
		if err == nil {
			err = x.close()
		}
		if err != nil {
			// The status has gone out; the file ends short, and the log says why.
			s.Log.ErrorContext(ctx, "data export failed", "what", what, "err", err, "tenant", t.Slug)
		}
		_ = w.Flush()
	})
	return nil
}
