package ticket

import (
	"context"
	"slices"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
)

// Staffing says whether a team can take the tickets a dispatch rule sends
// it. A team without a leader has nobody to name the worker of a direct
// ticket; one without a member on duty has nobody to claim from its pool
// or to take a round-robin turn; an archived team takes nothing. Any of
// these leaves the rule's tickets waiting without anyone noticing, which
// is why the settings and the estate page flag them.
type Staffing struct {
	TeamID     uuid.UUID `bun:"id" json:"team_id"`
	Name       string    `bun:"name" json:"name"`
	NoLeader   bool      `bun:"no_leader" json:"no_leader"`
	NoneOnDuty bool      `bun:"none_on_duty" json:"none_on_duty"`
	Archived   bool      `bun:"archived" json:"archived"`
}

// Short reports whether the team lacks anything its tickets need.
func (st *Staffing) Short() bool { return st.NoLeader || st.NoneOnDuty || st.Archived }

// staffingOf reads the staffing of teams in one statement. A leader or a
// member whose membership is disabled does not count.
func staffingOf(ctx context.Context, db bun.IDB, tenantID uuid.UUID, teamIDs []uuid.UUID) (map[uuid.UUID]*Staffing, error) {
	out := map[uuid.UUID]*Staffing{}
	if len(teamIDs) == 0 {
		return out, nil
	}
	var rows []Staffing
	err := db.NewSelect().TableExpr("teams AS t").
		ColumnExpr("t.id, t.name, t.archived_at IS NOT NULL AS archived").
		ColumnExpr(`NOT EXISTS (SELECT 1 FROM memberships AS m WHERE m.tenant_id = t.tenant_id AND m.user_id = t.leader_id
			AND m.disabled_at IS NULL) AS no_leader`).
		ColumnExpr(`NOT EXISTS (SELECT 1 FROM team_members AS tm JOIN memberships AS m ON m.tenant_id = tm.tenant_id
			AND m.user_id = tm.user_id AND m.disabled_at IS NULL
			WHERE tm.tenant_id = t.tenant_id AND tm.team_id = t.id AND tm.on_duty) AS none_on_duty`).
		Where("t.tenant_id = ? AND t.id IN (?)", tenantID, bun.In(teamIDs)).
		Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		out[rows[i].TeamID] = &rows[i]
	}
	return out, nil
}

// staff fills in the staffing of each rule's team.
func staff(ctx context.Context, db bun.IDB, tenantID uuid.UUID, rules []Rule) error {
	var ids []uuid.UUID
	for _, r := range rules {
		if !slices.Contains(ids, r.TeamID) {
			ids = append(ids, r.TeamID)
		}
	}
	st, err := staffingOf(ctx, db, tenantID, ids)
	if err != nil {
		return err
	}
	for i := range rules {
		rules[i].Team = st[rules[i].TeamID]
	}
	return nil
}

// EstateRules are an estate's dispatch rules with their teams' staffing,
// the fallback (no category) first.
func (s *Service) EstateRules(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, estateID uuid.UUID) ([]Rule, error) {
	if !scope.Allows(estateID) {
		return nil, database.ErrNotFound
	}
	var rules []Rule
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(&rules).Where("tenant_id = ? AND estate_id = ?", tenantID, estateID).
			OrderExpr("category_id IS NOT NULL, created_at").Scan(ctx); err != nil {
			return err
		}
		return staff(ctx, tx, tenantID, rules)
	})
	return rules, err
}

// Uncovered are the categories intake offers (none archived, nor under an
// archived one) that no rule of rules (one estate's) covers: their
// tickets wait for a dispatcher. A category is listed only when its
// parent is covered, so that a root without a rule stands for its
// subcategories without one.
func (tr Tree) Uncovered(rules []Rule) []Category {
	var out []Category
	for _, c := range tr {
		up := tr.Ancestry(c.ID)
		if slices.ContainsFunc(up, func(id uuid.UUID) bool { return tr.ByID(id).ArchivedAt != nil }) ||
			pickRule(rules, up) != nil || (len(up) > 1 && pickRule(rules, up[1:]) == nil) {
			continue
		}
		out = append(out, c)
	}
	return out
}
