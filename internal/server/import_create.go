package server

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/estate/importer"
)

// importCreate takes an uploaded file (multipart field "file", with
// "existing_buildings" to refuse unknown buildings) and queues its dry
// run; the browser goes to the import's page to watch it.
func (s *Server) importCreate(c *fiber.Ctx) error {
	estateID, err := pathUUID(c, "estate")
	if err != nil {
		return err
	}
	fh, err := c.FormFile("file")
	if errors.Is(err, http.ErrMissingFile) || errors.Is(err, fiber.ErrUnprocessableEntity) || fh == nil {
		return importer.ErrNoFile
	} else if err != nil {
		return errBadRequest
	}
	if fh.Size > importer.MaxFileBytes {
		return importer.ErrTooLarge
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	content, err := io.ReadAll(io.LimitReader(f, importer.MaxFileBytes+1))
	f.Close()
	if err != nil {
		return err
	}
	sc, err := s.scope(c)
	if err != nil {
		return err
	}
	opts := importer.Options{ExistingBuildings: importFlag(c.FormValue("existing_buildings"))}
	im, err := s.Imports.Upload(c.UserContext(), tenantOf(c), sc, estateID, importer.Upload{
		Filename: strings.Clone(fh.Filename), Content: content, Options: opts, Lang: langOf(c), UserID: userOf(c).ID})
	if err != nil {
		return err
	}
	c.Location(importPath(c, im.ID))
	if isAPI(c) {
		c.Location("/api/v1" + importPath(c, im.ID))
	}
	return s.done(c, importPath(c, im.ID), "import.uploaded", fiber.StatusAccepted, s.importView(c, im))
}

// importFlag reads a checkbox or a JSON-ish form value.
func importFlag(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "on", "yes":
		return true
	}
	return false
}
