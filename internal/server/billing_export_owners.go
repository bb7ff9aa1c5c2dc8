package server

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/estate"
)

// billingExportOwners: every owner, resident, family member and renter
// linked to a unit, past links included, with their phones.
func (s *Server) billingExportOwners(c *fiber.Ctx) error {
	ctx, t, lang := c.UserContext(), tenantOf(c), langOf(c)
	tr := func(id string) string { return s.Catalog.T(lang, id, nil) }
	return s.billingExport(c, "owners", []string{"estate", "building", "unit", "name", "relation", "phone", "email", "since", "until"},
		func(put func([]any) error) error {
			return s.Estates.ExportOwners(ctx, t.ID, func(o *estate.ExportOwner) error {
				return put([]any{o.Estate, o.Building, o.Code, o.Name, tr("relation." + string(o.Relation)),
					strings.Join(o.Phones, ", "), o.Email, o.From, o.To})
			})
		})
}
