package portal

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/resident"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// maxDescription bounds what a resident writes (the ticket takes 4000).
const maxDescription = 1000

// reportForm is the report page: the resident's units, the types, the
// company's categories (two levels).
func (p *Portal) reportForm(c *fiber.Ctx) error {
	return p.renderReport(c, http.StatusOK, map[string]any{})
}

func (p *Portal) renderReport(c *fiber.Ctx, status int, data map[string]any) error {
	s := sessionOf(c)
	homes, err := p.Residents.Homes(c.UserContext(), tenantOf(c), s.Phone)
	if err != nil {
		return err
	}
	cats, err := p.Residents.Categories(c.UserContext(), tenantOf(c))
	if err != nil {
		return err
	}
	data["Homes"], data["Categories"], data["Types"], data["MaxPhotos"] = homes, cats, ticket.Types(), resident.MaxPhotos
	if data["Key"] == nil {
		data["Key"] = uuid.NewString()
	}
	c.Status(status)
	return p.render(c, "report", "portal.report.title", data)
}

// reportCreate puts the report in the center's queue and shows it.
func (p *Portal) reportCreate(c *fiber.Ctx) error {
	s := sessionOf(c)
	form := map[string]any{"Unit": c.FormValue("unit"), "Type": c.FormValue("type"), "Category": c.FormValue("category"),
		"Description": c.FormValue("description"), "Preferred": c.FormValue("preferred_time"), "Key": c.FormValue("key")}
	fail := func(msg string) error {
		form["Error"] = msg
		return p.renderReport(c, http.StatusUnprocessableEntity, form)
	}
	unit, err := uuid.Parse(c.FormValue("unit"))
	if err != nil {
		return fail("portal.report.error.unit")
	}
	r := resident.Report{UnitID: unit, Type: ticket.Type(c.FormValue("type")), Description: strings.TrimSpace(c.FormValue("description")),
		PreferredTime: strings.TrimSpace(c.FormValue("preferred_time")), Key: c.FormValue("key")}
	if !r.Type.Valid() {
		return fail("portal.report.error.type")
	}
	if v := c.FormValue("category"); v != "" {
		id, err := uuid.Parse(v)
		if err != nil {
			return fail("portal.report.error.category")
		}
		r.CategoryID = &id
	}
	if n := utf8.RuneCountInString(r.Description); n == 0 || n > maxDescription {
		return fail("portal.report.error.what")
	}
	if utf8.RuneCountInString(r.PreferredTime) > ticket.MaxPreferredLen || len(r.Key) > 64 {
		return fail("portal.report.error.preferred")
	}
	if mf, err := c.MultipartForm(); err == nil {
		if r.Photos, err = photos(mf.File["photos"]); err != nil {
			return fail("portal.report.error.photos")
		}
	}
	tk, err := p.Residents.Report(c.UserContext(), tenantOf(c), s.Phone, langOf(c), r)
	switch {
	case errors.Is(err, database.ErrNotFound):
		return errNotFound
	case errors.Is(err, ticket.ErrInvalidCategory):
		return fail("portal.report.error.category")
	case errors.Is(err, ticket.ErrAttachmentType), errors.Is(err, ticket.ErrAttachmentSize), errors.Is(err, ticket.ErrTooManyAttachments):
		if tk != nil {
			// The request is in; only its photos were refused.
			return c.Redirect(base(c)+"requests/"+tk.ID.String(), fiber.StatusSeeOther)
		}
		return fail("portal.report.error.photos")
	case err != nil:
		return err
	}
	return c.Redirect(base(c)+"requests/"+tk.ID.String(), fiber.StatusSeeOther)
}

// photos reads the uploaded photos: at most MaxPhotos, each an image by
// its content (the ticket service checks the type and size again).
func photos(files []*multipart.FileHeader) ([]ticket.Upload, error) {
	if len(files) > resident.MaxPhotos {
		return nil, ticket.ErrTooManyAttachments
	}
	var out []ticket.Upload
	for _, fh := range files {
		if fh.Size == 0 {
			continue // an empty file input
		}
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		head := make([]byte, 512)
		n, _ := io.ReadFull(f, head)
		if !strings.HasPrefix(http.DetectContentType(head[:n]), "image/") {
			f.Close()
			return nil, ticket.ErrAttachmentType
		}
		// The body is read by Attach before the handler returns; Fiber
		// removes the temporary files afterwards.
		out = append(out, ticket.Upload{Filename: fh.Filename, Body: io.MultiReader(bytes.NewReader(head[:n]), f)})
	}
	return out, nil
}
