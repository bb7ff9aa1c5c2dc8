package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/estate"
)

// billingExportUnits: every unit of the company, archived ones included.
func (s *Server) billingExportUnits(c *fiber.Ctx) error {
	ctx, t, lang := c.UserContext(), tenantOf(c), langOf(c)
	tr := func(id string) string { return s.Catalog.T(lang, id, nil) }
	yes, no := tr("billing.export.flag_yes"), tr("billing.export.flag_no")
	return s.billingExport(c, "units", []string{"estate", "building", "unit", "floor", "kind", "area", "status", "archived"},
		func(put func([]any) error) error {
			return s.Estates.ExportUnits(ctx, t.ID, func(u *estate.ExportUnit) error {
				archived := no
				if u.Archived {
					archived = yes
				}
				return put([]any{u.Estate, u.Building, u.Code, u.Floor, tr("unit_kind." + string(u.Kind)), float64(u.Area) / 100,
					tr("unit_status." + string(u.Status)), archived})
			})
		})
}
