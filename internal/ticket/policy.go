package ticket

import (
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Clock is what a deadline counts: every hour, or the estate's open hours.
type Clock string

const (
	// AroundTheClock counts every hour, nights, weekends and holidays
	// included: emergencies, complaints, safety, noise.
	AroundTheClock Clock = "around_the_clock"
	// BusinessHours counts the estate's open time only: routine repairs,
	// questions.
	BusinessHours Clock = "business_hours"
)

var clocks = []Clock{AroundTheClock, BusinessHours}

// Clocks lists every clock.
func Clocks() []Clock { return slices.Clone(clocks) }

// Valid reports whether c is one of Clocks.
func (c Clock) Valid() bool { return slices.Contains(clocks, c) }

// Policy sets the deadlines of tickets by type × category × priority. An
// empty Type or nil CategoryID matches any. Zero minutes mean no deadline
// of that kind: praise is thanked, not resolved against a clock.
type Policy struct {
	bun.BaseModel `bun:"table:sla_policies"`

	TenantID        uuid.UUID  `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID              uuid.UUID  `bun:"id,pk,type:uuid" json:"id"`
	Type            Type       `bun:"type,notnull" json:"type"`
	CategoryID      *uuid.UUID `bun:"category_id,type:uuid" json:"category_id"`
	Priority        Priority   `bun:"priority,notnull" json:"priority"`
	ResponseMinutes int        `bun:"response_minutes,notnull" json:"response_minutes"`
	ResolveMinutes  int        `bun:"resolve_minutes,notnull" json:"resolve_minutes"`
	Clock           Clock      `bun:"clock,notnull" json:"clock"`
	CreatedAt       time.Time  `bun:"created_at,notnull" json:"created_at"`
}

// defaultPolicies apply to a tenant without policies of its own: response
// within 30 business minutes and resolution within 3 business days for a
// normal request; 15 minutes and 4 hours if urgent; an emergency is
// answered in 10 minutes and made safe in 2 hours. A center that answers
// seven days a week counts complaints and emergencies around the clock: a
// Saturday afternoon complaint is answered that afternoon, not on Monday.
// Praise and suggestions have no deadlines: nothing about them can be
// late, so nothing escalates.
var defaultPolicies = append([]Policy{
	{Priority: Normal, ResponseMinutes: 30, ResolveMinutes: 3 * 8 * 60, Clock: BusinessHours},
	{Priority: Urgent, ResponseMinutes: 15, ResolveMinutes: 4 * 60, Clock: BusinessHours},
	{Priority: Emergency, ResponseMinutes: 10, ResolveMinutes: 2 * 60, Clock: AroundTheClock},
	// Inquiries are answered, not repaired: a business day.
	{Type: Inquiry, Priority: Normal, ResponseMinutes: 30, ResolveMinutes: 8 * 60, Clock: BusinessHours},
	{Type: Complaint, Priority: Normal, ResponseMinutes: 30, ResolveMinutes: 3 * 24 * 60, Clock: AroundTheClock},
	{Type: Complaint, Priority: Urgent, ResponseMinutes: 15, ResolveMinutes: 4 * 60, Clock: AroundTheClock},
}, noDeadlines(Praise, Suggestion)...)

// noDeadlines are policies without deadlines for every priority of types.
func noDeadlines(types ...Type) []Policy {
	var out []Policy
	for _, t := range types {
		for _, p := range priorities {
			out = append(out, Policy{Type: t, Priority: p, Clock: BusinessHours})
		}
	}
	return out
}

// Check validates a policy. Without a clock a policy counts as before
// clocks were chosen: emergencies around the clock, the rest in business
// hours. An emergency always counts around the clock: a burst pipe at
// night is not made safe on Monday.
func (p *Policy) Check() error {
	if (p.Type != "" && !p.Type.Valid()) || !p.Priority.Valid() || (p.Clock != "" && !p.Clock.Valid()) {
		return ErrInvalidPolicy
	}
	if p.Clock == "" {
		p.Clock = BusinessHours
	}
	if p.Priority == Emergency {
		p.Clock = AroundTheClock
	}
	const max = 90 * 24 * 60
	if p.ResponseMinutes < 0 || p.ResolveMinutes < 0 || p.ResponseMinutes > max || p.ResolveMinutes > max ||
		(p.ResolveMinutes > 0 && p.ResponseMinutes > p.ResolveMinutes) {
		return ErrInvalidPolicy
	}
	return nil
}

// pickPolicy picks the tenant's most specific policy for a ticket, else the
// default one.
func PickPolicy(policies []Policy, t Type, ancestry []uuid.UUID, p Priority) Policy {
	if pol, ok := match(policies, t, ancestry, p); ok {
		return pol
	}
	pol, _ := match(defaultPolicies, t, nil, p)
	return pol
}

// match picks the most specific policy for a ticket: category beats type,
// and a category's own policy beats its parent's. ancestry is the ticket's
// category followed by its ancestors.
func match(policies []Policy, t Type, ancestry []uuid.UUID, p Priority) (Policy, bool) {
	best, bestScore := Policy{}, -1
	for _, pol := range policies {
		if pol.Priority != p || (pol.Type != "" && pol.Type != t) {
			continue
		}
		score := 0
		if pol.CategoryID != nil {
			i := slices.Index(ancestry, *pol.CategoryID)
			if i < 0 {
				continue
			}
			score = 100 - i
		}
		if pol.Type != "" {
			score += 1
		}
		if score > bestScore {
			best, bestScore = pol, score
		}
	}
	return best, bestScore >= 0
}

// Trigger starts an escalation level's clock.
type Trigger string

const (
	OnWarning Trigger = "warning" // the resolution deadline is near
	OnBreach  Trigger = "breach"  // the resolution deadline has passed
	OnMajor   Trigger = "major"   // a complaint marked major (重大投诉)
)

var triggers = []Trigger{OnWarning, OnBreach, OnMajor}

// Triggers lists every trigger.
func Triggers() []Trigger { return slices.Clone(triggers) }

// Valid reports whether tr is one of Triggers.
func (tr Trigger) Valid() bool { return slices.Contains(triggers, tr) }

// Level is one rung of the escalation ladder: AfterMinutes after Trigger,
// notify the holders of NotifyRole for the ticket's estate (the team
// leader role means the ticket's team leader) and the addresses in
// NotifyEmails, e.g. the quality department (品质管理部).
type Level struct {
	bun.BaseModel `bun:"table:escalation_levels"`

	TenantID     uuid.UUID `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID           uuid.UUID `bun:"id,pk,type:uuid" json:"id"`
	Position     int       `bun:"position,notnull" json:"position"`
	Trigger      Trigger   `bun:"trigger,notnull" json:"trigger"`
	AfterMinutes int       `bun:"after_minutes,notnull" json:"after_minutes"`
	NotifyRole   string    `bun:"notify_role,notnull" json:"notify_role"`
	NotifyEmails string    `bun:"notify_emails,notnull" json:"notify_emails"`
	CreatedAt    time.Time `bun:"created_at,notnull" json:"created_at"`
}

// Emails splits NotifyEmails.
func (l *Level) Emails() []string {
	var out []string
	for _, e := range strings.FieldsFunc(l.NotifyEmails, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' }) {
		out = append(out, strings.TrimSpace(e))
	}
	return out
}

// defaultLadder: warning → team leader; breach → office head; 4 hours
// after the breach → manager; a major complaint → office head and manager
// at once (a tenant adds its quality department's addresses).
var defaultLadder = []Level{
	{Position: 1, Trigger: OnWarning, NotifyRole: "team_leader"},
	{Position: 2, Trigger: OnBreach, NotifyRole: "office_head"},
	{Position: 3, Trigger: OnBreach, AfterMinutes: 4 * 60, NotifyRole: "manager"},
	{Position: 4, Trigger: OnMajor, NotifyRole: "manager"},
}

// Settings are a tenant's call-back and warning rules.
type Settings struct {
	bun.BaseModel `bun:"table:ticket_settings"`

	TenantID uuid.UUID `bun:"tenant_id,pk,type:uuid" json:"-"`
	// CallbackTypes enter the call-back queue when completed.
	CallbackTypes string `bun:"callback_types,notnull" json:"callback_types"`
	// CallbackMaxAttempts: after this many unreached calls, give up.
	CallbackMaxAttempts int `bun:"callback_max_attempts,notnull" json:"callback_max_attempts"`
	// CallbackRetryMinutes between unreached calls.
	CallbackRetryMinutes int `bun:"callback_retry_minutes,notnull" json:"callback_retry_minutes"`
	// FollowupDays after completion without a call-back count as not
	// followed up.
	FollowupDays int `bun:"followup_days,notnull" json:"followup_days"`
	// WarnPercent of the resolution window elapsed fires the warning.
	WarnPercent int       `bun:"warn_percent,notnull" json:"warn_percent"`
	UpdatedAt   time.Time `bun:"updated_at,notnull" json:"updated_at"`

	// CallbackCloses: a call-back that reaches a satisfied owner closes the
	// ticket; without it the ticket stays followed up until a clerk closes it.
	CallbackCloses bool `bun:"callback_closes,notnull" json:"callback_closes"`
}

// DefaultSettings: complaints and repairs are called back, three tries two
// hours apart, within 3 days, and a satisfied owner's call-back closes the
// ticket; the warning fires at 80% of the window.
func DefaultSettings() Settings {
	return Settings{CallbackTypes: "complaint,repair", CallbackMaxAttempts: 3, CallbackRetryMinutes: 120, FollowupDays: 3, WarnPercent: 80,
		CallbackCloses: true}
}

// CallsBack reports whether completed tickets of type t are called back.
func (s *Settings) CallsBack(t Type) bool {
	return slices.Contains(strings.Split(s.CallbackTypes, ","), string(t))
}

// Check validates the settings.
func (s *Settings) Check() error {
	for _, t := range strings.Split(s.CallbackTypes, ",") {
		if t != "" && !Type(t).Valid() {
			return ErrInvalidSettings
		}
	}
	if s.CallbackMaxAttempts < 1 || s.CallbackMaxAttempts > 10 || s.CallbackRetryMinutes < 5 || s.CallbackRetryMinutes > 7*24*60 ||
		s.FollowupDays < 1 || s.FollowupDays > 60 || s.WarnPercent < 10 || s.WarnPercent > 99 {
		return ErrInvalidSettings
	}
	return nil
}

// Mode is how a team gets its tickets.
type Mode string

const (
	Direct     Mode = "direct"      // the dispatcher (or team leader) names the worker
	Grab       Mode = "grab"        // 抢单: members claim from the team pool
	RoundRobin Mode = "round_robin" // the on-duty member assigned longest ago
)

var modes = []Mode{Direct, Grab, RoundRobin}

// Modes lists every mode.
func Modes() []Mode { return slices.Clone(modes) }

// Valid reports whether m is one of Modes.
func (m Mode) Valid() bool { return slices.Contains(modes, m) }

// Rule maps estate × category to a team. A rule for a category covers its
// subcategories; a nil category is the estate's fallback.
type Rule struct {
	bun.BaseModel `bun:"table:dispatch_rules"`

	TenantID   uuid.UUID  `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID         uuid.UUID  `bun:"id,pk,type:uuid" json:"id"`
	EstateID   uuid.UUID  `bun:"estate_id,notnull,type:uuid" json:"estate_id"`
	CategoryID *uuid.UUID `bun:"category_id,type:uuid" json:"category_id"`
	TeamID     uuid.UUID  `bun:"team_id,notnull,type:uuid" json:"team_id"`
	Mode       Mode       `bun:"mode,notnull" json:"mode"`
	CreatedAt  time.Time  `bun:"created_at,notnull" json:"created_at"`

	// Team is the staffing of the rule's team, where the reader asked
	// for it (the settings, the estate page).
	Team *Staffing `bun:"-" json:"team,omitempty"`
}

// Fallback reports whether the rule is its estate's fallback: it takes
// the categories no other rule of the estate covers.
func (r *Rule) Fallback() bool { return r.CategoryID == nil }

// pickRule finds the rule of the closest category in ancestry, else the
// estate's fallback.
func pickRule(rules []Rule, ancestry []uuid.UUID) *Rule {
	var best *Rule
	bestAt := len(ancestry) + 1
	for i := range rules {
		r := &rules[i]
		at := len(ancestry)
		if r.CategoryID != nil {
			if at = slices.Index(ancestry, *r.CategoryID); at < 0 {
				continue
			}
		}
		if at < bestAt {
			best, bestAt = r, at
		}
	}
	return best
}
