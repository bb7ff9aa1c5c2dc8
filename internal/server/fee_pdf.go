package server

import (
	"bytes"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/pdf"
)

// What the fee PDFs share: the translator, the people named on them, the
// way they are sent.

// pdfT translates a PDF's words into the reader's language.
func (s *Server) pdfT(c *fiber.Ctx) pdf.T {
	lang := langOf(c)
	return func(id string, data map[string]any) string { return s.Catalog.T(lang, id, data) }
}

// pdfTime is an instant in a PDF's tables: the company's local minute.
func pdfTime(c *fiber.Ctx, t time.Time) string {
	return t.In(tenantOf(c).Location()).Format("2006-01-02 15:04")
}

// unitOwner is whom a unit's papers name: its current owner, else its
// first current occupant (the primary contact comes first); "" for
// nobody.
func unitOwner(d *estate.UnitDetail, today string) string {
	name := ""
	for _, o := range d.Occupants {
		if !o.Link.Current(today) || o.Person == nil {
			continue
		}
		if o.Link.Relation == estate.OwnerRel {
			return o.Person.Name
		}
		if name == "" {
			name = o.Person.Name
		}
	}
	return name
}

// sendPDF answers a rendered PDF, shown in the browser (to print) under a
// file name.
func sendPDF(c *fiber.Ctx, name string, render func(*bytes.Buffer) error) error {
	var b bytes.Buffer
	if err := render(&b); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	download(c, "inline", name+".pdf")
	return c.Send(b.Bytes())
}

// tenantDay is the company's today as YYYY-MM-DD, the form links' dates
// take.
func tenantDay(c *fiber.Ctx) string { return tenantToday(c).Format(time.DateOnly) }
