package manifest

import (
	"context"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// Export writes the manifest of an existing tenant: applying it to the same
// tenant changes nothing, and applying it elsewhere recreates the company
// (staff are invited anew). People living in units are data, not
// configuration, and are left out.
func (a *Applier) Export(ctx context.Context, slug string) (*Manifest, error) {
	t, err := tenant.BySlug(ctx, a.DB.Reader(), slug)
	if err != nil {
		return nil, err
	}
	m := &Manifest{Company: Company{Slug: t.Slug, Name: t.Name, Plan: t.Plan, TimeZone: t.TimeZone, Status: string(t.Status)}}
	estates, err := a.Estates.Visible(ctx, t.ID, all)
	if err != nil {
		return nil, err
	}
	names := map[uuid.UUID]string{}
	for _, e := range estates {
		names[e.ID] = e.Name
		me, err := a.exportEstate(ctx, t, e)
		if err != nil {
			return nil, err
		}
		m.Estates = append(m.Estates, *me)
	}
	members, err := a.Accounts.Members(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	estateNames := func(ids []uuid.UUID) []string {
		var out []string
		for _, id := range ids {
			if n, ok := names[id]; ok {
				out = append(out, n)
			}
		}
		slices.Sort(out)
		return out
	}
	for _, mb := range members {
		m.Staff = append(m.Staff, Staff{Email: mb.Email, Name: mb.Name, Roles: mb.Roles, Estates: estateNames(mb.EstateIDs)})
	}
	invitations, err := a.Accounts.Invitations(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	for _, inv := range invitations {
		m.Staff = append(m.Staff, Staff{Email: inv.Email, Name: inv.Name, Roles: inv.Roles(), Estates: estateNames(inv.EstateIDs())})
	}
	slices.SortFunc(m.Staff, func(x, y Staff) int { return strings.Compare(x.Email, y.Email) })
	return m, nil
}

func (a *Applier) exportEstate(ctx context.Context, t *tenant.Tenant, e estate.Estate) (*Estate, error) {
	d, err := a.Estates.GetEstate(ctx, t.ID, all, e.ID)
	if err != nil {
		return nil, err
	}
	out := &Estate{Name: e.Name, Address: e.Address, OfficePhone: e.OfficePhone}
	if !sameHours(e.BusinessHours, estate.DefaultHours()) {
		out.BusinessHours = hoursMap(e.BusinessHours)
	}
	for _, day := range d.Days {
		if day.Kind == estate.Holiday {
			out.Holidays = append(out.Holidays, Day{Day: day.Day, Name: day.Name})
		} else {
			out.Workdays = append(out.Workdays, Day{Day: day.Day, Name: day.Name})
		}
	}
	err = a.DB.ReadTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		buildings, err := estate.Buildings(ctx, tx, t.ID, e.ID, false)
		if err != nil {
			return err
		}
		for _, b := range buildings {
			var us []estate.Unit
			if err := tx.NewSelect().Model(&us).Where("tenant_id = ? AND building_id = ? AND archived_at IS NULL", t.ID, b.ID).Scan(ctx); err != nil {
				return err
			}
			ranges, rooms := compress(us)
			out.Buildings = append(out.Buildings, Building{Name: b.Name, Floors: b.Floors, Units: ranges, Rooms: rooms})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	teams, err := a.Teams.List(ctx, t.ID, all, e.ID)
	if err != nil {
		return nil, err
	}
	for _, tm := range teams {
		mt := Team{Kind: string(tm.Kind), Name: tm.Name}
		if tm.Leader != nil && tm.Leader.Active {
			mt.Leader = tm.Leader.Email
		}
		for _, p := range tm.Members {
			if p.Active {
				mt.Members = append(mt.Members, p.Email)
			}
		}
		out.Teams = append(out.Teams, mt)
	}
	return out, nil
}
