package server

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/manifest"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// adminEstateOnboard turns the console's estate form into a manifest and
// shows it with its dry run; the admin reviews the YAML and applies it with
// the manifest form. The form is a convenience: the manifest is the record.
func (s *Server) adminEstateOnboard(c *fiber.Ctx) error {
	id, err := pathUUID(c, "id")
	if err != nil {
		return err
	}
	t, err := tenant.ByID(c.UserContext(), s.DB.Reader(), id)
	if err != nil {
		return err
	}
	var in struct {
		Name        string `form:"name"`
		Address     string `form:"address"`
		OfficePhone string `form:"office_phone"`
		Buildings   string `form:"buildings"`
		Teams       bool   `form:"standard_teams"`
	}
	if err := parse(c, &in); err != nil {
		return err
	}
	e := manifest.Estate{Name: strings.TrimSpace(in.Name), Address: in.Address, OfficePhone: in.OfficePhone}
	// One building a line: NAME FLOORS UNITS-PER-FLOOR [ENTRANCES] [AREA],
	// e.g. "1 18 4" or "3 11 2 1,2 89.50".
	for _, line := range strings.Split(in.Buildings, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		b := manifest.Building{Name: f[0]}
		if len(f) >= 3 {
			floors, err1 := strconv.Atoi(f[1])
			per, err2 := strconv.Atoi(f[2])
			if err1 == nil && err2 == nil {
				b.Floors = floors
				r := manifest.UnitRange{Floors: "1-" + f[1], PerFloor: per}
				for _, extra := range f[3:] {
					if strings.Contains(extra, ".") {
						r.Area = extra
					} else {
						r.Entrances = strings.Split(extra, ",")
					}
				}
				b.Units = []manifest.UnitRange{r}
			}
		}
		e.Buildings = append(e.Buildings, b)
	}
	if in.Teams {
		e.Teams = []manifest.Team{{Kind: "security", Name: "安管班"}, {Kind: "cleaning", Name: "保洁班"},
			{Kind: "landscaping", Name: "绿化班"}, {Kind: "maintenance", Name: "维修班"}}
	}
	m := &manifest.Manifest{Company: manifest.Company{Slug: t.Slug}, Estates: []manifest.Estate{e}}
	text, err := manifest.Marshal(m)
	if err != nil {
		return err
	}
	res, err := s.applyManifest(c, t, string(text), true)
	data := map[string]any{"Manifest": string(text), "Result": res, "DryRun": true}
	if err != nil {
		_, code := classify(err)
		data = map[string]any{"Manifest": string(text), "ManifestError": s.Catalog.T(langOf(c), "error."+code, errorData(err))}
		c.Status(fiber.StatusUnprocessableEntity)
	}
	return s.adminTenantPage(c, t, data)
}
