// Package cache is a bounded least-recently-used cache whose entries expire.
//
// It wraps golang-lru's plain LRU and checks each entry's age on read,
// instead of using the library's expirable LRU, whose background sweeper
// can panic (hashicorp/golang-lru#181) and never stops.
package cache

import (
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

type entry[V any] struct {
	value   V
	expires time.Time
}

// TTL holds up to size entries, each for at most ttl. A nil *TTL is a
// cache that remembers nothing, so callers need no special case when
// caching is switched off.
type TTL[K comparable, V any] struct {
	lru *lru.Cache[K, entry[V]]
	ttl time.Duration
	now func() time.Time
}

// New returns a cache, or nil when ttl or size is not positive.
func New[K comparable, V any](size int, ttl time.Duration) *TTL[K, V] {
	if ttl <= 0 || size <= 0 {
		return nil
	}
	c, err := lru.New[K, entry[V]](size)
	if err != nil {
		return nil
	}
	return &TTL[K, V]{lru: c, ttl: ttl, now: time.Now}
}

// Get returns the value of key if present and not expired.
func (c *TTL[K, V]) Get(key K) (V, bool) {
	var zero V
	if c == nil {
		return zero, false
	}
	e, ok := c.lru.Get(key)
	if !ok {
		return zero, false
	}
	if c.now().After(e.expires) {
		c.lru.Remove(key)
		return zero, false
	}
	return e.value, true
}

// Add stores value under key for the cache's TTL.
func (c *TTL[K, V]) Add(key K, value V) {
	if c != nil {
		c.lru.Add(key, entry[V]{value: value, expires: c.now().Add(c.ttl)})
	}
}

// Remove forgets key.
func (c *TTL[K, V]) Remove(key K) {
	if c != nil {
		c.lru.Remove(key)
	}
}

// Purge forgets everything.
func (c *TTL[K, V]) Purge() {
	if c != nil {
		c.lru.Purge()
	}
}
