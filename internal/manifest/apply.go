package manifest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/account"
	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/estate/importer"
	"github.com/estatedesk/estatedesk/internal/team"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// Applier applies manifests.
type Applier struct {
	DB              *database.DB
	Accounts        *account.Service
	Estates         *estate.Service
	Teams           *team.Service
	Imports         *importer.Service
	DefaultTimeZone string
}

// Options change how a manifest is applied.
type Options struct {
	// DryRun reports the changes without making them.
	DryRun bool
	// Direct makes staff who already have an account members at once
	// instead of inviting them (the demo, and migrations of existing users).
	Direct bool
	// Dir is the directory estates' import files are relative to; empty
	// refuses import files (a manifest pasted into the console).
	Dir string
}

// Result lists what changed (or would change), one line each, in the
// order applied, plus the invitation links created.
type Result struct {
	Changes []string
	Links   map[string]string
}

// Apply brings the tenant of m in line with it. Every step is idempotent,
// so applying the same manifest twice changes nothing the second time, and
// an interrupted apply is finished by running it again.
func (a *Applier) Apply(ctx context.Context, m *Manifest, opts Options) (*Result, error) {
	// Changes is a list even when empty: an unchanged apply answers [].
	res := &Result{Changes: []string{}, Links: map[string]string{}}
	note := func(format string, args ...any) { res.Changes = append(res.Changes, fmt.Sprintf(format, args...)) }

	t, err := a.applyCompany(ctx, m.Company, opts, note)
	if err != nil {
		return nil, err
	}
	if t == nil { // dry run of a new company: everything below is new
		for _, e := range m.Estates {
			note("+ estate %q", e.Name)
			for _, b := range e.Buildings {
				us, err := units(b)
				if err != nil {
					return nil, fmt.Errorf("estate %q: %w", e.Name, err)
				}
				note("+ building %s/%s with %d unit(s)", e.Name, b.Name, len(us))
			}
			for _, tm := range e.Teams {
				note("+ team %s/%s", e.Name, tm.Name)
			}
		}
		for _, s := range m.Staff {
			note("+ invite %s as %s", s.Email, strings.Join(s.Roles, ","))
		}
		return res, nil
	}

	estates, err := a.applyEstates(ctx, t, m.Estates, opts, note)
	if err != nil {
		return nil, err
	}
	if err := a.applyStaff(ctx, t, m.Staff, estates, opts, note, res.Links); err != nil {
		return nil, err
	}
	for _, e := range m.Estates {
		id := estates[e.Name]
		if err := a.applyBuildings(ctx, t, e, id, opts, note); err != nil {
			return nil, fmt.Errorf("estate %q: %w", e.Name, err)
		}
		if err := a.applyImport(ctx, t, e, id, opts, note); err != nil {
			return nil, fmt.Errorf("estate %q: %w", e.Name, err)
		}
		if err := a.applyTeams(ctx, t, e, id, opts, note); err != nil {
			return nil, fmt.Errorf("estate %q: %w", e.Name, err)
		}
	}
	return res, nil
}

var all = estate.Scope{All: true}

func (a *Applier) applyBuildings(ctx context.Context, t *tenant.Tenant, e Estate, estateID uuid.UUID, opts Options, note func(string, ...any)) error {
	var have []estate.Building
	if estateID != uuid.Nil {
		err := a.DB.ReadTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
			var err error
			have, err = estate.Buildings(ctx, tx, t.ID, estateID, true)
			return err
		})
		if err != nil {
			return err
		}
	}
	for _, b := range e.Buildings {
		us, err := units(b)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(have, func(x estate.Building) bool { return x.Name == b.Name })
		if i < 0 {
			note("+ building %s/%s with %d unit(s)", e.Name, b.Name, len(us))
			if opts.DryRun {
				continue
			}
			nb, err := a.Estates.CreateBuilding(ctx, t.ID, all, estateID, estate.BuildingInput{Name: b.Name, Floors: b.Floors})
			if err != nil {
				return fmt.Errorf("building %s: %w", b.Name, err)
			}
			if _, err := a.Estates.AddUnitList(ctx, t, all, nb.ID, us, false); err != nil {
				return fmt.Errorf("building %s: %w", b.Name, err)
			}
			continue
		}
		n, err := a.Estates.AddUnitList(ctx, t, all, have[i].ID, us, opts.DryRun)
		if err != nil {
			return fmt.Errorf("building %s: %w", b.Name, err)
		}
		if n > 0 {
			note("+ %d unit(s) in building %s/%s", n, e.Name, b.Name)
		}
	}
	return nil
}

func (a *Applier) applyTeams(ctx context.Context, t *tenant.Tenant, e Estate, estateID uuid.UUID, opts Options, note func(string, ...any)) error {
	if len(e.Teams) == 0 {
		return nil
	}
	var have []team.Team
	if estateID != uuid.Nil {
		var err error
		if have, err = a.Teams.List(ctx, t.ID, all, estateID); err != nil {
			return err
		}
	}
	members, err := a.Accounts.Members(ctx, t.ID)
	if err != nil {
		return err
	}
	userOf := func(email string) (*uuid.UUID, bool) {
		if email == "" {
			return nil, true
		}
		email, _ = account.NormalizeEmail(email)
		for _, m := range members {
			if m.Email == email {
				return &m.UserID, true
			}
		}
		return nil, false
	}
	for _, want := range e.Teams {
		kind := team.Kind(want.Kind)
		if !kind.Valid() {
			return fmt.Errorf("team %s: unknown kind %q", want.Name, want.Kind)
		}
		leader, ok := userOf(want.Leader)
		if !ok {
			// Not a member yet (an invitation is pending): the next apply
			// after they join completes the team.
			note("~ team %s/%s: leader %s is not a member yet", e.Name, want.Name, want.Leader)
		}
		var memberIDs []uuid.UUID
		for _, m := range want.Members {
			if id, ok := userOf(m); ok {
				memberIDs = append(memberIDs, *id)
			} else {
				note("~ team %s/%s: %s is not a member yet", e.Name, want.Name, m)
			}
		}
		i := slices.IndexFunc(have, func(x team.Team) bool { return x.Name == want.Name })
		if i < 0 {
			note("+ team %s/%s", e.Name, want.Name)
			if opts.DryRun {
				continue
			}
			tm, err := a.Teams.Create(ctx, t.ID, all, estateID, kind, want.Name, leader)
			if err != nil {
				return fmt.Errorf("team %s: %w", want.Name, err)
			}
			if len(memberIDs) > 0 {
				if _, err := a.Teams.SetMembers(ctx, t.ID, all, estateID, tm.ID, memberIDs); err != nil {
					return fmt.Errorf("team %s: %w", want.Name, err)
				}
			}
			continue
		}
		cur := have[i]
		if cur.Kind != kind || !sameID(cur.LeaderID, leader) {
			note("~ team %s/%s: kind %s, leader %s", e.Name, want.Name, kind, want.Leader)
			if !opts.DryRun {
				if _, err := a.Teams.Update(ctx, t.ID, all, estateID, cur.ID, team.Changes{Kind: kind, Name: cur.Name, LeaderID: leader}); err != nil {
					return fmt.Errorf("team %s: %w", want.Name, err)
				}
			}
		}
		var curIDs []uuid.UUID
		for _, m := range cur.Members {
			if m.Active {
				curIDs = append(curIDs, m.UserID)
			}
		}
		if !sameIDs(curIDs, memberIDs) {
			note("~ team %s/%s: members %s", e.Name, want.Name, strings.Join(want.Members, ","))
			if !opts.DryRun {
				if _, err := a.Teams.SetMembers(ctx, t.ID, all, estateID, cur.ID, memberIDs); err != nil {
					return fmt.Errorf("team %s: %w", want.Name, err)
				}
			}
		}
	}
	return nil
}

// applyImport brings in the estate's import file with the bulk importer:
// checked first, applied only when it would change something, so that
// applying the manifest again changes nothing.
func (a *Applier) applyImport(ctx context.Context, t *tenant.Tenant, e Estate, estateID uuid.UUID, opts Options, note func(string, ...any)) error {
	if e.Import == "" {
		return nil
	}
	if opts.Dir == "" {
		return fmt.Errorf("import %q: import files are read by the command line only", e.Import)
	}
	content, err := os.ReadFile(filepath.Join(opts.Dir, e.Import))
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if estateID == uuid.Nil { // dry run of a new estate
		note("+ import %s into %s", e.Import, e.Name)
		return nil
	}
	run := importer.Run{Filename: filepath.Base(e.Import), Content: content, DryRun: true, Lang: "en"}
	res, err := a.Imports.Run(ctx, t, estateID, run)
	if err != nil {
		return fmt.Errorf("import %s: %w", e.Import, err)
	}
	if n := res.Report.Count(); n > 0 {
		first := res.Report.Problems[0]
		return fmt.Errorf("import %s: %d problem(s), the first on row %d (%s: %s); run `estatedesk estates import` for the full report",
			e.Import, n, first.Row, first.Column, first.Code)
	}
	if !res.Summary.Changes() {
		return nil
	}
	s := res.Summary
	note("+ import %s into %s: %d new unit(s), %d updated, %d new people", e.Import, e.Name, s.UnitsNew, s.UnitsUpdated, s.PeopleNew)
	if opts.DryRun {
		return nil
	}
	run.DryRun = false
	_, err = a.Imports.Run(ctx, t, estateID, run)
	return err
}

func sameID(a, b *uuid.UUID) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

func sameIDs(a, b []uuid.UUID) bool {
	key := func(ids []uuid.UUID) []string {
		out := make([]string, len(ids))
		for i, id := range ids {
			out[i] = id.String()
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(key(a), key(b))
}

func (a *Applier) applyCompany(ctx context.Context, c Company, opts Options, note func(string, ...any)) (*tenant.Tenant, error) {
	t, err := tenant.BySlug(ctx, a.DB.Reader(), strings.ToLower(strings.TrimSpace(c.Slug)))
	if errors.Is(err, database.ErrNotFound) {
		if c.TimeZone == "" {
			c.TimeZone = a.DefaultTimeZone
		}
		want, err := tenant.New(c.Slug, c.Name, c.Plan, c.TimeZone, tenant.Status(c.Status))
		if err != nil {
			return nil, fmt.Errorf("company %q: %w", c.Slug, err)
		}
		note("+ company %s %q (plan %s, %s, %s)", want.Slug, want.Name, want.Plan, want.TimeZone, want.Status)
		if opts.DryRun {
			return nil, nil
		}
		return want, a.DB.InPlatform(ctx, func(ctx context.Context, tx bun.Tx) error { return tenant.Insert(ctx, tx, want) })
	}
	if err != nil {
		return nil, err
	}
	// For an existing company only the fields the manifest names change, so
	// that a manifest that only adds an estate needs nothing but the slug.
	next := *t
	set := func(have *string, want string) {
		if want != "" {
			*have = want
		}
	}
	set(&next.Name, c.Name)
	set(&next.Plan, c.Plan)
	set(&next.TimeZone, c.TimeZone)
	if c.Status != "" {
		next.Status = tenant.Status(c.Status)
	}
	if _, err := tenant.New(next.Slug, next.Name, next.Plan, next.TimeZone, next.Status); err != nil {
		return nil, fmt.Errorf("company %q: %w", c.Slug, err)
	}
	changed := false
	field := func(name, have, want string) {
		if have != want {
			note("~ company %s: %s %q → %q", t.Slug, name, have, want)
			changed = true
		}
	}
	field("name", t.Name, next.Name)
	field("plan", t.Plan, next.Plan)
	field("time_zone", t.TimeZone, next.TimeZone)
	field("status", string(t.Status), string(next.Status))
	if changed && !opts.DryRun {
		if err := tenant.Update(ctx, a.DB.Bun, &next); err != nil {
			return nil, err
		}
	}
	return &next, nil
}

func (a *Applier) applyEstates(ctx context.Context, t *tenant.Tenant, want []Estate, opts Options, note func(string, ...any)) (map[string]uuid.UUID, error) {
	ids := map[string]uuid.UUID{}
	var have []estate.Estate
	err := a.DB.ReadTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		have, err = estate.List(ctx, tx, t.ID, true)
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, e := range have {
		ids[e.Name] = e.ID
	}
	for _, e := range want {
		h, err := hours(e.BusinessHours)
		if err != nil {
			return nil, fmt.Errorf("estate %q: %w", e.Name, err)
		}
		in := estate.EstateInput{Name: e.Name, Address: e.Address, OfficePhone: e.OfficePhone, BusinessHours: h}
		days := calendarDays(e)
		id, exists := ids[e.Name]
		if !exists {
			note("+ estate %q", e.Name)
			if opts.DryRun {
				ids[e.Name] = uuid.Nil
				continue
			}
			created, err := a.Estates.CreateEstate(ctx, t, in)
			if err != nil {
				return nil, fmt.Errorf("estate %q: %w", e.Name, err)
			}
			ids[e.Name] = created.ID
			if len(days) > 0 {
				if err := a.Estates.SetCalendar(ctx, t.ID, all, created.ID, h, days); err != nil {
					return nil, fmt.Errorf("estate %q: %w", e.Name, err)
				}
			}
			continue
		}
		d, err := a.Estates.GetEstate(ctx, t.ID, all, id)
		if err != nil {
			return nil, err
		}
		cur := d.Estate
		if cur.Address != e.Address || cur.OfficePhone != e.OfficePhone {
			note("~ estate %q: address %q, office phone %q", e.Name, e.Address, e.OfficePhone)
			if !opts.DryRun {
				in.BusinessHours = cur.BusinessHours
				if _, err := a.Estates.UpdateEstate(ctx, t.ID, all, id, in); err != nil {
					return nil, fmt.Errorf("estate %q: %w", e.Name, err)
				}
			}
		}
		if !sameHours(cur.BusinessHours, h) || !sameDays(d.Days, days) {
			note("~ estate %q: business hours and calendar", e.Name)
			if !opts.DryRun {
				if err := a.Estates.SetCalendar(ctx, t.ID, all, id, h, days); err != nil {
					return nil, fmt.Errorf("estate %q: %w", e.Name, err)
				}
			}
		}
	}
	return ids, nil
}

func (a *Applier) applyStaff(ctx context.Context, t *tenant.Tenant, want []Staff, estates map[string]uuid.UUID, opts Options,
	note func(string, ...any), links map[string]string) error {
	members, err := a.Accounts.Members(ctx, t.ID)
	if err != nil {
		return err
	}
	byEmail := map[string]account.Member{}
	for _, m := range members {
		byEmail[m.Email] = m
	}
	pending, err := a.Accounts.Invitations(ctx, t.ID)
	if err != nil {
		return err
	}
	invited := map[string]account.Invitation{}
	for _, inv := range pending {
		invited[inv.Email] = inv
	}
	for _, s := range want {
		email, err := account.NormalizeEmail(s.Email)
		if err != nil {
			return fmt.Errorf("staff %q: %w", s.Email, err)
		}
		access := account.Access{Roles: slices.Sorted(slices.Values(s.Roles))}
		for _, name := range s.Estates {
			id, ok := estates[name]
			if !ok {
				return fmt.Errorf("staff %s: unknown estate %q", email, name)
			}
			access.EstateIDs = append(access.EstateIDs, id)
		}
		if m, ok := byEmail[email]; ok {
			if sameAccess(m.Roles, m.EstateIDs, access) {
				continue
			}
			note("~ staff %s: roles %s, estates %s", email, strings.Join(access.Roles, ","), strings.Join(s.Estates, ","))
			if !opts.DryRun {
				if err := a.Accounts.SetAccess(ctx, t.ID, m.UserID, access); err != nil {
					return fmt.Errorf("staff %s: %w", email, err)
				}
			}
			continue
		}
		if inv, ok := invited[email]; ok && sameAccess(inv.Roles(), inv.EstateIDs(), access) {
			continue
		}
		if opts.Direct {
			u, err := a.Accounts.UserByEmail(ctx, email)
			if err == nil {
				note("+ staff %s as %s", email, strings.Join(access.Roles, ","))
				if !opts.DryRun {
					if err := a.Accounts.AddMember(ctx, t.ID, u.ID, access); err != nil {
						return fmt.Errorf("staff %s: %w", email, err)
					}
				}
				continue
			} else if !errors.Is(err, database.ErrNotFound) {
				return err
			}
		}
		note("+ invite %s as %s", email, strings.Join(access.Roles, ","))
		if opts.DryRun {
			continue
		}
		_, link, err := a.Accounts.Invite(ctx, t, account.InviteRequest{Email: email, Name: s.Name, Access: access})
		if err != nil {
			return fmt.Errorf("staff %s: %w", email, err)
		}
		links[email] = link
	}
	return nil
}

func sameAccess(roles []string, estates []uuid.UUID, want account.Access) bool {
	if !slices.Equal(slices.Sorted(slices.Values(roles)), want.Roles) {
		return false
	}
	key := func(ids []uuid.UUID) []string {
		out := make([]string, len(ids))
		for i, id := range ids {
			out[i] = id.String()
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(key(estates), key(want.EstateIDs))
}
