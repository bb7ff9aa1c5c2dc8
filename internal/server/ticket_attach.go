package server

import (
	"io"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/ticket"
)

// ticketAttach stores photos or files on a ticket (multipart "files", one
// or more, and an optional "note"): the worker's before and after photos,
// a scanned letter.
func (s *Server) ticketAttach(c *fiber.Ctx) error {
	id, err := pathUUID(c, "ticket")
	if err != nil {
		return err
	}
	a, err := s.ticketActor(c)
	if err != nil {
		return err
	}
	ups, closeAll, err := uploadsOf(c)
	if err != nil {
		return err
	}
	defer closeAll()
	if len(ups) == 0 {
		return s.ticketRefused(c, id, errNoFiles, "Attach", nil)
	}
	ups[0].Note = c.FormValue("note")
	as, err := s.Tickets.Attach(c.UserContext(), tenantOf(c), a, id, ups)
	if err != nil {
		return s.ticketRefused(c, id, err, "Attach", nil)
	}
	return s.done(c, ticketPath(c, id)+"#attachments", "ticket.done.attach", fiber.StatusCreated, as)
}

// uploadsOf opens the files of a multipart request's "files" fields (or
// "file"); a browser sends an empty part when none was chosen, which is
// skipped. closeAll closes what was opened.
func uploadsOf(c *fiber.Ctx) (ups []ticket.Upload, closeAll func(), err error) {
	var opened []io.Closer
	closeAll = func() {
		for _, f := range opened {
			f.Close()
		}
	}
	if !strings.HasPrefix(string(c.Request().Header.ContentType()), fiber.MIMEMultipartForm) {
		return nil, closeAll, nil
	}
	form, err := c.MultipartForm()
	if err != nil {
		return nil, closeAll, errBadRequest
	}
	for _, field := range []string{"files", "file"} {
		for _, fh := range form.File[field] {
			if fh.Size == 0 && fh.Filename == "" {
				continue
			}
			f, err := fh.Open()
			if err != nil {
				closeAll()
				return nil, func() {}, err
			}
			opened = append(opened, f)
			ups = append(ups, ticket.Upload{Filename: strings.Clone(fh.Filename), Body: f})
		}
	}
	return ups, closeAll, nil
}
