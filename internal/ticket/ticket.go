package ticket

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/estate"
)

// Type is what the owner brings. Display names are "ticket.type.<type>".
type Type string

const (
	Complaint  Type = "complaint"  // 投诉
	Repair     Type = "repair"     // 报修
	Inquiry    Type = "inquiry"    // 咨询
	Suggestion Type = "suggestion" // 建议
	Praise     Type = "praise"     // 表扬
)

var types = []Type{Complaint, Repair, Inquiry, Suggestion, Praise}

// Types lists every type in display order.
func Types() []Type { return slices.Clone(types) }

// Valid reports whether t is one of Types.
func (t Type) Valid() bool { return slices.Contains(types, t) }

// Channel is how the request reached the center.
type Channel string

const (
	WalkIn  Channel = "walk_in"
	Phone   Channel = "phone"
	Letter  Channel = "letter"
	Web     Channel = "web"
	Staff   Channel = "staff" // reported by a staff member on the estate
	API     Channel = "api"
	Portal  Channel = "portal" // the resident portal, later
	Unknown Channel = ""
)

var channels = []Channel{Phone, WalkIn, Letter, Web, Staff, API, Portal}

// Channels lists every channel in display order.
func Channels() []Channel { return slices.Clone(channels) }

// Valid reports whether c is one of Channels.
func (c Channel) Valid() bool { return slices.Contains(channels, c) }

// Priority decides the deadlines; emergencies count around the clock.
type Priority string

const (
	Normal    Priority = "normal"
	Urgent    Priority = "urgent"
	Emergency Priority = "emergency"
)

var priorities = []Priority{Normal, Urgent, Emergency}

// Priorities lists every priority, lowest first.
func Priorities() []Priority { return slices.Clone(priorities) }

// Valid reports whether p is one of Priorities.
func (p Priority) Valid() bool { return slices.Contains(priorities, p) }

// Call-back states of a ticket: not needed (""), due now, waiting for a
// retry after the owner was not reached, done, or given up after the last
// attempt.
const (
	CallbackDue         = "due"
	CallbackRetry       = "retry"
	CallbackDone        = "done"
	CallbackUnreachable = "unreachable"
)

// Limits of what a ticket holds.
const (
	MaxDescriptionLen = 4000
	MaxCommentLen     = 4000
	MaxReasonLen      = 500
	MaxCallerLen      = 50
	MaxPreferredLen   = 100
)

// Ticket is one request (工单).
type Ticket struct {
	bun.BaseModel `bun:"table:tickets"`

	TenantID      uuid.UUID  `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID            uuid.UUID  `bun:"id,pk,type:uuid" json:"id"`
	Number        string     `bun:"number,notnull" json:"number"`
	EstateID      uuid.UUID  `bun:"estate_id,notnull,type:uuid" json:"estate_id"`
	UnitID        *uuid.UUID `bun:"unit_id,type:uuid" json:"unit_id"`
	PersonID      *uuid.UUID `bun:"person_id,type:uuid" json:"person_id"`
	CallerName    string     `bun:"caller_name,notnull" json:"caller_name"`
	CallerPhone   string     `bun:"caller_phone,notnull" json:"caller_phone"`
	Channel       Channel    `bun:"channel,notnull" json:"channel"`
	Type          Type       `bun:"type,notnull" json:"type"`
	CategoryID    *uuid.UUID `bun:"category_id,type:uuid" json:"category_id"`
	Priority      Priority   `bun:"priority,notnull" json:"priority"`
	Major         bool       `bun:"major,notnull" json:"major"`
	Status        State      `bun:"status,notnull" json:"status"`
	Description   string     `bun:"description,notnull" json:"description"`
	PreferredTime string     `bun:"preferred_time,notnull" json:"preferred_time"`
	ReceivedBy    uuid.UUID  `bun:"received_by,notnull,type:uuid" json:"received_by"`
	CreatedBy     uuid.UUID  `bun:"created_by,notnull,type:uuid" json:"created_by"`
	TeamID        *uuid.UUID `bun:"team_id,type:uuid" json:"team_id"`
	AssigneeID    *uuid.UUID `bun:"assignee_id,type:uuid" json:"assignee_id"`
	DispatchMode  Mode       `bun:"dispatch_mode,notnull" json:"dispatch_mode"`
	// SLAGen counts deadline changes; an escalation timer carries the
	// generation it was scheduled for and does nothing once the deadlines
	// have moved.
	SLAGen int `bun:"sla_gen,notnull" json:"-"`
	// TimerAt is when the next deadline timer is due (the sweep fires it);
	// nil while the clock does not run.
	TimerAt *time.Time `bun:"timer_at" json:"-"`
	// Clock is what the deadlines count, from the policy they came from.
	Clock              Clock      `bun:"clock,notnull" json:"clock"`
	ResponseDue        *time.Time `bun:"response_due" json:"response_due"`
	ResolveDue         *time.Time `bun:"resolve_due" json:"resolve_due"`
	WarnDue            *time.Time `bun:"warn_due" json:"warn_due"`
	RespondedAt        *time.Time `bun:"responded_at" json:"responded_at"`
	CompletedAt        *time.Time `bun:"completed_at" json:"completed_at"`
	ClosedAt           *time.Time `bun:"closed_at" json:"closed_at"`
	HoldSince          *time.Time `bun:"hold_since" json:"hold_since"`
	WarnedAt           *time.Time `bun:"warned_at" json:"warned_at"`
	ResponseBreachedAt *time.Time `bun:"response_breached_at" json:"response_breached_at"`
	ResolveBreachedAt  *time.Time `bun:"resolve_breached_at" json:"resolve_breached_at"`
	CallbackState      string     `bun:"callback_state,notnull" json:"callback_state"`
	CallbackDue        *time.Time `bun:"callback_due" json:"callback_due"`
	CallbackAttempts   int        `bun:"callback_attempts,notnull" json:"callback_attempts"`
	FollowedUpAt       *time.Time `bun:"followed_up_at" json:"followed_up_at"`
	FollowupMissed     bool       `bun:"followup_missed,notnull" json:"followup_missed"`
	Satisfaction       int        `bun:"satisfaction,notnull" json:"satisfaction"`
	ReopenCount        int        `bun:"reopen_count,notnull" json:"reopen_count"`
	CreatedAt          time.Time  `bun:"created_at,notnull" json:"created_at"`
	UpdatedAt          time.Time  `bun:"updated_at,notnull" json:"updated_at"`
}

// Breached reports whether a deadline has been missed.
func (t *Ticket) Breached() bool { return t.ResponseBreachedAt != nil || t.ResolveBreachedAt != nil }

// Overdue reports whether the open ticket is past its resolution deadline
// at now.
func (t *Ticket) Overdue(now time.Time) bool {
	return t.Status.Open() && t.CompletedAt == nil && t.ResolveDue != nil && now.After(*t.ResolveDue)
}

// Left is the time until the resolution deadline (negative once missed);
// ok is false when there is no running deadline (done, or on hold).
func (t *Ticket) Left(now time.Time) (d time.Duration, ok bool) {
	if t.ResolveDue == nil || t.CompletedAt != nil || !t.Status.Open() || t.Status.Paused() {
		return 0, false
	}
	return t.ResolveDue.Sub(now), true
}

// Intake is what the clerk records.
type Intake struct {
	EstateID      uuid.UUID
	UnitID        *uuid.UUID
	PersonID      *uuid.UUID
	CallerName    string
	CallerPhone   string
	Channel       Channel
	Type          Type
	CategoryID    *uuid.UUID
	Priority      Priority
	Major         bool
	Description   string
	PreferredTime string
	// ReceivedBy is the staff member credited with taking the request; the
	// caller when nil.
	ReceivedBy *uuid.UUID
}

// Check validates the intake's own fields; references are checked by the
// service against the database.
func (in *Intake) Check() error {
	in.Description = strings.TrimSpace(in.Description)
	in.CallerName = strings.TrimSpace(in.CallerName)
	in.CallerPhone = strings.TrimSpace(in.CallerPhone)
	if p := estate.NormalizePhone(in.CallerPhone); p != "" {
		// Stored as search finds it: 138 0000 1502 and +86 13800001502
		// are the same caller.
		in.CallerPhone = p
	}
	in.PreferredTime = strings.TrimSpace(in.PreferredTime)
	if in.Priority == "" {
		in.Priority = Normal
	}
	switch {
	case !in.Channel.Valid():
		return ErrInvalidChannel
	case !in.Type.Valid():
		return ErrInvalidType
	case !in.Priority.Valid():
		return ErrInvalidPriority
	case in.Description == "" || utf8.RuneCountInString(in.Description) > MaxDescriptionLen:
		return ErrInvalidDescription
	case utf8.RuneCountInString(in.CallerName) > MaxCallerLen || utf8.RuneCountInString(in.CallerPhone) > MaxCallerLen:
		return ErrInvalidCaller
	case utf8.RuneCountInString(in.PreferredTime) > MaxPreferredLen:
		return ErrInvalidPreferredTime
	case in.UnitID == nil && in.PersonID == nil && in.CallerName == "" && in.CallerPhone == "":
		// An unknown caller is fine, but the center must be able to reach
		// them again: a name or a phone at least.
		return ErrInvalidCaller
	}
	return nil
}

// Entry is one line of a ticket's timeline.
type Entry struct {
	bun.BaseModel `bun:"table:ticket_events"`

	TenantID     uuid.UUID  `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID           uuid.UUID  `bun:"id,pk,type:uuid" json:"id"`
	TicketID     uuid.UUID  `bun:"ticket_id,notnull,type:uuid" json:"ticket_id"`
	At           time.Time  `bun:"at,notnull" json:"at"`
	ActorID      *uuid.UUID `bun:"actor_id,type:uuid" json:"actor_id"`
	Kind         string     `bun:"kind,notnull" json:"kind"`
	FromStatus   State      `bun:"from_status,notnull" json:"from_status,omitempty"`
	ToStatus     State      `bun:"to_status,notnull" json:"to_status,omitempty"`
	Body         string     `bun:"body,notnull" json:"body,omitempty"`
	OwnerVisible bool       `bun:"owner_visible,notnull" json:"owner_visible"`
	Data         string     `bun:"data,notnull" json:"data,omitempty"`

	// ActorName is filled by reads.
	ActorName string `bun:"-" json:"actor_name,omitempty"`
}

// Timeline event kinds besides the state machine's events.
const (
	KindCreated        = "created"
	KindComment        = "comment"
	KindAttachment     = "attachment"
	KindWarning        = "sla_warning"
	KindResponseBreach = "response_breach"
	KindResolveBreach  = "resolve_breach"
	KindEscalated      = "escalated"
	KindCallback       = "callback"
	KindCallbackRetry  = "callback_retry"
	KindFollowupMissed = "followup_missed"
	KindClaim          = "claim"
	KindAssign         = "assign"
)

// newEntry starts a timeline entry. Entries of one change share its
// instant, so the timeline orders them by ID: a time-ordered UUIDv7 keeps
// them in the order they were made ("followed up" before "reopened").
func newEntry(t *Ticket, at time.Time, actor *uuid.UUID, kind string) *Entry {
	return &Entry{TenantID: t.TenantID, ID: uuid.Must(uuid.NewV7()), TicketID: t.ID, At: at, ActorID: actor, Kind: kind}
}

// Attachment is a photo or file of a ticket.
type Attachment struct {
	bun.BaseModel `bun:"table:ticket_attachments"`

	TenantID    uuid.UUID  `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID          uuid.UUID  `bun:"id,pk,type:uuid" json:"id"`
	TicketID    uuid.UUID  `bun:"ticket_id,notnull,type:uuid" json:"ticket_id"`
	EventID     *uuid.UUID `bun:"event_id,type:uuid" json:"event_id"`
	Filename    string     `bun:"filename,notnull" json:"filename"`
	ContentType string     `bun:"content_type,notnull" json:"content_type"`
	Size        int64      `bun:"size,notnull" json:"size"`
	SHA256      string     `bun:"sha256,notnull" json:"sha256"`
	UploadedBy  uuid.UUID  `bun:"uploaded_by,notnull,type:uuid" json:"uploaded_by"`
	CreatedAt   time.Time  `bun:"created_at,notnull" json:"created_at"`
}

// IsImage reports whether the attachment shows inline as a photo.
func (a *Attachment) IsImage() bool { return strings.HasPrefix(a.ContentType, "image/") }

// Callback is one call-back attempt (回访).
type Callback struct {
	bun.BaseModel `bun:"table:ticket_callbacks"`

	TenantID uuid.UUID `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID       uuid.UUID `bun:"id,pk,type:uuid" json:"id"`
	TicketID uuid.UUID `bun:"ticket_id,notnull,type:uuid" json:"ticket_id"`
	Attempt  int       `bun:"attempt,notnull" json:"attempt"`
	Reached  bool      `bun:"reached,notnull" json:"reached"`
	Overall  int       `bun:"overall,notnull" json:"overall"`
	Speed    int       `bun:"speed,notnull" json:"speed"`
	Attitude int       `bun:"attitude,notnull" json:"attitude"`
	Comment  string    `bun:"comment,notnull" json:"comment"`
	ByID     uuid.UUID `bun:"by_id,notnull,type:uuid" json:"by_id"`
	At       time.Time `bun:"at,notnull" json:"at"`
}

// Dissatisfied is the score at or below which a call-back reopens the
// ticket.
const Dissatisfied = 2

// Outcome is what the clerk records on a call-back.
type Outcome struct {
	Reached  bool
	Overall  int
	Speed    int
	Attitude int
	Comment  string
}

// Check validates the outcome: a reached owner gives three scores of 1–5.
func (o *Outcome) Check() error {
	o.Comment = strings.TrimSpace(o.Comment)
	if utf8.RuneCountInString(o.Comment) > MaxCommentLen {
		return ErrInvalidComment
	}
	if !o.Reached {
		o.Overall, o.Speed, o.Attitude = 0, 0, 0
		return nil
	}
	for _, s := range []int{o.Overall, o.Speed, o.Attitude} {
		if s < 1 || s > 5 {
			return ErrInvalidScore
		}
	}
	return nil
}
