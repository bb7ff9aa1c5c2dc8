package team

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
)

// Service is the use cases of work teams. Every one takes the caller's
// estate scope: a team or estate outside it is database.ErrNotFound.
type Service struct {
	db  *database.DB
	now func() time.Time
}

// NewService wires the team service.
func NewService(db *database.DB) *Service {
	return &Service{db: db, now: func() time.Time { return time.Now().UTC() }}
}

// SetClock replaces the clock, for tests.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Changes are the editable fields of a team; a nil leader means none.
type Changes struct {
	Kind     Kind
	Name     string
	LeaderID *uuid.UUID
}

// Candidate is a person who may join the teams of an estate: an active
// team leader or worker assigned to it (or holding a company-wide role).
type Candidate struct {
	Person
	CanLead bool `json:"can_lead"`
}

// Board is an estate's teams with the staff who may join them.
type Board struct {
	Estate     estate.Estate `json:"estate"`
	Teams      []Team        `json:"teams"`
	Candidates []Candidate   `json:"candidates"`
}

// Create adds a team to an active estate.
func (s *Service) Create(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, estateID uuid.UUID, kind Kind, name string, leaderID *uuid.UUID) (*Team, error) {
	var out *Team
	err := s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		e, err := estateInScope(ctx, tx, tenantID, scope, estateID)
		if err != nil {
			return err
		}
		if e.ArchivedAt != nil {
			return estate.ErrArchived
		}
		t, err := New(tenantID, estateID, kind, name, leaderID, s.now())
		if err != nil {
			return err
		}
		if err := checkLeader(ctx, tx, t); err != nil {
			return err
		}
		if err := insert(ctx, tx, t); err != nil {
			return err
		}
		out = t
		return s.fillOne(ctx, tx, out)
	})
	return out, err
}

// Update replaces a team's name, kind and leader. A leader is checked only
// when it changes, so renaming a team does not depend on its leader's
// current roles.
func (s *Service) Update(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, estateID, teamID uuid.UUID, ch Changes) (*Team, error) {
	return s.change(ctx, tenantID, scope, estateID, teamID, func(ctx context.Context, tx bun.Tx, t *Team) error {
		before := t.LeaderID
		if err := t.Edit(ch.Kind, ch.Name, ch.LeaderID, s.now()); err != nil {
			return err
		}
		if t.LeaderID != nil && (before == nil || *before != *t.LeaderID) {
			if err := checkLeader(ctx, tx, t); err != nil {
				return err
			}
		}
		return update(ctx, tx, t)
	})
}

// Archive retires a team; it and its members stay on record.
func (s *Service) Archive(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, estateID, teamID uuid.UUID) (*Team, error) {
	return s.change(ctx, tenantID, scope, estateID, teamID, func(ctx context.Context, tx bun.Tx, t *Team) error {
		if err := t.Archive(s.now()); err != nil {
			return err
		}
		return update(ctx, tx, t)
	})
}

// SetMembers replaces a team's members. Each must be an active team leader
// or worker assigned to the team's estate.
func (s *Service) SetMembers(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, estateID, teamID uuid.UUID, userIDs []uuid.UUID) (*Team, error) {
	return s.change(ctx, tenantID, scope, estateID, teamID, func(ctx context.Context, tx bun.Tx, t *Team) error {
		ids, err := t.StaffWith(userIDs, s.now())
		if err != nil {
			return err
		}
		found, err := staffOf(ctx, tx, tenantID, t.EstateID, ids)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := found[id].canServe(); err != nil {
				return err
			}
		}
		return replaceMembers(ctx, tx, t, ids)
	})
}

// SetOnDuty puts a member on or off duty: round-robin dispatch passes
// over members who are off (on leave, off shift). For those who manage
// the estate's teams.
func (s *Service) SetOnDuty(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, estateID, teamID, userID uuid.UUID, onDuty bool) (*Team, error) {
	return s.setOnDuty(ctx, tenantID, scope, estateID, teamID, nil, userID, onDuty)
}

// LeaderSetsOnDuty is SetOnDuty by a team leader, who sets the duty of
// their own team only, as they assign its tickets: another team's is
// ErrNotLeader.
func (s *Service) LeaderSetsOnDuty(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, estateID, teamID, leaderID, userID uuid.UUID, onDuty bool) (*Team, error) {
	return s.setOnDuty(ctx, tenantID, scope, estateID, teamID, &leaderID, userID, onDuty)
}

func (s *Service) setOnDuty(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, estateID, teamID uuid.UUID, leaderID *uuid.UUID, userID uuid.UUID, onDuty bool) (*Team, error) {
	return s.change(ctx, tenantID, scope, estateID, teamID, func(ctx context.Context, tx bun.Tx, t *Team) error {
		if leaderID != nil && (t.LeaderID == nil || *t.LeaderID != *leaderID) {
			return ErrNotLeader
		}
		res, err := tx.NewUpdate().Model((*member)(nil)).Set("on_duty = ?", onDuty).
			Where("tenant_id = ? AND team_id = ? AND user_id = ?", tenantID, teamID, userID).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return database.ErrNotFound
		}
		return nil
	})
}

// change loads a team of the estate in one transaction, lets fn change it,
// and returns it as saved.
func (s *Service) change(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, estateID, teamID uuid.UUID,
	fn func(ctx context.Context, tx bun.Tx, t *Team) error) (*Team, error) {
	var out *Team
	err := s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if _, err := estateInScope(ctx, tx, tenantID, scope, estateID); err != nil {
			return err
		}
		t, err := byID(ctx, tx, tenantID, estateID, teamID)
		if err != nil {
			return err
		}
		if err := fn(ctx, tx, t); err != nil {
			return err
		}
		out = t
		return s.fillOne(ctx, tx, out)
	})
	return out, err
}

func (s *Service) fillOne(ctx context.Context, db bun.IDB, t *Team) error {
	ts := []Team{*t}
	if err := fill(ctx, db, t.TenantID, ts); err != nil {
		return err
	}
	*t = ts[0]
	return nil
}

func checkLeader(ctx context.Context, db bun.IDB, t *Team) error {
	if t.LeaderID == nil {
		return nil
	}
	found, err := staffOf(ctx, db, t.TenantID, t.EstateID, []uuid.UUID{*t.LeaderID})
	if err != nil {
		return err
	}
	return found[*t.LeaderID].canLead()
}

// List returns an estate's teams with leaders and members: active teams
// first, by kind and name, then the archived ones.
func (s *Service) List(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, estateID uuid.UUID) ([]Team, error) {
	var out []Team
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if _, err := estateInScope(ctx, tx, tenantID, scope, estateID); err != nil {
			return err
		}
		var err error
		out, err = list(ctx, tx, tenantID, estateID)
		return err
	})
	return out, err
}

func list(ctx context.Context, db bun.IDB, tenantID, estateID uuid.UUID) ([]Team, error) {
	ts, err := byEstate(ctx, db, tenantID, estateID)
	if err != nil {
		return nil, err
	}
	if ts == nil {
		ts = []Team{}
	}
	if err := fill(ctx, db, tenantID, ts); err != nil {
		return nil, err
	}
	slices.SortStableFunc(ts, order)
	return ts, nil
}

// Get returns one team with its leader and members.
func (s *Service) Get(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, teamID uuid.UUID) (*Team, error) {
	var out *Team
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		t, err := byID(ctx, tx, tenantID, uuid.Nil, teamID)
		if err != nil {
			return err
		}
		if !scope.Allows(t.EstateID) {
			return database.ErrNotFound
		}
		out = t
		return s.fillOne(ctx, tx, out)
	})
	return out, err
}

// Board returns an estate with its teams and the staff who may join them,
// by name: what the teams page shows.
func (s *Service) Board(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, estateID uuid.UUID) (*Board, error) {
	var out *Board
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		e, err := estateInScope(ctx, tx, tenantID, scope, estateID)
		if err != nil {
			return err
		}
		ts, err := list(ctx, tx, tenantID, estateID)
		if err != nil {
			return err
		}
		found, err := staffOf(ctx, tx, tenantID, estateID, nil)
		if err != nil {
			return err
		}
		cs := []Candidate{}
		for _, p := range found {
			if p.canServe() == nil {
				cs = append(cs, Candidate{Person: p.Person, CanLead: p.canLead() == nil})
			}
		}
		slices.SortFunc(cs, func(a, b Candidate) int { return byName(a.Person, b.Person) })
		out = &Board{Estate: *e, Teams: ts, Candidates: cs}
		return nil
	})
	return out, err
}

// EnsureStandard gives an estate the standard teams it lacks (onboarding,
// manifests, the demo); see the package function of the same name.
func (s *Service) EnsureStandard(ctx context.Context, tenantID, estateID uuid.UUID) ([]Team, error) {
	var out []Team
	err := s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		out, err = EnsureStandard(ctx, tx, tenantID, estateID, s.now())
		return err
	})
	return out, err
}
