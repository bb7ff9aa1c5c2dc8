package server

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/account"
	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/estate/importer"
	"github.com/estatedesk/estatedesk/internal/logging"
	"github.com/estatedesk/estatedesk/internal/team"
	"github.com/estatedesk/estatedesk/internal/tenant"
	"github.com/estatedesk/estatedesk/internal/ticket"
	"github.com/estatedesk/estatedesk/internal/webhook"
)

// Errors of the HTTP layer itself.
var (
	errForbidden     = errors.New("forbidden")
	errUnauthorized  = errors.New("unauthorized")
	errCSRF          = errors.New("csrf token missing or wrong")
	errSuspended     = errors.New("tenant suspended")
	errReadOnly      = errors.New("tenant read-only")
	errBadRequest    = errors.New("bad request")
	errNotFoundRoute = errors.New("no such page")
)

// problem is an RFC 9457 problem document with our stable code.
type problem struct {
	Type      string            `json:"type"`
	Title     string            `json:"title"`
	Status    int               `json:"status"`
	Detail    string            `json:"detail,omitempty"`
	Code      string            `json:"code"`
	RequestID string            `json:"request_id,omitempty"`
	Errors    map[string]string `json:"errors,omitempty"`
}

// classify maps an error to HTTP status and stable code. The code names the
// translated message "error.<code>".
func classify(err error) (int, string) {
	var fe *fiber.Error
	var te *account.ThrottledError
	var fieldErr *fieldError
	var limitErr *tenant.LimitError
	if status, code, ok := classifyFee(err); ok {
		return status, code
	}
	if status, code, ok := classifyBilling(err); ok {
		return status, code
	}
	if status, code, ok := classifyReport(err); ok {
		return status, code
	}
	if status, code, ok := classifyKPI(err); ok {
		return status, code
	}
	switch {
	case errors.As(err, &limitErr):
		return fiber.StatusUnprocessableEntity, "plan_limit_" + limitErr.What
	case errors.As(err, &fieldErr):
		return fiber.StatusUnprocessableEntity, "validation"
	case errors.As(err, new(*inputError)):
		return fiber.StatusUnprocessableEntity, "invalid_text"
	case errors.Is(err, database.ErrNotFound), errors.Is(err, errNotFoundRoute):
		return fiber.StatusNotFound, "not_found"
	case errors.Is(err, errUnauthorized), errors.Is(err, account.ErrSessionInvalid):
		return fiber.StatusUnauthorized, "unauthorized"
	case errors.Is(err, account.ErrInvalidCredentials):
		return fiber.StatusUnauthorized, "invalid_credentials"
	case errors.Is(err, account.ErrTwoFactorCode):
		return fiber.StatusUnauthorized, "two_factor_code"
	case errors.Is(err, account.ErrTwoFactorCodeRequired):
		return fiber.StatusUnauthorized, "two_factor_code_required"
	case errors.Is(err, account.ErrTwoFactorRequired):
		return fiber.StatusForbidden, "two_factor_required"
	case errors.Is(err, account.ErrTwoFactorOn):
		return fiber.StatusConflict, "two_factor_on"
	case errors.As(err, &te):
		return fiber.StatusTooManyRequests, "too_many_attempts"
	case errors.Is(err, errForbidden):
		return fiber.StatusForbidden, "forbidden"
	case errors.Is(err, errCSRF):
		return fiber.StatusForbidden, "csrf"
	case errors.Is(err, errSuspended):
		return fiber.StatusForbidden, "tenant_suspended"
	case errors.Is(err, errReadOnly):
		return fiber.StatusForbidden, "tenant_read_only"
	case errors.Is(err, errBadRequest):
		return fiber.StatusBadRequest, "bad_request"
	case errors.Is(err, account.ErrInvalidEmail):
		return fiber.StatusUnprocessableEntity, "invalid_email"
	case errors.Is(err, account.ErrInvalidName):
		return fiber.StatusUnprocessableEntity, "invalid_name"
	case errors.Is(err, account.ErrPasswordTooShort):
		return fiber.StatusUnprocessableEntity, "password_too_short"
	case errors.Is(err, account.ErrPasswordTooLong):
		return fiber.StatusUnprocessableEntity, "password_too_long"
	case errors.Is(err, account.ErrEmailTaken):
		return fiber.StatusConflict, "email_taken"
	case errors.Is(err, account.ErrInvalidRole):
		return fiber.StatusUnprocessableEntity, "invalid_role"
	case errors.Is(err, account.ErrNoRoles):
		return fiber.StatusUnprocessableEntity, "no_roles"
	case errors.Is(err, account.ErrUnknownEstate):
		return fiber.StatusUnprocessableEntity, "unknown_estate"
	case errors.Is(err, account.ErrAlreadyMember):
		return fiber.StatusConflict, "already_member"
	case errors.Is(err, account.ErrLastManager):
		return fiber.StatusConflict, "last_manager"
	case errors.Is(err, account.ErrInvitationInvalid):
		return fiber.StatusNotFound, "invitation_invalid"
	case errors.Is(err, account.ErrResetInvalid):
		return fiber.StatusNotFound, "reset_invalid"
	case errors.Is(err, account.ErrWrongPassword):
		return fiber.StatusUnprocessableEntity, "wrong_password"
	case errors.Is(err, account.ErrInvalidMobile):
		return fiber.StatusUnprocessableEntity, "invalid_mobile"
	case errors.Is(err, account.ErrMobileTaken):
		return fiber.StatusConflict, "mobile_taken"
	case errors.Is(err, tenant.ErrInvalidSlug):
		return fiber.StatusUnprocessableEntity, "invalid_slug"
	case errors.Is(err, tenant.ErrSlugTaken):
		return fiber.StatusConflict, "slug_taken"
	case errors.Is(err, tenant.ErrInvalidName):
		return fiber.StatusUnprocessableEntity, "invalid_tenant_name"
	case errors.Is(err, tenant.ErrInvalidPlan):
		return fiber.StatusUnprocessableEntity, "invalid_plan"
	case errors.Is(err, tenant.ErrInvalidZone):
		return fiber.StatusUnprocessableEntity, "invalid_time_zone"
	case errors.As(err, new(*errManifest)):
		return fiber.StatusUnprocessableEntity, "invalid_manifest"
	case errors.Is(err, errSlugMismatch):
		return fiber.StatusUnprocessableEntity, "manifest_slug_mismatch"
	case errors.Is(err, estate.ErrInvalidName):
		return fiber.StatusUnprocessableEntity, "invalid_estate_name"
	case errors.Is(err, estate.ErrNameTaken):
		return fiber.StatusConflict, "name_taken"
	case errors.Is(err, estate.ErrInvalidHours):
		return fiber.StatusUnprocessableEntity, "invalid_hours"
	case errors.Is(err, estate.ErrInvalidDay):
		return fiber.StatusUnprocessableEntity, "invalid_day"
	case errors.Is(err, estate.ErrInvalidArea):
		return fiber.StatusUnprocessableEntity, "invalid_area"
	case errors.Is(err, estate.ErrInvalidUnit):
		return fiber.StatusUnprocessableEntity, "invalid_unit"
	case errors.Is(err, estate.ErrUnitTaken):
		return fiber.StatusConflict, "unit_taken"
	case errors.Is(err, estate.ErrInvalidPhone):
		return fiber.StatusUnprocessableEntity, "invalid_phone"
	case errors.Is(err, estate.ErrInvalidPerson):
		return fiber.StatusUnprocessableEntity, "invalid_person"
	case errors.Is(err, estate.ErrInvalidRelation):
		return fiber.StatusUnprocessableEntity, "invalid_relation"
	case errors.Is(err, estate.ErrArchived):
		return fiber.StatusConflict, "archived"
	case errors.Is(err, team.ErrInvalidName):
		return fiber.StatusUnprocessableEntity, "invalid_team_name"
	case errors.Is(err, team.ErrInvalidKind):
		return fiber.StatusUnprocessableEntity, "invalid_team_kind"
	case errors.Is(err, team.ErrNameTaken):
		return fiber.StatusConflict, "team_name_taken"
	case errors.Is(err, team.ErrLeaderNotEligible):
		return fiber.StatusUnprocessableEntity, "team_leader_ineligible"
	case errors.Is(err, team.ErrMemberNotEligible):
		return fiber.StatusUnprocessableEntity, "team_member_ineligible"
	case errors.Is(err, team.ErrNotInEstate):
		return fiber.StatusUnprocessableEntity, "team_staff_outside_estate"
	case errors.Is(err, team.ErrTooManyMembers):
		return fiber.StatusUnprocessableEntity, "team_too_many_members"
	case errors.Is(err, team.ErrNotLeader):
		return fiber.StatusForbidden, "team_not_leader"
	case errors.Is(err, team.ErrArchived):
		return fiber.StatusConflict, "archived"
	case errors.Is(err, importer.ErrNoFile):
		return fiber.StatusUnprocessableEntity, "import_no_file"
	case errors.Is(err, importer.ErrTooLarge):
		return fiber.StatusRequestEntityTooLarge, "import_too_large"
	case errors.Is(err, importer.ErrNotReady):
		return fiber.StatusConflict, "import_not_ready"
	case errors.Is(err, webhook.ErrPrivateAddress):
		return fiber.StatusUnprocessableEntity, "webhook_private_address"
	case errors.Is(err, webhook.ErrInvalidURL):
		return fiber.StatusUnprocessableEntity, "webhook_invalid_url"
	case errors.Is(err, webhook.ErrInvalidEvents):
		return fiber.StatusUnprocessableEntity, "webhook_invalid_events"
	case errors.Is(err, webhook.ErrTooMany):
		return fiber.StatusUnprocessableEntity, "webhook_too_many"
	// Queues and ticket settings.
	case errors.Is(err, ticket.ErrInvalidFilter):
		return fiber.StatusUnprocessableEntity, "invalid_filter"
	case errors.Is(err, ticket.ErrInvalidCursor):
		return fiber.StatusUnprocessableEntity, "invalid_cursor"
	case errors.Is(err, ticket.ErrInvalidPolicy):
		return fiber.StatusUnprocessableEntity, "invalid_policy"
	case errors.Is(err, ticket.ErrInvalidLadder):
		return fiber.StatusUnprocessableEntity, "invalid_ladder"
	case errors.Is(err, ticket.ErrInvalidSettings):
		return fiber.StatusUnprocessableEntity, "invalid_ticket_settings"
	case errors.Is(err, ticket.ErrInvalidMode):
		return fiber.StatusUnprocessableEntity, "invalid_mode"
	case errors.Is(err, ticket.ErrInvalidCategory):
		return fiber.StatusUnprocessableEntity, "invalid_category"
	// Intake, the ticket's moves, files and call-backs.
	case errors.As(err, new(*ticket.MoveError)):
		return fiber.StatusUnprocessableEntity, "ticket_illegal_move"
	case errors.Is(err, ticket.ErrInvalidChannel):
		return fiber.StatusUnprocessableEntity, "ticket_invalid_channel"
	case errors.Is(err, ticket.ErrInvalidType):
		return fiber.StatusUnprocessableEntity, "ticket_invalid_type"
	case errors.Is(err, ticket.ErrInvalidPriority):
		return fiber.StatusUnprocessableEntity, "ticket_invalid_priority"
	case errors.Is(err, ticket.ErrInvalidDescription):
		return fiber.StatusUnprocessableEntity, "ticket_invalid_description"
	case errors.Is(err, ticket.ErrInvalidCaller):
		return fiber.StatusUnprocessableEntity, "ticket_invalid_caller"
	case errors.Is(err, ticket.ErrInvalidPreferredTime):
		return fiber.StatusUnprocessableEntity, "ticket_invalid_preferred_time"
	case errors.Is(err, ticket.ErrInvalidReason):
		return fiber.StatusUnprocessableEntity, "ticket_invalid_reason"
	case errors.Is(err, ticket.ErrInvalidComment):
		return fiber.StatusUnprocessableEntity, "ticket_invalid_comment"
	case errors.Is(err, ticket.ErrInvalidScore):
		return fiber.StatusUnprocessableEntity, "ticket_invalid_score"
	case errors.Is(err, ticket.ErrUnitNotInEstate):
		return fiber.StatusUnprocessableEntity, "ticket_unit_not_in_estate"
	case errors.Is(err, ticket.ErrInvalidReceiver):
		return fiber.StatusUnprocessableEntity, "ticket_invalid_receiver"
	case errors.Is(err, ticket.ErrTeamNotInEstate):
		return fiber.StatusUnprocessableEntity, "ticket_team_not_in_estate"
	case errors.Is(err, ticket.ErrNotTeamMember):
		return fiber.StatusUnprocessableEntity, "ticket_not_team_member"
	case errors.Is(err, ticket.ErrNoTeam):
		return fiber.StatusUnprocessableEntity, "ticket_no_team"
	case errors.Is(err, ticket.ErrNotAssignee):
		return fiber.StatusForbidden, "ticket_not_assignee"
	case errors.Is(err, ticket.ErrAlreadyClaimed):
		return fiber.StatusConflict, "ticket_already_claimed"
	case errors.Is(err, ticket.ErrNoCallback):
		return fiber.StatusUnprocessableEntity, "ticket_no_callback"
	case errors.Is(err, ticket.ErrCloseReason):
		return fiber.StatusUnprocessableEntity, "ticket_close_reason"
	case errors.Is(err, ticket.ErrIdempotencyMismatch):
		return fiber.StatusUnprocessableEntity, "ticket_idempotency_mismatch"
	case errors.Is(err, ticket.ErrInvalidIdempotency):
		return fiber.StatusUnprocessableEntity, "ticket_invalid_idempotency"
	case errors.Is(err, ticket.ErrAttachmentType):
		return fiber.StatusUnprocessableEntity, "ticket_attachment_type"
	case errors.Is(err, ticket.ErrAttachmentSize):
		return fiber.StatusUnprocessableEntity, "ticket_attachment_size"
	case errors.Is(err, ticket.ErrTooManyAttachments):
		return fiber.StatusUnprocessableEntity, "ticket_too_many_attachments"
	case errors.Is(err, errNoFiles):
		return fiber.StatusUnprocessableEntity, "ticket_no_files"
	case errors.Is(err, errNoEstate):
		return fiber.StatusUnprocessableEntity, "ticket_no_estate"
	case errors.Is(err, database.ErrConflict):
		return fiber.StatusConflict, "conflict"
	case errors.As(err, &fe):
		switch fe.Code {
		case fiber.StatusNotFound:
			return fe.Code, "not_found"
		case fiber.StatusRequestEntityTooLarge:
			return fe.Code, "too_large"
		case fiber.StatusMethodNotAllowed:
			return fe.Code, "method_not_allowed"
		case fiber.StatusBadRequest:
			return fe.Code, "bad_request"
		}
		return fe.Code, "error"
	}
	return fiber.StatusInternalServerError, "internal"
}

// fieldError carries per-field validation messages (already translated).
type fieldError struct{ fields map[string]string }

func (e *fieldError) Error() string { return "validation failed" }

// handleError is the one place errors become responses. It logs server
// faults once with the request ID and shows the user only a safe, translated
// message.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	status, code := classify(err)
	ctx := c.UserContext()
	if status >= 500 {
		s.Log.ErrorContext(ctx, "request failed", "err", err, "method", c.Method(), "path", c.Path())
	}
	lang := langOf(c)
	// Some refusals carry what their message names (the plan, the limit).
	var data map[string]any
	var md interface{ MessageData() map[string]any }
	if errors.As(err, &md) {
		data = md.MessageData()
	}
	msg := s.Catalog.T(lang, "error."+code, data)
	var te *account.ThrottledError
	if errors.As(err, &te) {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(te.RetryAfter.Seconds()+0.5)))
	}
	setRetryAfter(c, err)
	if isAPI(c) || !acceptsHTML(c) {
		p := problem{Type: "urn:estatedesk:problem:" + code, Title: msg, Status: status, Code: code, RequestID: logging.RequestID(ctx)}
		var fe *fieldError
		var ie *inputError
		if errors.As(err, &fe) {
			p.Errors = fe.fields
		} else if errors.As(err, &ie) {
			p.Errors = map[string]string{ie.field: msg}
		}
		c.Set(fiber.HeaderContentType, "application/problem+json")
		return c.Status(status).JSON(p, "application/problem+json")
	}
	if status == fiber.StatusUnauthorized {
		return c.Redirect("/login?next=" + safeNext(c.OriginalURL()))
	}
	return s.render(c.Status(status), "error", "error.title", map[string]any{
		"Status": status, "Code": code, "Message": msg, "RequestID": logging.RequestID(ctx), "Suspended": code == "tenant_suspended",
	})
}

func acceptsHTML(c *fiber.Ctx) bool {
	accept := c.Get(fiber.HeaderAccept)
	return accept == "" || c.Accepts(fiber.MIMETextHTML, fiber.MIMEApplicationJSON) == fiber.MIMETextHTML
}
