package server

import (
	"context"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// tenantCache remembers tenants by slug for a few seconds, sparing every
// request a lookup. A change made through this replica (roles, status)
// forgets the tenant at once; other replicas see it within the TTL, as they
// do a revoked session.
type tenantCache struct {
	db  *database.DB
	lru *expirable.LRU[string, tenant.Tenant]
}

func newTenantCache(db *database.DB, ttl time.Duration) *tenantCache {
	c := &tenantCache{db: db}
	if ttl > 0 {
		c.lru = expirable.NewLRU[string, tenant.Tenant](10_000, nil, ttl)
	}
	return c
}

func (c *tenantCache) bySlug(ctx context.Context, slug string) (*tenant.Tenant, error) {
	if c.lru != nil {
		if t, ok := c.lru.Get(slug); ok {
			return &t, nil
		}
	}
	t, err := tenant.BySlug(ctx, c.db.Reader(), slug)
	if err != nil {
		return nil, err
	}
	if c.lru != nil {
		c.lru.Add(slug, *t)
	}
	return t, nil
}

// forget drops one tenant, or every tenant when slug is "".
func (c *tenantCache) forget(slug string) {
	if c.lru == nil {
		return
	}
	if slug == "" {
		c.lru.Purge()
		return
	}
	c.lru.Remove(slug)
}
