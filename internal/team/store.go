package team

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/rbac"
)

// estateInScope loads an estate the caller may see; one outside the scope
// or the tenant is database.ErrNotFound.
func estateInScope(ctx context.Context, db bun.IDB, tenantID uuid.UUID, scope estate.Scope, estateID uuid.UUID) (*estate.Estate, error) {
	if !scope.Allows(estateID) {
		return nil, database.ErrNotFound
	}
	e := new(estate.Estate)
	err := db.NewSelect().Model(e).Column("tenant_id", "id", "name", "archived_at", "created_at", "updated_at").
		Where("tenant_id = ? AND id = ?", tenantID, estateID).Scan(ctx)
	if err != nil {
		return nil, database.Normalize(err)
	}
	return e, nil
}

// byID loads a team; estateID, when not nil, must be its estate.
func byID(ctx context.Context, db bun.IDB, tenantID, estateID, teamID uuid.UUID) (*Team, error) {
	t := new(Team)
	q := db.NewSelect().Model(t).Where("tenant_id = ? AND id = ?", tenantID, teamID)
	if estateID != uuid.Nil {
		q = q.Where("estate_id = ?", estateID)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, database.Normalize(err)
	}
	return t, nil
}

// byEstate lists an estate's teams, archived ones included.
func byEstate(ctx context.Context, db bun.IDB, tenantID, estateID uuid.UUID) ([]Team, error) {
	var ts []Team
	err := db.NewSelect().Model(&ts).Where("tenant_id = ? AND estate_id = ?", tenantID, estateID).OrderExpr("name").Scan(ctx)
	return ts, database.Normalize(err)
}

func nameTaken(err error) error {
	if err = database.Normalize(err); errors.Is(err, database.ErrConflict) {
		return ErrNameTaken
	}
	return err
}

func insert(ctx context.Context, db bun.IDB, t *Team) error {
	_, err := db.NewInsert().Model(t).Exec(ctx)
	return nameTaken(err)
}

func update(ctx context.Context, db bun.IDB, t *Team) error {
	_, err := db.NewUpdate().Model(t).Column("kind", "name", "leader_id", "archived_at", "updated_at").WherePK().Exec(ctx)
	return nameTaken(err)
}

// replaceMembers makes userIDs the team's members. Members who stay keep
// their duty status and their place in the round-robin.
func replaceMembers(ctx context.Context, db bun.IDB, t *Team, userIDs []uuid.UUID) error {
	del := db.NewDelete().Model((*member)(nil)).Where("tenant_id = ? AND team_id = ?", t.TenantID, t.ID)
	if len(userIDs) > 0 {
		del = del.Where("user_id NOT IN (?)", bun.In(userIDs))
	}
	if _, err := del.Exec(ctx); err != nil {
		return database.Normalize(err)
	}
	if len(userIDs) > 0 {
		rows := make([]member, len(userIDs))
		for i, id := range userIDs {
			rows[i] = member{TenantID: t.TenantID, TeamID: t.ID, UserID: id, OnDuty: true}
		}
		if _, err := db.NewInsert().Model(&rows).On("CONFLICT (tenant_id, team_id, user_id) DO NOTHING").Exec(ctx); err != nil {
			return database.Normalize(err)
		}
	}
	_, err := db.NewUpdate().Model(t).Column("updated_at").WherePK().Exec(ctx)
	return database.Normalize(err)
}

// people looks up members of the tenant by user ID, whether or not they
// are still active.
func people(ctx context.Context, db bun.IDB, tenantID uuid.UUID, userIDs []uuid.UUID) (map[uuid.UUID]Person, error) {
	out := map[uuid.UUID]Person{}
	if len(userIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		UserID     uuid.UUID  `bun:"user_id"`
		Name       string     `bun:"name"`
		Email      string     `bun:"email"`
		DisabledAt *time.Time `bun:"disabled_at"`
	}
	err := db.NewSelect().TableExpr("memberships AS m").Join("JOIN users AS u ON u.id = m.user_id").
		ColumnExpr("m.user_id, u.name, u.email, m.disabled_at").
		Where("m.tenant_id = ? AND m.user_id IN (?)", tenantID, bun.In(userIDs)).Scan(ctx, &rows)
	if err != nil {
		return nil, database.Normalize(err)
	}
	for _, r := range rows {
		out[r.UserID] = Person{UserID: r.UserID, Name: r.Name, Email: r.Email, Active: r.DisabledAt == nil}
	}
	return out, nil
}

// fill sets the leader and members of each team, members by name.
func fill(ctx context.Context, db bun.IDB, tenantID uuid.UUID, ts []Team) error {
	if len(ts) == 0 {
		return nil
	}
	ids := make([]uuid.UUID, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	var rows []member
	if err := db.NewSelect().Model(&rows).Where("tenant_id = ? AND team_id IN (?)", tenantID, bun.In(ids)).Scan(ctx); err != nil {
		return database.Normalize(err)
	}
	var users []uuid.UUID
	for _, t := range ts {
		if t.LeaderID != nil {
			users = append(users, *t.LeaderID)
		}
	}
	byTeam := map[uuid.UUID][]member{}
	for _, r := range rows {
		byTeam[r.TeamID] = append(byTeam[r.TeamID], r)
		users = append(users, r.UserID)
	}
	slices.SortFunc(users, compareUUID)
	found, err := people(ctx, db, tenantID, slices.Compact(users))
	if err != nil {
		return err
	}
	for i := range ts {
		t := &ts[i]
		t.Leader = nil
		if t.LeaderID != nil {
			if p, ok := found[*t.LeaderID]; ok {
				t.Leader = &p
			}
		}
		t.Members = []Person{}
		for _, m := range byTeam[t.ID] {
			if p, ok := found[m.UserID]; ok {
				p.OnDuty = m.OnDuty
				t.Members = append(t.Members, p)
			}
		}
		slices.SortFunc(t.Members, byName)
	}
	return nil
}

func compareUUID(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) }

func byName(a, b Person) int {
	if c := strings.Compare(a.Name, b.Name); c != 0 {
		return c
	}
	return strings.Compare(a.Email, b.Email)
}

// staff is what decides whether a person may lead or join a team of an
// estate: their roles, and whether they are assigned to the estate.
type staff struct {
	Person
	roles    []rbac.Role
	inEstate bool
}

func (p *staff) has(roles ...rbac.Role) bool {
	for _, r := range roles {
		if slices.Contains(p.roles, r) {
			return true
		}
	}
	return false
}

// seesEstate: staff whose roles are all estate-scoped work only in the
// estates assigned to them; any company-wide role covers every estate.
func (p *staff) seesEstate() bool {
	if p.inEstate {
		return true
	}
	for _, r := range p.roles {
		if !rbac.EstateScoped(r) {
			return true
		}
	}
	return false
}

// canLead: the team leader role (班组长), assigned to the estate.
func (p *staff) canLead() error {
	if p == nil || !p.Active || !p.has(rbac.TeamLeader) {
		return ErrLeaderNotEligible
	}
	if !p.seesEstate() {
		return fmt.Errorf("%w: %s", ErrNotInEstate, p.DisplayName())
	}
	return nil
}

// canServe: team leaders and workers, assigned to the estate.
func (p *staff) canServe() error {
	if p == nil || !p.Active || !p.has(rbac.TeamLeader, rbac.Worker) {
		return ErrMemberNotEligible
	}
	if !p.seesEstate() {
		return fmt.Errorf("%w: %s", ErrNotInEstate, p.DisplayName())
	}
	return nil
}

// staffOf looks up the active members among userIDs, or, when userIDs is
// nil, every active member holding the team_leader or worker role.
func staffOf(ctx context.Context, db bun.IDB, tenantID, estateID uuid.UUID, userIDs []uuid.UUID) (map[uuid.UUID]*staff, error) {
	out := map[uuid.UUID]*staff{}
	if userIDs != nil && len(userIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		UserID uuid.UUID `bun:"user_id"`
		Name   string    `bun:"name"`
		Email  string    `bun:"email"`
	}
	q := db.NewSelect().TableExpr("memberships AS m").Join("JOIN users AS u ON u.id = m.user_id").
		ColumnExpr("m.user_id, u.name, u.email").
		Where("m.tenant_id = ? AND m.disabled_at IS NULL", tenantID)
	if userIDs != nil {
		q = q.Where("m.user_id IN (?)", bun.In(userIDs))
	} else {
		q = q.Where("EXISTS (SELECT 1 FROM membership_roles AS r WHERE r.tenant_id = m.tenant_id AND r.user_id = m.user_id AND r.role IN (?))",
			bun.In([]string{string(rbac.TeamLeader), string(rbac.Worker)})).Limit(5000)
	}
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, database.Normalize(err)
	}
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]uuid.UUID, len(rows))
	for i, r := range rows {
		ids[i] = r.UserID
		out[r.UserID] = &staff{Person: Person{UserID: r.UserID, Name: r.Name, Email: r.Email, Active: true}}
	}
	var roles []struct {
		UserID uuid.UUID `bun:"user_id"`
		Role   string    `bun:"role"`
	}
	if err := db.NewSelect().TableExpr("membership_roles").ColumnExpr("user_id, role").
		Where("tenant_id = ? AND user_id IN (?)", tenantID, bun.In(ids)).Scan(ctx, &roles); err != nil {
		return nil, database.Normalize(err)
	}
	for _, r := range roles {
		out[r.UserID].roles = append(out[r.UserID].roles, rbac.Role(r.Role))
	}
	var assigned []uuid.UUID
	if err := db.NewSelect().TableExpr("staff_estates").ColumnExpr("user_id").
		Where("tenant_id = ? AND estate_id = ? AND user_id IN (?)", tenantID, estateID, bun.In(ids)).Scan(ctx, &assigned); err != nil {
		return nil, database.Normalize(err)
	}
	for _, id := range assigned {
		out[id].inEstate = true
	}
	return out, nil
}

// EnsureStandard gives an active estate the four standard teams (安管, 保洁,
// 绿化, 维修) it lacks, inside the caller's transaction, and returns the
// teams it created. A kind counts as present when the estate has an active
// team of it; a standard name already in use (say by an archived team) is
// left alone rather than taken over. Running it again changes nothing.
func EnsureStandard(ctx context.Context, db bun.IDB, tenantID, estateID uuid.UUID, now time.Time) ([]Team, error) {
	e, err := estateInScope(ctx, db, tenantID, estate.Scope{All: true}, estateID)
	if err != nil {
		return nil, err
	}
	if e.ArchivedAt != nil {
		return nil, estate.ErrArchived
	}
	existing, err := byEstate(ctx, db, tenantID, estateID)
	if err != nil {
		return nil, err
	}
	var created []Team
	for _, std := range standard {
		if slices.ContainsFunc(existing, func(t Team) bool {
			return t.Name == std.Name || (t.Kind == std.Kind && !t.Archived())
		}) {
			continue
		}
		t, err := New(tenantID, estateID, std.Kind, std.Name, nil, now)
		if err != nil {
			return nil, err
		}
		// A concurrent run may have just added it; that is as good.
		res, err := db.NewInsert().Model(t).On("CONFLICT DO NOTHING").Exec(ctx)
		if err != nil {
			return nil, database.Normalize(err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			t.Members = []Person{}
			created = append(created, *t)
		}
	}
	return created, nil
}
