package server

import "github.com/gofiber/fiber/v2"

// sessionList: the caller's live browser sessions and API tokens.
func (s *Server) sessionList(c *fiber.Ctx) error {
	ss, err := s.Accounts.Sessions(c.UserContext(), userOf(c).ID)
	if err != nil {
		return err
	}
	cur := sessionOf(c).ID
	out := make([]fiber.Map, len(ss))
	for i, x := range ss {
		out[i] = fiber.Map{"id": x.ID, "kind": x.Kind, "user_agent": x.UserAgent, "device": deviceName(x.UserAgent), "ip": x.IP, "created_at": x.CreatedAt,
			"last_seen_at": x.LastSeenAt, "expires_at": x.ExpiresAt, "current": x.ID == cur}
	}
	return c.JSON(fiber.Map{"sessions": out})
}
