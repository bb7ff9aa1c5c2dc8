package server

import (
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/fee"
	"github.com/estatedesk/estatedesk/internal/rbac"
)

// feeActor is the caller for the fee service: who, and the estates they
// may see.
func (s *Server) feeActor(c *fiber.Ctx) (fee.Actor, error) {
	sc, err := s.scope(c)
	if err != nil {
		return fee.Actor{}, err
	}
	return fee.Actor{UserID: userOf(c).ID, Scope: sc}, nil
}

// waiverDecider reports whether the caller decides waivers: an office
// head or above (the assistant inherits the office head's role), who may
// also approve a waiver they asked for themselves.
func (s *Server) waiverDecider(c *fiber.Ctx) bool {
	for _, r := range s.Authz.Roles(userOf(c).ID, tenantOf(c).ID) {
		if r == rbac.OfficeHead || r == rbac.Assistant || r == rbac.Manager {
			return true
		}
	}
	return false
}

// feeEstates is the estates the fee pages offer, and the one chosen by
// the "estate" query parameter (the first one when none is named). An
// estate outside the scope, or a malformed ID, is not found.
func (s *Server) feeEstates(c *fiber.Ctx) ([]estate.Estate, *estate.Estate, error) {
	scope, err := s.scope(c)
	if err != nil {
		return nil, nil, err
	}
	all, err := s.Estates.Visible(c.UserContext(), tenantOf(c).ID, scope)
	if err != nil {
		return nil, nil, err
	}
	if q := c.Query("estate"); q != "" {
		id, err := uuid.Parse(q)
		if err != nil {
			return nil, nil, database.ErrNotFound
		}
		i := slices.IndexFunc(all, func(e estate.Estate) bool { return e.ID == id })
		if i < 0 {
			return nil, nil, database.ErrNotFound
		}
		return all, &all[i], nil
	}
	if len(all) == 0 {
		return all, nil, nil
	}
	return all, &all[0], nil
}

// queryUUID reads an optional ID filter; a malformed one finds nothing.
func queryUUID(c *fiber.Ctx, name string) (*uuid.UUID, error) {
	q := c.Query(name)
	if q == "" {
		return nil, nil
	}
	id, err := uuid.Parse(q)
	if err != nil {
		return nil, database.ErrNotFound
	}
	return &id, nil
}

// feeRefused answers a refused fee form in a browser with the translated
// reason on the page it came from; the API and anything but a
// validation error or conflict go to the error handler.
func (s *Server) feeRefused(c *fiber.Ctx, err error, back string) error {
	if isAPI(c) {
		return err
	}
	status, code := classify(err)
	if status != fiber.StatusUnprocessableEntity && status != fiber.StatusConflict {
		return err
	}
	s.flash(c, "error."+code, nil)
	return c.Redirect(back, fiber.StatusSeeOther)
}

// feeItemNames names an estate's items, archived ones included, for the
// lists of bills.
func (s *Server) feeItemNames(c *fiber.Ctx, scope estate.Scope, estateID uuid.UUID) (map[uuid.UUID]string, error) {
	items, err := s.Fees.Items(c.UserContext(), tenantOf(c).ID, scope, estateID, true)
	if err != nil {
		return nil, err
	}
	names := make(map[uuid.UUID]string, len(items))
	for _, it := range items {
		names[it.ID] = it.Name
	}
	return names, nil
}

// tenantToday is the company's calendar day, as the fee package's days
// are: a UTC midnight.
func tenantToday(c *fiber.Ctx) time.Time {
	y, m, d := time.Now().In(tenantOf(c).Location()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// memberName is how a staff member is shown on a receipt; "" when the
// account is gone.
func (s *Server) memberName(c *fiber.Ctx, id uuid.UUID) string {
	u, err := s.Accounts.UserByID(c.UserContext(), id)
	if err != nil {
		return ""
	}
	return u.DisplayName()
}
