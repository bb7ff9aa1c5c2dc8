package server

import (
	"bufio"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/fee"
)

// feeArrearsExport: the filtered arrears list, every unit, as XLSX with
// the amounts in yuan as numbers and the headers in the reader's
// language. The first page is read before anything is sent, so a bad
// filter is still a proper error.
func (s *Server) feeArrearsExport(c *fiber.Ctx) error {
	_, est, q, err := s.feeArrearsFilter(c)
	if err != nil {
		return err
	}
	if est == nil {
		return database.ErrNotFound
	}
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	ctx, t := c.UserContext(), tenantOf(c)
	const page = 500
	first, err := s.Fees.ArrearsByUnit(ctx, t, scope, q, "", page)
	if err != nil {
		return err
	}
	buildings, err := s.Estates.Buildings(ctx, t.ID, scope, est.ID)
	if err != nil {
		return err
	}
	names := map[uuid.UUID]string{}
	for _, b := range buildings {
		names[b.ID] = b.Name
	}
	lang, loc := langOf(c), t.Location()
	tr := func(id string) string { return s.Catalog.T(lang, id, nil) }
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	importDownload(c, tr("fee.arrears.file")+"-"+est.Name+"-"+time.Now().In(loc).Format(time.DateOnly)+".xlsx")
	headers := []string{tr("fee.col.unit"), tr("fee.col.building"), tr("dunning.col.owner"), tr("dunning.col.phone"), tr("fee.col.bills"), tr("fee.col.oldest_due")}
	for _, b := range fee.AgingBuckets {
		headers = append(headers, tr("fee.aging."+b))
	}
	headers = append(headers, tr("fee.col.total"))
	lookup := s.ownersLookup(c, scope)
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		x := newXLSXSheet(w, tr("fee.arrears.sheet"), loc)
		err := x.header(headers)
		rows := first
		for err == nil && len(rows) > 0 {
			var units []feeArrearsUnit
			if units, err = s.arrearsOwners(ctx, lookup, rows); err != nil {
				break
			}
			for _, r := range units {
				owners, phones := ownerCells(r.Owners)
				vals := []any{r.Code, names[r.BuildingID], owners, phones, r.Bills, r.OldestDue}
				for _, b := range r.Buckets {
					vals = append(vals, yuan(b))
				}
				if err = x.put(append(vals, yuan(r.TotalFen))); err != nil {
					break
				}
			}
			if err != nil || len(rows) < page {
				break
			}
			rows, err = s.Fees.ArrearsByUnit(ctx, t, scope, q, rows[len(rows)-1].Code, page)
		}
		if err == nil {
			err = x.close()
		}
		if err != nil {
			s.Log.ErrorContext(ctx, "arrears export", "err", err)
		}
		_ = w.Flush()
	})
	return nil
}

// ownerCells are a unit's owners and their phones as two cells: names
// joined by "、", phones by ", ".
func ownerCells(cs []estate.Contact) (string, string) {
	var names, phones []string
	for _, o := range cs {
		names = append(names, o.Name)
		phones = append(phones, o.Phones...)
	}
	return strings.Join(names, "、"), strings.Join(phones, ", ")
}

// yuan is an amount for a spreadsheet's number cell. Display only: the
// sums stay in fen.
func yuan(fen int64) float64 { return float64(fen) / 100 }
