package server

import (
	"context"
	"strings"
	"time"

	"github.com/estatedesk/estatedesk/internal/cache"
	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// tenantCache remembers tenants by slug for a few seconds, sparing every
// request a lookup. A change made through this replica (roles, status)
// forgets the tenant at once, and the others through the database's
// invalidations (the TTL is the safety net), as they do a revoked session.
type tenantCache struct {
	db  *database.DB
	lru *cache.TTL[string, tenant.Tenant]
}

func newTenantCache(db *database.DB, ttl time.Duration) *tenantCache {
	c := &tenantCache{db: db, lru: cache.New[string, tenant.Tenant](10_000, ttl)}
	db.OnInvalidate(c.lru.Purge)
	return c
}

func (c *tenantCache) bySlug(ctx context.Context, slug string) (*tenant.Tenant, error) {
	if t, ok := c.lru.Get(slug); ok {
		return &t, nil
	}
	t, err := tenant.BySlug(ctx, c.db.Reader(), slug)
	if err != nil {
		return nil, err
	}
	// The slug may be a view of Fiber's request buffer, which the next
	// request overwrites: a key kept beyond this request must be a copy,
	// or the entry would be found under another company's slug.
	c.lru.Add(strings.Clone(slug), *t)
	return t, nil
}

// forget drops one tenant, or every tenant when slug is "", here; the other
// replicas drop every tenant.
func (c *tenantCache) forget(slug string) {
	c.db.Invalidate(context.Background())
	if slug == "" {
		c.lru.Purge()
		return
	}
	c.lru.Remove(slug)
}
