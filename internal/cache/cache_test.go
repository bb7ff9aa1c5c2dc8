package cache

import (
	"sync"
	"testing"
	"time"
)

func TestExpiryAndBounds(t *testing.T) {
	c := New[string, int](2, time.Minute)
	now := time.Unix(0, 0)
	c.now = func() time.Time { return now }
	c.Add("a", 1)
	if v, ok := c.Get("a"); !ok || v != 1 {
		t.Fatal("fresh entry missing")
	}
	now = now.Add(61 * time.Second)
	if _, ok := c.Get("a"); ok {
		t.Fatal("expired entry returned")
	}
	c.Add("a", 1)
	c.Add("b", 2)
	c.Add("c", 3)
	if _, ok := c.Get("a"); ok {
		t.Error("size bound not kept")
	}
	c.Remove("b")
	c.Purge()
	if _, ok := c.Get("c"); ok {
		t.Error("purge kept an entry")
	}
	var off *TTL[string, int] = New[string, int](10, 0)
	off.Add("x", 1)
	if _, ok := off.Get("x"); ok || off != nil {
		t.Error("a disabled cache remembered")
	}
}

func TestConcurrentUse(t *testing.T) {
	c := New[int, int](100, time.Millisecond)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 5000; i++ {
				c.Add(i%200, g)
				c.Get((i + g) % 200)
				if i%1000 == 0 {
					c.Purge()
				}
			}
		}(g)
	}
	wg.Wait()
}
