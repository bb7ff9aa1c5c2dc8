package app

import (
	"context"
	"fmt"
	"sync"

	"github.com/estatedesk/estatedesk/internal/account"
	"github.com/estatedesk/estatedesk/internal/manifest"
	"github.com/estatedesk/estatedesk/tenants"
)

// DemoPassword is the password of every demo account (README lists them).
const DemoPassword = "demo12345"

// DemoAdmin is the demo platform admin.
const DemoAdmin = "admin@estatedesk.test"

// loadDemo creates the demo accounts and applies tenants/demo.yaml. It is
// idempotent: a second start finds everything in place and writes nothing.
func loadDemo(ctx context.Context, applier *manifest.Applier, accounts *account.Service) (*manifest.Result, error) {
	m, err := manifest.Parse(tenants.Demo)
	if err != nil {
		return nil, err
	}
	hash := sync.OnceValues(func() (string, error) { return account.HashPassword(DemoPassword) })
	if _, err := accounts.EnsureUser(ctx, DemoAdmin, "平台管理员", hash, true); err != nil {
		return nil, fmt.Errorf("demo admin: %w", err)
	}
	for _, s := range m.Staff {
		if _, err := accounts.EnsureUser(ctx, s.Email, s.Name, hash, false); err != nil {
			return nil, fmt.Errorf("demo user %s: %w", s.Email, err)
		}
	}
	return applier.Apply(ctx, m, manifest.Options{Direct: true})
}
