package subscription

import (
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// Plan is what the public page shows of a plan: its monthly price in fen
// and its limits (zero = unlimited).
type Plan struct {
	Name     string
	PriceFen int64
	Limits   tenant.Limits
}

// Plans lists the plans in their order, from the configuration.
func (s *Service) Plans() []Plan {
	out := make([]Plan, 0, len(tenant.Plans))
	for _, p := range tenant.Plans {
		out = append(out, Plan{Name: p, PriceFen: s.opt.Prices[p], Limits: s.opt.Limits.For(p)})
	}
	return out
}

// rank orders plans for upgrade/downgrade: the place in tenant.Plans.
func rank(plan string) int {
	for i, p := range tenant.Plans {
		if p == plan {
			return i
		}
	}
	return -1
}
