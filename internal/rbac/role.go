// Package rbac decides who may do what in which tenant. It is the only
// importer of casbin: an RBAC-with-domains model whose domain is the tenant,
// a global role→permission table embedded here, and per-tenant user→role
// assignments read from membership_roles.
package rbac

import (
	"slices"
	"strings"
)

// Role is a staff role inside one tenant.
type Role string

// The roles. Manager > assistant > office head > clerk is an inheritance
// chain; the document controller, team leader and worker stand apart.
const (
	Manager            Role = "manager"
	Assistant          Role = "assistant"
	OfficeHead         Role = "office_head"
	Clerk              Role = "clerk"
	DocumentController Role = "document_controller"
	TeamLeader         Role = "team_leader"
	Worker             Role = "worker"
)

var allRoles = []Role{Manager, Assistant, OfficeHead, Clerk, DocumentController, TeamLeader, Worker}

// AllRoles lists the roles from the most to the least powerful.
func AllRoles() []Role { return slices.Clone(allRoles) }

// Valid reports whether r is one of AllRoles.
func (r Role) Valid() bool { return slices.Contains(allRoles, r) }

// EstateScoped reports whether staff with role r see only the estates they
// are assigned to (staff_estates). Queries apply that scope; casbin does not.
func EstateScoped(r Role) bool {
	switch r {
	case OfficeHead, Clerk, TeamLeader, Worker:
		return true
	}
	return false
}

// TeamScoped reports whether staff with role r see, within their estates,
// only the tickets they hold and their teams' tickets. A user is held to it
// only when every role they have is team-scoped. Queries apply it.
func TeamScoped(r Role) bool { return r == Worker }

// Objects: what a permission is about.
const (
	ObjTenant       = "tenant"
	ObjSubscription = "subscription"
	ObjStaff        = "staff"
	ObjEstate       = "estate"
	ObjTeam         = "team"
	ObjTicket       = "ticket"
	ObjFee          = "fee"
	ObjPerson       = "person"
	ObjDocument     = "document"
	ObjReport       = "report"
)

// Actions: what may be done to an object.
const (
	ActRead      = "read"
	ActCreate    = "create"
	ActUpdate    = "update"
	ActManage    = "manage"
	ActArchive   = "archive"
	ActImport    = "import"
	ActExport    = "export"
	ActInvite    = "invite"
	ActConfigure = "configure"
	ActDispatch  = "dispatch"
	ActAssign    = "assign"
	ActWork      = "work"
	ActFollowup  = "followup"
	ActCollect   = "collect"
	// ActSensitive on tickets: complaints about staff and callers' phone
	// numbers, which the field teams do not need.
	ActSensitive = "sensitive"
)

// inherits is the role hierarchy: each role gets every permission of the
// role it inherits, transitively.
var inherits = [][2]Role{
	{Manager, Assistant},
	{Assistant, OfficeHead},
	{OfficeHead, Clerk},
}

// grants is the global role→permission table: direct grants only, the same
// in every tenant. README.md shows it as MarkdownTable renders it.
var grants = map[Role]map[string][]string{
	Worker: {
		ObjTenant: {ActRead},
		ObjTicket: {ActRead, ActWork},
	},
	TeamLeader: {
		ObjTenant: {ActRead},
		ObjEstate: {ActRead},
		ObjTeam:   {ActRead},
		ObjTicket: {ActRead, ActWork, ActAssign},
	},
	DocumentController: {
		ObjTenant:   {ActRead},
		ObjEstate:   {ActRead},
		ObjDocument: {ActRead, ActManage},
	},
	Clerk: {
		ObjTenant: {ActRead},
		ObjEstate: {ActRead},
		ObjTeam:   {ActRead},
		// Clerks work tickets too: a worker phones in "done", and the
		// clerk records it with a note or a photo.
		ObjTicket: {ActRead, ActCreate, ActDispatch, ActUpdate, ActFollowup, ActWork, ActSensitive},
		ObjFee:    {ActRead, ActCollect},
		ObjPerson: {ActManage},
	},
	OfficeHead: {
		ObjReport: {ActRead},
		ObjTicket: {ActExport, ActAssign},
		ObjEstate: {ActUpdate},
		ObjTeam:   {ActManage},
		ObjStaff:  {ActRead},
	},
	Assistant: {
		ObjFee:      {ActManage},
		ObjDocument: {ActRead},
		ObjReport:   {ActExport},
	},
	Manager: {
		ObjStaff:        {ActInvite, ActManage},
		ObjTenant:       {ActManage},
		ObjEstate:       {ActCreate, ActArchive, ActImport},
		ObjTicket:       {ActConfigure},
		ObjSubscription: {ActManage},
		ObjDocument:     {ActManage},
		// Targets of the figures (docs/kpis.md) are the company's to set.
		ObjReport: {ActManage},
	},
}

// Permissions lists what role may do in its tenant, inherited grants
// included, as sorted "object:action" strings. Casbin decides each entry,
// so the list cannot drift from Can.
func Permissions(role Role) []string {
	var out []string
	for _, p := range allPermissions() {
		obj, act, _ := strings.Cut(p, ":")
		if globalPolicy().can(string(role), anyTenant, obj, act) {
			out = append(out, p)
		}
	}
	return out
}

// allPermissions lists every "object:action" some role is granted, sorted.
func allPermissions() []string {
	var all []string
	for _, objects := range grants {
		for obj, acts := range objects {
			for _, act := range acts {
				all = append(all, obj+":"+act)
			}
		}
	}
	slices.Sort(all)
	return slices.Compact(all)
}

// MarkdownTable renders the permission table for README.md: one row per
// permission, one column per role, ✓ where the role has it.
func MarkdownTable() string {
	var b strings.Builder
	b.WriteString("| Permission |")
	for _, r := range allRoles {
		b.WriteString(" " + string(r) + " |")
	}
	b.WriteString("\n|---|")
	for range allRoles {
		b.WriteString(":-:|")
	}
	b.WriteString("\n")
	has := make(map[Role][]string, len(allRoles))
	for _, r := range allRoles {
		has[r] = Permissions(r)
	}
	for _, p := range allPermissions() {
		b.WriteString("| `" + p + "` |")
		for _, r := range allRoles {
			if slices.Contains(has[r], p) {
				b.WriteString(" ✓ |")
			} else {
				b.WriteString("   |")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}
