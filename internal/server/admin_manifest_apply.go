package server

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/manifest"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// errManifest wraps a manifest that does not parse or does not apply; its
// text is shown to the platform admin, who wrote it.
type errManifest struct{ err error }

func (e *errManifest) Error() string               { return e.err.Error() }
func (e *errManifest) Unwrap() error               { return e.err }
func (e *errManifest) MessageData() map[string]any { return map[string]any{"Detail": e.err.Error()} }

var errSlugMismatch = errors.New("manifest names another company")

// adminManifestApply previews (dry run) or applies a manifest to one
// tenant: the console's way to onboard estates. The manifest must name this
// tenant's slug, so a pasted file cannot change another company.
func (s *Server) adminManifestApply(c *fiber.Ctx) error {
	id, err := pathUUID(c, "id")
	if err != nil {
		return err
	}
	t, err := tenant.ByID(c.UserContext(), s.DB.Reader(), id)
	if err != nil {
		return err
	}
	var in struct {
		Manifest string `json:"manifest" form:"manifest"`
		DryRun   bool   `json:"dry_run" form:"dry_run"`
	}
	if err := parse(c, &in); err != nil {
		return err
	}
	if fh, ferr := c.FormFile("file"); ferr == nil && fh.Size > 0 {
		if fh.Size > 1<<20 {
			return fiber.ErrRequestEntityTooLarge
		}
		f, err := fh.Open()
		if err != nil {
			return err
		}
		defer f.Close()
		var b strings.Builder
		buf := make([]byte, 32<<10)
		for {
			n, rerr := f.Read(buf)
			b.Write(buf[:n])
			if rerr != nil {
				break
			}
		}
		in.Manifest = b.String()
	}
	res, err := s.applyManifest(c, t, in.Manifest, in.DryRun)
	if err != nil {
		if isAPI(c) {
			return err
		}
		_, code := classify(err)
		return s.adminTenantPage(c.Status(fiber.StatusUnprocessableEntity), t, map[string]any{
			"Manifest": in.Manifest, "ManifestError": s.Catalog.T(langOf(c), "error."+code, errorData(err))})
	}
	if isAPI(c) {
		return c.JSON(fiber.Map{"dry_run": in.DryRun, "changes": res.Changes, "invitation_links": res.Links})
	}
	return s.adminTenantPage(c, t, map[string]any{"Manifest": in.Manifest, "Result": res, "DryRun": in.DryRun})
}

func (s *Server) applyManifest(c *fiber.Ctx, t *tenant.Tenant, text string, dryRun bool) (*manifest.Result, error) {
	m, err := manifest.Parse([]byte(text))
	if err != nil {
		return nil, &errManifest{err}
	}
	if !strings.EqualFold(strings.TrimSpace(m.Company.Slug), t.Slug) {
		return nil, errSlugMismatch
	}
	res, err := s.Manifests.Apply(c.UserContext(), m, manifest.Options{DryRun: dryRun})
	s.tenants.forget(t.Slug)
	if err != nil {
		if status, _ := classify(err); status >= 500 {
			return nil, &errManifest{err}
		}
		return nil, err
	}
	return res, nil
}

func errorData(err error) map[string]any {
	var md interface{ MessageData() map[string]any }
	if errors.As(err, &md) {
		return md.MessageData()
	}
	return nil
}
