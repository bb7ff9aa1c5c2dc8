package tenant

import (
	"fmt"
	"strconv"
	"strings"
)

// Limits cap what a plan allows; zero means unlimited.
type Limits struct {
	Estates int
	Units   int
	Staff   int
}

// PlanLimits maps plan → limits.
type PlanLimits map[string]Limits

// DefaultPlanLimits are the limits of a fresh install.
func DefaultPlanLimits() PlanLimits {
	return PlanLimits{
		"starter":    {Estates: 2, Units: 2_000, Staff: 10},
		"growth":     {Estates: 20, Units: 50_000, Staff: 100},
		"enterprise": {},
	}
}

// ParseLimits reads "ESTATES,UNITS,STAFF", e.g. "2,2000,10" (0 = unlimited).
func ParseLimits(s string) (Limits, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return Limits{}, fmt.Errorf("plan limits %q: want ESTATES,UNITS,STAFF", s)
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || v < 0 {
			return Limits{}, fmt.Errorf("plan limits %q: %q is not a count", s, p)
		}
		n[i] = v
	}
	return Limits{Estates: n[0], Units: n[1], Staff: n[2]}, nil
}

// For returns the limits of plan (unlimited for an unknown plan, which
// validation keeps out).
func (p PlanLimits) For(plan string) Limits { return p[plan] }

// LimitError refuses growth past the plan; it names the limit and the plan.
type LimitError struct {
	What  string // "estates", "units" or "staff"
	Plan  string
	Limit int
}

// MessageData fills the translated message of the refusal.
func (e *LimitError) MessageData() map[string]any {
	return map[string]any{"What": e.What, "Plan": e.Plan, "Limit": e.Limit}
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("plan %s allows at most %d %s", e.Plan, e.Limit, e.What)
}

// Check refuses having more than the plan's limit of what.
func (p PlanLimits) Check(plan, what string, total int) error {
	l := p.For(plan)
	limit := map[string]int{"estates": l.Estates, "units": l.Units, "staff": l.Staff}[what]
	if limit > 0 && total > limit {
		return &LimitError{What: what, Plan: plan, Limit: limit}
	}
	return nil
}
