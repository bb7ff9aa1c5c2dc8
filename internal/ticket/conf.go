package ticket

import (
	"context"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// conf is what every create and every timer reads of a tenant's
// configuration. It changes rarely, so the service keeps it for
// Options.CacheTTL; changes through this service forget it at once, other
// replicas see them within the TTL.
type conf struct {
	tree     Tree
	policies []Policy
	settings Settings
	ladder   []Level
	rules    []Rule
	// estates by ID, archived ones included: intake checks the estate
	// against this instead of reading it.
	estates map[uuid.UUID]*estate.Estate
	// teams by ID, archived ones included: dispatch by the rules checks
	// the rule's team against this.
	teams map[uuid.UUID]teamState
}

// conf reads the tenant's configuration, from the cache when it can. A
// tenant without categories gets the default tree, inside db's
// transaction; that read is not cached, since the transaction may yet roll
// back.
func (s *Service) conf(ctx context.Context, db bun.IDB, tenantID uuid.UUID) (*conf, error) {
	if c, ok := s.confs.Get(tenantID); ok {
		return c, nil
	}
	c := &conf{}
	var err error
	if c.tree, err = loadTree(ctx, db, tenantID); err != nil {
		return nil, err
	}
	seeded := false
	if len(c.tree) == 0 {
		if c.tree, err = EnsureTree(ctx, db, tenantID, s.now()); err != nil {
			return nil, err
		}
		seeded = true
	}
	if err := db.NewSelect().Model(&c.policies).Where("tenant_id = ?", tenantID).Scan(ctx); err != nil {
		return nil, err
	}
	if c.settings, err = SettingsOf(ctx, db, tenantID); err != nil {
		return nil, err
	}
	if c.ladder, err = LadderOf(ctx, db, tenantID); err != nil {
		return nil, err
	}
	if err := db.NewSelect().Model(&c.rules).Where("tenant_id = ?", tenantID).Scan(ctx); err != nil {
		return nil, err
	}
	ests, err := estate.List(ctx, db, tenantID, true)
	if err != nil {
		return nil, err
	}
	c.estates = make(map[uuid.UUID]*estate.Estate, len(ests))
	for i := range ests {
		c.estates[ests[i].ID] = &ests[i]
	}
	var teams []teamState
	if err := selectTeams(db).Where("tenant_id = ?", tenantID).Scan(ctx, &teams); err != nil {
		return nil, err
	}
	c.teams = make(map[uuid.UUID]teamState, len(teams))
	for _, t := range teams {
		c.teams[t.ID] = t
	}
	if !seeded {
		s.confs.Add(tenantID, c)
	}
	return c, nil
}

// tree is the tenant's category tree, from the cache when it can; it never
// seeds, so it also serves read-only transactions.
func (s *Service) tree(ctx context.Context, db bun.IDB, tenantID uuid.UUID) (Tree, error) {
	if c, ok := s.confs.Get(tenantID); ok {
		return c.tree, nil
	}
	return loadTree(ctx, db, tenantID)
}

// forget drops a tenant's cached configuration after a change, here and
// on the other replicas.
func (s *Service) forget(tenantID uuid.UUID) {
	s.confs.Remove(tenantID)
	s.db.Invalidate(context.Background())
}

// ancestry is a category followed by its ancestors; none for no category.
func (c *conf) ancestry(id *uuid.UUID) []uuid.UUID {
	if id == nil {
		return nil
	}
	return c.tree.Ancestry(*id)
}

// policy is the deadline policy of a ticket.
func (c *conf) policy(tk *Ticket) Policy {
	return PickPolicy(c.policies, tk.Type, c.ancestry(tk.CategoryID), tk.Priority)
}

// team is teamOf from the cache: nil, nil for a team newer than it.
func (c *conf) team(estateID, teamID uuid.UUID) (*teamRow, error) {
	t, ok := c.teams[teamID]
	if !ok {
		return nil, nil
	}
	return t.activeIn(estateID)
}

// rulesOf are the dispatch rules of one estate.
func (c *conf) rulesOf(estateID uuid.UUID) []Rule {
	var out []Rule
	for _, r := range c.rules {
		if r.EstateID == estateID {
			out = append(out, r)
		}
	}
	return out
}

// officeCalendar is an estate's office calendar: its hours, holidays and
// make-up days, cached like conf.
func (s *Service) officeCalendar(ctx context.Context, db bun.IDB, t *tenant.Tenant, est *estate.Estate) (*Calendar, error) {
	if c, ok := s.cals.Get(est.ID); ok {
		return c, nil
	}
	var days []estate.CalendarDay
	if err := db.NewSelect().Model(&days).Where("tenant_id = ? AND estate_id = ?", t.ID, est.ID).Scan(ctx); err != nil {
		return nil, err
	}
	c := NewCalendar(t.Location(), est.BusinessHours, days)
	s.cals.Add(est.ID, c)
	return c, nil
}
