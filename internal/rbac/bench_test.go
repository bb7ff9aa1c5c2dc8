package rbac

import (
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// staffRoles is a tenant of 20 staff; two of them hold a second role.
var staffRoles = [][]Role{
	{Manager}, {Assistant, DocumentController}, {OfficeHead}, {OfficeHead},
	{Clerk}, {Clerk}, {Clerk}, {Clerk}, {Clerk}, {Clerk},
	{DocumentController}, {TeamLeader, Worker}, {TeamLeader},
	{Worker}, {Worker}, {Worker}, {Worker}, {Worker}, {Worker}, {Worker},
}

type request struct {
	user, tenant uuid.UUID
	obj, act     string
}

// syntheticAuthorizer loads tenants × staffRoles through the same path as a
// database load, minus SQL, and returns requests spread over all tenants.
func syntheticAuthorizer(b *testing.B, tenants int) (*Authorizer, []request) {
	b.Helper()
	rows := make([]assignment, 0, tenants*(len(staffRoles)+2))
	versions := make(map[uuid.UUID]int64, tenants)
	users := make([][]uuid.UUID, tenants)
	tenantIDs := make([]uuid.UUID, tenants)
	for i := range tenants {
		tenantIDs[i] = uuid.Must(uuid.NewV7())
		versions[tenantIDs[i]] = 1
		for _, roles := range staffRoles {
			user := uuid.Must(uuid.NewV7())
			users[i] = append(users[i], user)
			for _, r := range roles {
				rows = append(rows, assignment{TenantID: tenantIDs[i], UserID: user, Role: string(r)})
			}
		}
	}
	m := newModel()
	if err := loadInto(m, rows); err != nil {
		b.Fatal(err)
	}
	p, err := newPolicy(m)
	if err != nil {
		b.Fatal(err)
	}
	perms := allPermissions()
	rng := rand.New(rand.NewPCG(1, 2))
	reqs := make([]request, 4096)
	for i := range reqs {
		t := rng.IntN(tenants)
		obj, act, _ := strings.Cut(perms[rng.IntN(len(perms))], ":")
		reqs[i] = request{users[t][rng.IntN(len(staffRoles))], tenantIDs[t], obj, act}
	}
	return &Authorizer{p: p, versions: versions}, reqs
}

func heapMB() float64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapAlloc) / (1 << 20)
}

// BenchmarkCan loads 10,000 tenants × 20 staff (220,000 assignments).
// MB-policy is the heap the loaded policy holds, MB-heap the whole live heap.
//
//	go test -run x -bench BenchmarkCan -benchmem ./internal/rbac/
func BenchmarkCan(b *testing.B) {
	before := heapMB()
	a, reqs := syntheticAuthorizer(b, 10_000)
	after := heapMB()
	report := func(b *testing.B) {
		b.ReportMetric(after-before, "MB-policy")
		b.ReportMetric(after, "MB-heap")
	}
	allowed := 0
	for _, r := range reqs {
		if a.Can(r.user, r.tenant, r.obj, r.act) {
			allowed++
		}
	}
	b.Logf("%d of %d sampled requests allowed", allowed, len(reqs))

	b.Run("cached", func(b *testing.B) {
		i := 0
		for b.Loop() {
			r := reqs[i%len(reqs)]
			a.Can(r.user, r.tenant, r.obj, r.act)
			i++
		}
		report(b)
	})
	b.Run("cached-parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			i := rand.IntN(len(reqs))
			for pb.Next() {
				r := reqs[i%len(reqs)]
				a.Can(r.user, r.tenant, r.obj, r.act)
				i++
			}
		})
		report(b)
	})
	// What a cache miss costs: the enforcer evaluating the model.
	b.Run("uncached", func(b *testing.B) {
		i := 0
		for b.Loop() {
			r := reqs[i%len(reqs)]
			a.p.can(r.user.String(), r.tenant.String(), r.obj, r.act)
			i++
		}
		report(b)
	})
	runtime.KeepAlive(a)
}
