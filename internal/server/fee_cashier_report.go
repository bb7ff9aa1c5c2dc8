package server

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/fee"
	"github.com/estatedesk/estatedesk/internal/rbac"
)

// feeCashierSupervisor reports whether the caller sees other clerks'
// days and reopens closed ones: an office head or above (as for waiver
// decisions), or anyone with fee:manage.
func (s *Server) feeCashierSupervisor(c *fiber.Ctx) bool {
	return s.waiverDecider(c) || s.Authz.Can(userOf(c).ID, tenantOf(c).ID, rbac.ObjFee, rbac.ActManage)
}

// feeCashierReport is the daily cashier report (日结) of an estate's day
// (today by default): the caller's own (fee:collect), or — for office
// heads and above — another clerk's (clerk=<id>) or every clerk's
// (clerk=all). A clerk asking for someone else's day is refused (403).
func (s *Server) feeCashierReport(c *fiber.Ctx) error {
	estates, est, err := s.feeEstates(c)
	if err != nil {
		return err
	}
	me := userOf(c).ID
	supervisor := s.feeCashierSupervisor(c)
	q := fee.DayQuery{Day: c.Query("day"), ClerkID: &me}
	switch v := c.Query("clerk"); v {
	case "", me.String():
	case "all":
		q.ClerkID = nil
	default:
		id, err := uuid.Parse(v)
		if err != nil {
			return database.ErrNotFound
		}
		q.ClerkID = &id
	}
	if q.ClerkID == nil || *q.ClerkID != me {
		if !supervisor {
			return errForbidden
		}
	}
	data := map[string]any{"Estates": estates, "Estate": est, "Supervisor": supervisor, "Me": me.String(), "Clerk": ""}
	if q.ClerkID != nil {
		data["Clerk"] = q.ClerkID.String()
	}
	if est == nil {
		if isAPI(c) {
			return database.ErrNotFound
		}
		return s.render(c, "fee_cashier", "cashier.page", data)
	}
	q.EstateID = est.ID
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	r, err := s.Fees.CashierReport(c.UserContext(), tenantOf(c), scope, q)
	if err != nil {
		return err
	}
	if isAPI(c) {
		return c.JSON(r)
	}
	// Names by ID as text: the template indexes them by string.
	names := map[string]string{me.String(): userOf(c).DisplayName()}
	name := func(id uuid.UUID) {
		if _, ok := names[id.String()]; !ok {
			names[id.String()] = s.memberName(c, id)
		}
	}
	for _, cd := range r.Clerks {
		name(cd.ClerkID)
	}
	for _, ev := range r.Events {
		name(ev.ByID)
	}
	if r.ClerkID != nil {
		name(*r.ClerkID)
		data["ClerkName"] = names[r.ClerkID.String()]
	}
	data["Report"], data["Names"] = r, names
	return s.render(c, "fee_cashier", "cashier.page", data)
}
