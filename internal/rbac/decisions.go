package rbac

import (
	"strings"
	"sync"

	"github.com/casbin/casbin/v2/persist/cache"
)

// maxDecisions bounds the decision cache; an entry takes about 130 bytes.
const maxDecisions = 1 << 19

// decisionCache is casbin's decision cache split by tenant, so that a role
// change in one tenant forgets only that tenant's decisions. When full it
// forgets an arbitrary decision rather than all of them, so that a working
// set larger than the cache degrades gradually.
type decisionCache struct {
	mu      sync.RWMutex
	tenants map[string]map[string]bool // tenant ID → cache key → decision
	size    int
	max     int
}

var _ cache.Cache = (*decisionCache)(nil)

func newDecisionCache(max int) *decisionCache {
	return &decisionCache{tenants: map[string]map[string]bool{}, max: max}
}

// tenantOf reads the domain out of casbin's cache key, which joins the
// request values (sub, dom, obj, act) with "$$" after each.
func tenantOf(key string) string {
	_, rest, _ := strings.Cut(key, "$$")
	dom, _, _ := strings.Cut(rest, "$$")
	return dom
}

// Get returns a cached decision or cache.ErrNoSuchKey.
func (c *decisionCache) Get(key string) (bool, error) {
	c.mu.RLock()
	v, ok := c.tenants[tenantOf(key)][key]
	c.mu.RUnlock()
	if !ok {
		return false, cache.ErrNoSuchKey
	}
	return v, nil
}

// Set caches a decision; decisions do not expire, a version change forgets them.
func (c *decisionCache) Set(key string, v bool, _ ...interface{}) error {
	dom := tenantOf(key)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.tenants[dom][key]; !ok {
		if c.size >= c.max {
			c.evictOne()
		}
		c.size++
	}
	d := c.tenants[dom]
	if d == nil {
		d = map[string]bool{}
		c.tenants[strings.Clone(dom)] = d
	}
	d[key] = v
	return nil
}

// evictOne relies on map iteration starting at a random place.
func (c *decisionCache) evictOne() {
	for dom, d := range c.tenants {
		for key := range d {
			delete(d, key)
			c.size--
			break
		}
		if len(d) == 0 {
			delete(c.tenants, dom)
		}
		return
	}
}

// Delete forgets one decision.
func (c *decisionCache) Delete(key string) error {
	dom := tenantOf(key)
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.tenants[dom]
	if _, ok := d[key]; !ok {
		return cache.ErrNoSuchKey
	}
	delete(d, key)
	c.size--
	if len(d) == 0 {
		delete(c.tenants, dom)
	}
	return nil
}

// Clear forgets every decision.
func (c *decisionCache) Clear() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tenants = map[string]map[string]bool{}
	c.size = 0
	return nil
}

// forget drops one tenant's decisions.
func (c *decisionCache) forget(tenant string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.size -= len(c.tenants[tenant])
	delete(c.tenants, tenant)
}
