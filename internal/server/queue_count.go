package server

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/rbac"
)

// undispatchedCount is the top bar's count of tickets waiting for a
// dispatcher (未派工), for those who may dispatch; 0 for anyone else.
// It is remembered per member for the session cache's TTL, as the bell's
// count is, and is an input of the cached chrome's key, so a cached top
// bar never shows another count than the one read.
func (s *Server) undispatchedCount(c *fiber.Ctx) int {
	u, t := userOf(c), tenantOf(c)
	if u == nil || t == nil || s.Tickets == nil || !s.Authz.Can(u.ID, t.ID, rbac.ObjTicket, rbac.ActDispatch) {
		return 0
	}
	key := [2]uuid.UUID{t.ID, u.ID}
	if n, ok := s.undispatched.Get(key); ok {
		return n
	}
	sc, err := s.scope(c)
	if err == nil {
		var n int
		if n, err = s.Tickets.Undispatched(c.UserContext(), t.ID, sc); err == nil {
			s.undispatched.Add(key, n)
			return n
		}
	}
	// A page without its count beats no page.
	s.Log.WarnContext(c.UserContext(), "undispatched tickets", "err", err)
	return 0
}

// forgetUndispatched drops the member's remembered count after a change
// of theirs that moves it, so that their next page shows it at once.
func (s *Server) forgetUndispatched(c *fiber.Ctx) {
	if u, t := userOf(c), tenantOf(c); u != nil && t != nil {
		s.undispatched.Remove([2]uuid.UUID{t.ID, u.ID})
	}
}
