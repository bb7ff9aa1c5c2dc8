package team

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/rbac"
)

func TestValidName(t *testing.T) {
	for _, c := range []struct {
		in, want string
		err      error
	}{
		{"维修", "维修", nil},
		{"  保洁二班 ", "保洁二班", nil},
		{strings.Repeat("绿", MaxNameLen), strings.Repeat("绿", MaxNameLen), nil},
		{strings.Repeat("绿", MaxNameLen+1), "", ErrInvalidName},
		{"", "", ErrInvalidName},
		{"   ", "", ErrInvalidName},
		{"a\tb", "", ErrInvalidName},
		{"bad \xff", "", ErrInvalidName},
	} {
		got, err := ValidName(c.in)
		if got != c.want || !errors.Is(err, c.err) {
			t.Errorf("ValidName(%q) = %q, %v; want %q, %v", c.in, got, err, c.want, c.err)
		}
	}
}

func TestTeamModel(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	tm, err := New(uuid.New(), uuid.New(), Maintenance, " 维修 ", nil, now)
	if err != nil || tm.Name != "维修" || tm.LeaderID != nil || !tm.UpdatedAt.Equal(now) {
		t.Fatalf("New: %+v %v", tm, err)
	}
	if _, err := New(uuid.New(), uuid.New(), Kind("plumbing"), "水电", nil, now); !errors.Is(err, ErrInvalidKind) {
		t.Errorf("unknown kind: %v", err)
	}
	nilLeader := uuid.Nil
	if err := tm.Edit(Custom, "水电班", &nilLeader, now); err != nil || tm.LeaderID != nil || tm.Kind != Custom {
		t.Errorf("Edit with a nil UUID leader: %+v %v", tm, err)
	}
	a, b := uuid.New(), uuid.New()
	ids, err := tm.StaffWith([]uuid.UUID{a, b, a, uuid.Nil}, now)
	if err != nil || !slices.Equal(ids, []uuid.UUID{a, b}) {
		t.Errorf("StaffWith dedupes: %v %v", ids, err)
	}
	if _, err := tm.StaffWith(make([]uuid.UUID, 0, MaxMembers+1), now); err != nil {
		t.Errorf("empty list: %v", err)
	}
	many := make([]uuid.UUID, MaxMembers+1)
	for i := range many {
		many[i] = uuid.New()
	}
	if _, err := tm.StaffWith(many, now); !errors.Is(err, ErrTooManyMembers) {
		t.Errorf("too many: %v", err)
	}
	if err := tm.Archive(now); err != nil || !tm.Archived() {
		t.Fatalf("Archive: %v", err)
	}
	for name, err := range map[string]error{
		"archive again": tm.Archive(now),
		"edit":          tm.Edit(Custom, "x", nil, now),
	} {
		if !errors.Is(err, ErrArchived) {
			t.Errorf("%s an archived team: %v", name, err)
		}
	}
	if _, err := tm.StaffWith(nil, now); !errors.Is(err, ErrArchived) {
		t.Errorf("staff an archived team: %v", err)
	}
}

// Who may lead or join a team of an estate, by roles and estate assignment.
func TestEligibility(t *testing.T) {
	type roles = []rbac.Role
	for _, c := range []struct {
		name     string
		p        *staff
		lead     error
		serve    error
		inactive bool
	}{
		{"nobody", nil, ErrLeaderNotEligible, ErrMemberNotEligible, false},
		{"team leader here", &staff{roles: roles{rbac.TeamLeader}, inEstate: true}, nil, nil, false},
		{"worker here", &staff{roles: roles{rbac.Worker}, inEstate: true}, ErrLeaderNotEligible, nil, false},
		{"clerk here", &staff{roles: roles{rbac.Clerk}, inEstate: true}, ErrLeaderNotEligible, ErrMemberNotEligible, false},
		{"office head here", &staff{roles: roles{rbac.OfficeHead}, inEstate: true}, ErrLeaderNotEligible, ErrMemberNotEligible, false},
		{"manager", &staff{roles: roles{rbac.Manager}}, ErrLeaderNotEligible, ErrMemberNotEligible, false},
		{"team leader elsewhere", &staff{roles: roles{rbac.TeamLeader}}, ErrNotInEstate, ErrNotInEstate, false},
		{"worker elsewhere", &staff{roles: roles{rbac.Worker}}, ErrLeaderNotEligible, ErrNotInEstate, false},
		{"team leader and clerk elsewhere", &staff{roles: roles{rbac.Clerk, rbac.TeamLeader}}, ErrNotInEstate, ErrNotInEstate, false},
		{"team leader and assistant (company-wide)", &staff{roles: roles{rbac.Assistant, rbac.TeamLeader}}, nil, nil, false},
		{"team leader who left", &staff{roles: roles{rbac.TeamLeader}, inEstate: true}, ErrLeaderNotEligible, ErrMemberNotEligible, true},
	} {
		if c.p != nil {
			c.p.Active = !c.inactive
		}
		if err := c.p.canLead(); !errors.Is(err, c.lead) || (c.lead == nil) != (err == nil) {
			t.Errorf("%s: canLead = %v, want %v", c.name, err, c.lead)
		}
		if err := c.p.canServe(); !errors.Is(err, c.serve) || (c.serve == nil) != (err == nil) {
			t.Errorf("%s: canServe = %v, want %v", c.name, err, c.serve)
		}
	}
}

func TestOrder(t *testing.T) {
	now := time.Now()
	ts := []Team{
		{Name: "b", Kind: Custom},
		{Name: "z", Kind: Security, ArchivedAt: &now},
		{Name: "维修", Kind: Maintenance},
		{Name: "a", Kind: Custom},
		{Name: "安管", Kind: Security},
	}
	slices.SortStableFunc(ts, order)
	var got []string
	for _, x := range ts {
		got = append(got, x.Name)
	}
	if want := []string{"安管", "维修", "a", "b", "z"}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}
