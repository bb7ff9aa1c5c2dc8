package manifest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/account"
	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// Applier applies manifests.
type Applier struct {
	DB              *database.DB
	Accounts        *account.Service
	DefaultTimeZone string
}

// Options change how a manifest is applied.
type Options struct {
	// DryRun reports the changes without making them.
	DryRun bool
	// Direct makes staff who already have an account members at once
	// instead of inviting them (the demo, and migrations of existing users).
	Direct bool
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
	res := &Result{Links: map[string]string{}}
	note := func(format string, args ...any) { res.Changes = append(res.Changes, fmt.Sprintf(format, args...)) }

	t, err := a.applyCompany(ctx, m.Company, opts, note)
	if err != nil {
		return nil, err
	}
	if t == nil { // dry run of a new company: everything below is new
		for _, e := range m.Estates {
			note("+ estate %q", e.Name)
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
	return res, nil
}

func (a *Applier) applyCompany(ctx context.Context, c Company, opts Options, note func(string, ...any)) (*tenant.Tenant, error) {
	if c.TimeZone == "" {
		c.TimeZone = a.DefaultTimeZone
	}
	want, err := tenant.New(c.Slug, c.Name, c.Plan, c.TimeZone, tenant.Status(c.Status))
	if err != nil {
		return nil, fmt.Errorf("company %q: %w", c.Slug, err)
	}
	t, err := tenant.BySlug(ctx, a.DB.Bun, want.Slug)
	if errors.Is(err, database.ErrNotFound) {
		note("+ company %s %q (plan %s, %s, %s)", want.Slug, want.Name, want.Plan, want.TimeZone, want.Status)
		if opts.DryRun {
			return nil, nil
		}
		return want, a.DB.InPlatform(ctx, func(ctx context.Context, tx bun.Tx) error { return tenant.Insert(ctx, tx, want) })
	}
	if err != nil {
		return nil, err
	}
	changed := false
	field := func(name string, have *string, want string) {
		if *have != want {
			note("~ company %s: %s %q → %q", t.Slug, name, *have, want)
			*have, changed = want, true
		}
	}
	field("name", &t.Name, want.Name)
	field("plan", &t.Plan, want.Plan)
	field("time_zone", &t.TimeZone, want.TimeZone)
	if c.Status != "" {
		st := string(t.Status)
		field("status", &st, string(want.Status))
		t.Status = tenant.Status(st)
	}
	if changed && !opts.DryRun {
		if err := tenant.Update(ctx, a.DB.Bun, t); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func (a *Applier) applyEstates(ctx context.Context, t *tenant.Tenant, want []Estate, opts Options, note func(string, ...any)) (map[string]uuid.UUID, error) {
	ids := map[string]uuid.UUID{}
	err := a.DB.InTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		have, err := estate.List(ctx, tx, t.ID, true)
		if err != nil {
			return err
		}
		for _, e := range have {
			ids[e.Name] = e.ID
		}
		for _, e := range want {
			if _, ok := ids[e.Name]; ok {
				continue
			}
			note("+ estate %q", e.Name)
			if opts.DryRun {
				ids[e.Name] = uuid.Nil
				continue
			}
			row := &estate.Estate{TenantID: t.ID, Name: e.Name}
			if err := estate.Insert(ctx, tx, row); err != nil {
				return err
			}
			ids[e.Name] = row.ID
		}
		return nil
	})
	return ids, err
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
