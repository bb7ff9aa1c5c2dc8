package server

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/ticket"
)

// unreadTTL is how long the bell's count may lag a new notification. A
// member's own "mark read" clears it at once.
const unreadTTL = 20 * time.Second

// notificationPage bounds the list: the latest notifications; older ones
// are on their tickets' timelines.
const notificationPage = 50

// notificationView is a notification with its time in the company's zone.
type notificationView struct {
	ticket.Notification
	At time.Time
}

// notificationList: the member's latest notifications (escalations,
// warnings, reopened tickets), newest first, with the unread count.
func (s *Server) notificationList(c *fiber.Ctx) error {
	u, t := userOf(c), tenantOf(c)
	list, unread, err := s.Tickets.Notifications(c.UserContext(), t.ID, u.ID, notificationPage)
	if err != nil {
		return err
	}
	s.unread.Add([2]uuid.UUID{t.ID, u.ID}, unread)
	if isAPI(c) {
		if list == nil {
			list = []ticket.Notification{}
		}
		return c.JSON(fiber.Map{"notifications": list, "unread": unread})
	}
	loc := t.Location()
	views := make([]notificationView, len(list))
	for i, n := range list {
		views[i] = notificationView{Notification: n, At: n.CreatedAt.In(loc)}
	}
	return s.render(c, "notifications", "queue.notes.title", map[string]any{"Notifications": views, "UnreadCount": unread})
}

// unreadCount is the bell's number: remembered for a few seconds, since
// every page shows it.
func (s *Server) unreadCount(c *fiber.Ctx) int {
	u, t := userOf(c), tenantOf(c)
	if u == nil || t == nil || s.Tickets == nil {
		return 0
	}
	key := [2]uuid.UUID{t.ID, u.ID}
	if n, ok := s.unread.Get(key); ok {
		return n
	}
	_, n, err := s.Tickets.Notifications(c.UserContext(), t.ID, u.ID, 1)
	if err != nil {
		// A page without its bell beats no page.
		s.Log.WarnContext(c.UserContext(), "unread notifications", "err", err)
		return 0
	}
	s.unread.Add(key, n)
	return n
}
