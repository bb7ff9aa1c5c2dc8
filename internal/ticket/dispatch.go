package ticket

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// teamRow is what dispatch needs of a team.
type teamRow struct {
	ID       uuid.UUID  `bun:"id"`
	EstateID uuid.UUID  `bun:"estate_id"`
	LeaderID *uuid.UUID `bun:"leader_id"`
}

// teamState is a team as read, archived or not.
type teamState struct {
	teamRow
	Archived bool `bun:"archived"`
}

// selectTeams reads teams with what dispatch checks of them.
func selectTeams(db bun.IDB) *bun.SelectQuery {
	return db.NewSelect().Table("teams").Column("id", "estate_id", "leader_id").
		ColumnExpr("archived_at IS NOT NULL AS archived")
}

// activeIn is the team if it is an active team of the estate, else
// ErrTeamNotInEstate.
func (t *teamState) activeIn(estateID uuid.UUID) (*teamRow, error) {
	if t.EstateID != estateID || t.Archived {
		return nil, ErrTeamNotInEstate
	}
	return &t.teamRow, nil
}

// teamOf reads an active team of the estate; a team of another estate is
// ErrTeamNotInEstate, an unknown one database.ErrNotFound.
func teamOf(ctx context.Context, db bun.IDB, tenantID, estateID, teamID uuid.UUID) (*teamRow, error) {
	var t teamState
	if err := selectTeams(db).Where("tenant_id = ? AND id = ?", tenantID, teamID).Scan(ctx, &t); err != nil {
		return nil, database.Normalize(err)
	}
	return t.activeIn(estateID)
}

// onDuty lists the team's members on duty, the one assigned longest ago
// (or never) first.
func onDuty(ctx context.Context, db bun.IDB, tenantID, teamID uuid.UUID) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	err := db.NewSelect().Table("team_members").Column("team_members.user_id").
		Join("JOIN memberships AS m ON m.tenant_id = team_members.tenant_id AND m.user_id = team_members.user_id AND m.disabled_at IS NULL").
		Where("team_members.tenant_id = ? AND team_members.team_id = ? AND team_members.on_duty", tenantID, teamID).
		OrderExpr("team_members.last_assigned_at IS NOT NULL, team_members.last_assigned_at, team_members.user_id").
		Scan(ctx, &ids)
	return ids, err
}

// nextInTurn picks and stamps the on-duty member assigned longest ago, as
// a batch of creates deals its tickets; nil when nobody is on duty.
func (w *work) nextInTurn(ctx context.Context, teamID uuid.UUID) (*uuid.UUID, error) {
	ids, err := w.s.takeTurns()(ctx, w.tx, w.t.ID, teamID, 1, w.now)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	return &ids[0], nil
}

// turns are the tickets a batch of creates sends to round-robin teams, by
// team, in the order they came.
type turns map[uuid.UUID][]*Ticket

// deal assigns each team's tickets of a batch to its on-duty members in
// turn, the one assigned longest ago first, as nextInTurn does for one
// ticket, but with one statement or two per team instead of one per
// ticket.
func (s *Service) deal(ctx context.Context, tx bun.Tx, tenantID uuid.UUID, now time.Time, tt turns) error {
	take := s.takeTurns()
	// Teams in one order: batches of two replicas that share teams wait for
	// each other's members instead of deadlocking.
	teams := slices.SortedFunc(maps.Keys(tt), func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	for _, teamID := range teams {
		tks := tt[teamID]
		ids, err := take(ctx, tx, tenantID, teamID, len(tks), now)
		if err != nil {
			return err
		}
		for j, tk := range tks {
			if len(ids) > 0 { // else nobody is on duty: the pool
				tk.AssigneeID = &ids[j%len(ids)]
			}
		}
	}
	return nil
}

// takeTurns is the dialect's way of taking members in turn.
func (s *Service) takeTurns() func(ctx context.Context, tx bun.Tx, tenantID, teamID uuid.UUID, n int, now time.Time) ([]uuid.UUID, error) {
	if s.db.Postgres() {
		return takeTurnsPG
	}
	return takeTurnsSQLite
}

// takeTurnsPG takes up to n of a team's on-duty members in turn and stamps
// each member's last assignment of the n (member i of m gets tickets i,
// i+m, …) a microsecond apart, so the next batch starts where this one
// stops. A member another transaction is assigning (a batch of another
// replica) is waited for, not skipped: skipped, a batch could find every
// member taken and leave its tickets unassigned. One prepared statement:
// this runs for every batch of creates.
func takeTurnsPG(ctx context.Context, tx bun.Tx, tenantID, teamID uuid.UUID, n int, now time.Time) ([]uuid.UUID, error) {
	rows, err := database.QueryBound(ctx, tx, `WITH locked AS (
			SELECT tm.user_id, tm.last_assigned_at FROM team_members AS tm
			JOIN memberships AS m ON m.tenant_id = tm.tenant_id AND m.user_id = tm.user_id AND m.disabled_at IS NULL
			WHERE tm.tenant_id = $1 AND tm.team_id = $2 AND tm.on_duty
			ORDER BY tm.last_assigned_at IS NOT NULL, tm.last_assigned_at, tm.user_id LIMIT $3
			FOR UPDATE OF tm),
		turn AS (
			SELECT user_id, row_number() OVER (ORDER BY last_assigned_at IS NOT NULL, last_assigned_at, user_id) - 1 AS i,
				count(*) OVER () AS m FROM locked)
		UPDATE team_members AS tm
		SET last_assigned_at = $4::timestamptz + (turn.i + turn.m * (($3 - 1 - turn.i) / turn.m)) * interval '1 microsecond'
		FROM turn WHERE tm.tenant_id = $1 AND tm.team_id = $2 AND tm.user_id = turn.user_id
		RETURNING tm.user_id, turn.i`, tenantID, teamID, n, now)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var byTurn []struct {
		id uuid.UUID
		i  int
	}
	for rows.Next() {
		var r struct {
			id uuid.UUID
			i  int
		}
		if err := rows.Scan(&r.id, &r.i); err != nil {
			return nil, err
		}
		byTurn = append(byTurn, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ids := make([]uuid.UUID, len(byTurn))
	for _, r := range byTurn {
		ids[r.i] = r.id
	}
	return ids, nil
}

// takeTurnsSQLite is takeTurnsPG in a read and a write; SQLite has one
// writer, so nothing can come between them.
func takeTurnsSQLite(ctx context.Context, tx bun.Tx, tenantID, teamID uuid.UUID, n int, now time.Time) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	if err := tx.NewRaw(`SELECT tm.user_id FROM team_members AS tm
		JOIN memberships AS m ON m.tenant_id = tm.tenant_id AND m.user_id = tm.user_id AND m.disabled_at IS NULL
		WHERE tm.tenant_id = ? AND tm.team_id = ? AND tm.on_duty
		ORDER BY tm.last_assigned_at IS NOT NULL, tm.last_assigned_at, tm.user_id LIMIT ?`,
		tenantID, teamID, n).Scan(ctx, &ids); err != nil || len(ids) == 0 {
		return nil, err
	}
	cases := make([]string, len(ids))
	args := make([]any, 0, 2*len(ids)+3)
	for i, id := range ids {
		last := i + len(ids)*((n-1-i)/len(ids))
		cases[i] = "WHEN ? THEN ?"
		args = append(args, id, now.Add(time.Duration(last)*time.Microsecond))
	}
	args = append(args, tenantID, teamID, bun.In(ids))
	_, err := tx.NewRaw(`UPDATE team_members SET last_assigned_at = CASE user_id `+strings.Join(cases, " ")+` END
		WHERE tenant_id = ? AND team_id = ? AND user_id IN (?)`, args...).Exec(ctx)
	return ids, err
}

// mayServe reports whether user can take the team's tickets: an on-duty
// member or the leader.
func mayServe(ctx context.Context, db bun.IDB, tenantID uuid.UUID, team *teamRow, user uuid.UUID) (bool, error) {
	if team.LeaderID != nil && *team.LeaderID == user {
		return true, nil
	}
	ids, err := onDuty(ctx, db, tenantID, team.ID)
	if err != nil {
		return false, err
	}
	for _, id := range ids {
		if id == user {
			return true, nil
		}
	}
	return false, nil
}

// Assignment says where a ticket goes: a team (nil: by the dispatch rules)
// and optionally a worker; Mode overrides the rule's.
type Assignment struct {
	TeamID   *uuid.UUID
	WorkerID *uuid.UUID
	Mode     Mode
	Reason   string
}

// route decides the team, mode and worker of an assignment and applies
// them to the ticket.
func (w *work) route(ctx context.Context, as Assignment) error {
	tk := w.tk
	cf, err := w.conf(ctx)
	if err != nil {
		return err
	}
	rule := pickRule(cf.rulesOf(tk.EstateID), cf.ancestry(tk.CategoryID))
	mode := as.Mode
	var team *teamRow
	if as.TeamID == nil {
		if rule == nil {
			return ErrNoTeam
		}
		as.TeamID = &rule.TeamID
		// A rule's team, from the configuration's cache like the rule.
		if team, err = cf.team(tk.EstateID, rule.TeamID); err != nil {
			return err
		}
	}
	if mode == "" {
		mode = Direct
		if rule != nil && rule.TeamID == *as.TeamID {
			mode = rule.Mode
		}
	}
	if !mode.Valid() {
		return ErrInvalidMode
	}
	if team == nil {
		if team, err = teamOf(ctx, w.tx, w.t.ID, tk.EstateID, *as.TeamID); err != nil {
			return err
		}
	}
	worker := as.WorkerID
	switch {
	case worker != nil:
		ok, err := mayServe(ctx, w.tx, w.t.ID, team, *worker)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNotTeamMember
		}
		if _, err := w.tx.NewUpdate().Table("team_members").Set("last_assigned_at = ?", w.now).
			Where("tenant_id = ? AND team_id = ? AND user_id = ?", w.t.ID, team.ID, *worker).Exec(ctx); err != nil {
			return err
		}
		// The dispatcher named the worker: whatever the rule's mode, this
		// ticket was not dealt by turns or left to the pool.
		mode = Direct
	case mode == RoundRobin && w.turns != nil:
		w.turns[team.ID] = append(w.turns[team.ID], tk)
	case mode == RoundRobin:
		if worker, err = w.nextInTurn(ctx, team.ID); err != nil {
			return err
		}
	}
	tk.TeamID, tk.AssigneeID, tk.DispatchMode = &team.ID, worker, mode
	return nil
}

func (w *work) routeData() map[string]any {
	d := map[string]any{"team_id": w.tk.TeamID, "mode": w.tk.DispatchMode}
	if w.tk.AssigneeID != nil {
		d["assignee_id"] = w.tk.AssigneeID
	}
	return d
}

func checkReason(reason string, required bool) (string, error) {
	reason = strings.TrimSpace(reason)
	if (required && reason == "") || utf8.RuneCountInString(reason) > MaxReasonLen {
		return "", ErrInvalidReason
	}
	return reason, nil
}

// Dispatch sends a received or reopened ticket to a team (派工).
func (s *Service) Dispatch(ctx context.Context, t *tenant.Tenant, a Actor, id uuid.UUID, as Assignment) (*Ticket, error) {
	reason, err := checkReason(as.Reason, false)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, t, a, id, func(ctx context.Context, w *work) error {
		if _, err := Next(w.tk.Status, Dispatch); err != nil {
			return err
		}
		if err := w.route(ctx, as); err != nil {
			return err
		}
		_, err := w.move(ctx, &a.UserID, Dispatch, reason, w.routeData())
		return err
	})
}

// Transfer sends a ticket to another team (or worker), with a reason.
func (s *Service) Transfer(ctx context.Context, t *tenant.Tenant, a Actor, id uuid.UUID, as Assignment) (*Ticket, error) {
	reason, err := checkReason(as.Reason, true)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, t, a, id, func(ctx context.Context, w *work) error {
		if _, err := Next(w.tk.Status, Transfer); err != nil {
			return err
		}
		if as.TeamID == nil {
			return ErrNoTeam
		}
		if err := w.route(ctx, as); err != nil {
			return err
		}
		_, err := w.move(ctx, &a.UserID, Transfer, reason, w.routeData())
		return err
	})
}

// Return hands a ticket back to the center (退单) with a reason: the team
// cannot do it (wrong team, not a property matter…).
func (s *Service) Return(ctx context.Context, t *tenant.Tenant, a Actor, id uuid.UUID, reason string) (*Ticket, error) {
	reason, err := checkReason(reason, true)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, t, a, id, func(ctx context.Context, w *work) error {
		if _, err := w.mayWork(ctx, a); err != nil {
			return err
		}
		if _, err := w.move(ctx, &a.UserID, Return, reason, w.routeData()); err != nil {
			return err
		}
		w.tk.TeamID, w.tk.AssigneeID, w.tk.DispatchMode = nil, nil, ""
		return nil
	})
}

// Assign names the worker of a dispatched ticket, as a team leader does in
// direct mode.
func (s *Service) Assign(ctx context.Context, t *tenant.Tenant, a Actor, id, worker uuid.UUID) (*Ticket, error) {
	return s.change(ctx, t, a, id, func(ctx context.Context, w *work) error {
		if w.tk.Status != Dispatched && w.tk.Status != Accepted {
			return &MoveError{From: w.tk.Status, Event: Dispatch}
		}
		team, err := w.team(ctx)
		if err != nil {
			return err
		}
		if !a.Dispatcher && (team.LeaderID == nil || *team.LeaderID != a.UserID) {
			return ErrNotAssignee
		}
		ok, err := mayServe(ctx, w.tx, t.ID, team, worker)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNotTeamMember
		}
		w.tk.AssigneeID, w.tk.DispatchMode = &worker, Direct
		if w.tk.Status == Accepted {
			// The new worker has not accepted it yet.
			if _, err := w.move(ctx, &a.UserID, Transfer, "", w.routeData()); err != nil {
				return err
			}
		} else if _, err := w.note(ctx, &a.UserID, KindAssign, "", w.routeData()); err != nil {
			return err
		}
		_, err = w.tx.NewUpdate().Table("team_members").Set("last_assigned_at = ?", w.now).
			Where("tenant_id = ? AND team_id = ? AND user_id = ?", t.ID, team.ID, worker).Exec(ctx)
		return err
	})
}

// Claim takes a ticket from the team's pool (抢单): the first member to
// claim it gets it, and has accepted it.
func (s *Service) Claim(ctx context.Context, t *tenant.Tenant, a Actor, id uuid.UUID) (*Ticket, error) {
	return s.change(ctx, t, a, id, func(ctx context.Context, w *work) error {
		if w.tk.Status != Dispatched {
			return &MoveError{From: w.tk.Status, Event: Accept}
		}
		if w.tk.AssigneeID != nil && *w.tk.AssigneeID != a.UserID {
			return ErrAlreadyClaimed
		}
		team, err := w.team(ctx)
		if err != nil {
			return err
		}
		ok, err := mayServe(ctx, w.tx, t.ID, team, a.UserID)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNotTeamMember
		}
		w.tk.AssigneeID = &a.UserID
		if _, err := w.note(ctx, &a.UserID, KindClaim, "", nil); err != nil {
			return err
		}
		return w.accept(ctx, a, "")
	})
}

// team reads the ticket's team.
func (w *work) team(ctx context.Context) (*teamRow, error) {
	if w.tk.TeamID == nil {
		return nil, ErrNoTeam
	}
	team, err := teamOf(ctx, w.tx, w.t.ID, w.tk.EstateID, *w.tk.TeamID)
	if errors.Is(err, ErrTeamNotInEstate) {
		// Archived since dispatch: its leader still answers for the ticket.
		row := &teamRow{ID: *w.tk.TeamID, EstateID: w.tk.EstateID}
		err = w.tx.NewSelect().Table("teams").Column("leader_id").
			Where("tenant_id = ? AND id = ?", w.t.ID, *w.tk.TeamID).Scan(ctx, &row.LeaderID)
		return row, database.Normalize(err)
	}
	return team, err
}

// mayWork checks that the actor may do the team's work on the ticket: its
// worker, its team's leader, or a dispatcher recording it for them. A
// member of the team may act on a pool ticket nobody holds: pool says so,
// and only take makes them its worker. Checking never assigns: a comment
// or a return by someone who may claim the ticket leaves it unheld.
func (w *work) mayWork(ctx context.Context, a Actor) (pool bool, err error) {
	if a.Dispatcher || (w.tk.AssigneeID != nil && *w.tk.AssigneeID == a.UserID) {
		return false, nil
	}
	if w.tk.TeamID == nil {
		return false, ErrNotAssignee
	}
	team, err := w.team(ctx)
	if err != nil {
		return false, err
	}
	if team.LeaderID != nil && *team.LeaderID == a.UserID {
		return false, nil
	}
	if w.tk.AssigneeID == nil {
		ok, err := mayServe(ctx, w.tx, w.t.ID, team, a.UserID)
		if err != nil {
			return false, err
		}
		if ok {
			return true, nil
		}
	}
	return false, ErrNotAssignee
}

// take is mayWork for the moves that do the work (accept, start, hold,
// resume, complete): a member who does them on a pool ticket has taken it.
func (w *work) take(ctx context.Context, a Actor) error {
	pool, err := w.mayWork(ctx, a)
	if pool {
		w.tk.AssigneeID = &a.UserID
	}
	return err
}
