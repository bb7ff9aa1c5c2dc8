package rbac

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/database/dbtest"
)

// TestCanByRole seeds one user per role in a tenant and checks every role
// against a representative set of permissions, through the database.
func TestCanByRole(t *testing.T) {
	db := dbtest.New(t)
	tenantID := seedTenant(t, db)
	users := map[Role]uuid.UUID{}
	for _, r := range AllRoles() {
		users[r] = seedUser(t, db)
		seedStaff(t, db, tenantID, users[r], r)
	}
	a := newAuthorizer(t, db)

	const (
		M  = Manager
		A  = Assistant
		OH = OfficeHead
		C  = Clerk
		DC = DocumentController
		TL = TeamLeader
		W  = Worker
	)
	tests := []struct {
		obj, act string
		allowed  []Role
	}{
		{ObjTenant, ActRead, []Role{M, A, OH, C, DC, TL, W}},
		{ObjTenant, ActManage, []Role{M}},
		{ObjSubscription, ActManage, []Role{M}},
		{ObjStaff, ActInvite, []Role{M}},
		{ObjStaff, ActManage, []Role{M}},
		{ObjStaff, ActRead, []Role{M, A, OH}},
		{ObjEstate, ActRead, []Role{M, A, OH, C, DC, TL}},
		{ObjEstate, ActCreate, []Role{M}},
		{ObjEstate, ActUpdate, []Role{M, A, OH}},
		{ObjEstate, ActImport, []Role{M}},
		{ObjTeam, ActRead, []Role{M, A, OH, C, TL}},
		{ObjTeam, ActManage, []Role{M, A, OH}},
		{ObjTicket, ActRead, []Role{M, A, OH, C, TL, W}},
		{ObjTicket, ActCreate, []Role{M, A, OH, C}},
		{ObjTicket, ActDispatch, []Role{M, A, OH, C}},
		{ObjTicket, ActFollowup, []Role{M, A, OH, C}},
		{ObjTicket, ActAssign, []Role{M, A, OH, TL}},
		{ObjTicket, ActWork, []Role{M, A, OH, C, TL, W}},
		{ObjTicket, ActExport, []Role{M, A, OH}},
		{ObjTicket, ActConfigure, []Role{M}},
		{ObjFee, ActCollect, []Role{M, A, OH, C}},
		{ObjFee, ActManage, []Role{M, A}},
		{ObjPerson, ActManage, []Role{M, A, OH, C}},
		{ObjDocument, ActRead, []Role{M, A, DC}},
		{ObjDocument, ActManage, []Role{M, DC}},
		{ObjReport, ActRead, []Role{M, A, OH}},
		{ObjReport, ActExport, []Role{M, A}},
		{"ticket", "delete", nil},
		{"nonsense", ActRead, nil},
	}
	for _, tt := range tests {
		for _, r := range AllRoles() {
			want := slices.Contains(tt.allowed, r)
			if got := a.Can(users[r], tenantID, tt.obj, tt.act); got != want {
				t.Errorf("%s %s:%s = %v, want %v", r, tt.obj, tt.act, got, want)
			}
		}
	}
	for _, r := range AllRoles() {
		if got := a.Roles(users[r], tenantID); !slices.Equal(got, []Role{r}) {
			t.Errorf("Roles(%s user) = %v", r, got)
		}
	}
}

func TestPermissionsFollowTheHierarchy(t *testing.T) {
	for _, chain := range inherits {
		higher, lower := Permissions(chain[0]), Permissions(chain[1])
		for _, p := range lower {
			if !slices.Contains(higher, p) {
				t.Errorf("%s lacks %s of %s", chain[0], p, chain[1])
			}
		}
		if len(higher) <= len(lower) {
			t.Errorf("%s has no permission beyond %s", chain[0], chain[1])
		}
	}
	for _, r := range AllRoles() {
		got := Permissions(r)
		for obj, acts := range grants[r] {
			for _, act := range acts {
				if !slices.Contains(got, obj+":"+act) {
					t.Errorf("Permissions(%s) lacks its grant %s:%s", r, obj, act)
				}
			}
		}
	}
	for _, tt := range []struct {
		role Role
		perm string
	}{
		{Clerk, "staff:invite"},
		{Worker, "ticket:create"},
		{DocumentController, "ticket:dispatch"},
		{TeamLeader, "ticket:create"},
		{DocumentController, "ticket:work"},
		{Worker, "ticket:sensitive"},
		{TeamLeader, "ticket:sensitive"},
		{Assistant, "report:manage"},
	} {
		if slices.Contains(Permissions(tt.role), tt.perm) {
			t.Errorf("%s has %s", tt.role, tt.perm)
		}
	}
	if got, want := len(Permissions(Manager)), 32; got != want {
		t.Errorf("manager has %d permissions, want %d: %v", got, want, Permissions(Manager))
	}
}

func TestRoleHelpers(t *testing.T) {
	if len(AllRoles()) != 7 {
		t.Fatalf("AllRoles() = %v", AllRoles())
	}
	for _, r := range AllRoles() {
		if !r.Valid() {
			t.Errorf("%s invalid", r)
		}
	}
	if Role("admin").Valid() || Role("").Valid() {
		t.Error("unknown role valid")
	}
	var scoped []Role
	for _, r := range AllRoles() {
		if EstateScoped(r) {
			scoped = append(scoped, r)
		}
	}
	if want := []Role{OfficeHead, Clerk, TeamLeader, Worker}; !slices.Equal(scoped, want) {
		t.Errorf("estate-scoped roles %v, want %v", scoped, want)
	}
	roles := AllRoles()
	roles[0] = "changed"
	if AllRoles()[0] != Manager {
		t.Error("AllRoles shares its slice")
	}
}

func TestMarkdownTable(t *testing.T) {
	table := MarkdownTable()
	lines := strings.Split(strings.TrimSuffix(table, "\n"), "\n")
	perms := allPermissions()
	if len(lines) != 2+len(perms) {
		t.Fatalf("%d lines for %d permissions:\n%s", len(lines), len(perms), table)
	}
	header := "| Permission | manager | assistant | office_head | clerk | document_controller | team_leader | worker |"
	if lines[0] != header {
		t.Errorf("header %q", lines[0])
	}
	has := map[Role][]string{}
	for _, r := range AllRoles() {
		has[r] = Permissions(r)
	}
	for i, p := range perms {
		cells := strings.Split(strings.Trim(lines[2+i], "|"), "|")
		if strings.TrimSpace(cells[0]) != "`"+p+"`" {
			t.Errorf("row %d is %q, want %s", i, cells[0], p)
		}
		for j, r := range AllRoles() {
			want := slices.Contains(has[r], p)
			if got := strings.TrimSpace(cells[1+j]) == "✓"; got != want {
				t.Errorf("%s × %s marked %v, want %v", p, r, got, want)
			}
		}
	}
	if table != MarkdownTable() {
		t.Error("table is not deterministic")
	}
}
